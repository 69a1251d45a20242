"""Links back to the conversation: the address of a message on its platform, where the
platform gives messages addresses anyone in the community can open. The console has
none, so its items carry no link (the digest says where and when instead)."""

from __future__ import annotations


def message_link(
    platform: str, community: str, channel: str, message: str, thread: str | None = None
) -> str | None:
    """The web address of `message` in `channel` (in the thread under `thread`)."""
    if platform == "discord":
        # A thread opened from a message is a channel whose ID is that message's.
        where = thread or channel
        if thread and message == thread:
            where = channel
        return f"https://discord.com/channels/{community}/{where}/{message}"
    if platform == "slack" and "." in message:
        link = f"https://slack.com/archives/{channel}/p{message.replace('.', '')}"
        if thread and thread != message:
            link += f"?thread_ts={thread}&cid={channel}"
        return link
    return None
