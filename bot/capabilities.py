"""What an adapter can do natively, and how fast it may send.

The core reads these to choose a fallback (bot.fallbacks) instead of letting an adapter
fail at run time, and the outbox reads the limits to pace delivery under the platform's.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Token buckets: `per_channel` messages a second per channel, `overall` in all."""

    per_channel: float = 1.0
    per_channel_burst: int = 1
    overall: float = 50.0
    overall_burst: int = 50


@dataclass(frozen=True, slots=True)
class Capabilities:
    threads: bool = True
    buttons: bool = True
    forms: bool = True
    ephemeral: bool = True
    reactions: bool = True
    direct_messages: bool = True
    updates: bool = True
    home: bool = False
    max_text: int = 4000


UNLIMITED = RateLimits(per_channel=1e9, per_channel_burst=10**9, overall=1e9, overall_burst=10**9)
