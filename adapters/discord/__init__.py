"""Homeroom on Discord: discord.py as a translator (see adapter.py)."""

from adapters.discord.adapter import DiscordAdapter

__all__ = ["DiscordAdapter"]
