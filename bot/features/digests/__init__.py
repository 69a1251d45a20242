"""Digests: prompt threads and live chats made into short recaps grouped by question."""
