"""The contract between the outbox and an adapter's sending side."""

from __future__ import annotations

from typing import Protocol

from bot.capabilities import Capabilities, RateLimits
from bot.intents import Intent


class RetryAfter(Exception):
    """The platform asked us to wait (HTTP 429). `overall` pauses the whole platform,
    otherwise only the channel the message was for."""

    def __init__(self, seconds: float, *, overall: bool = False) -> None:
        super().__init__(f"retry after {seconds:.3f}s")
        self.seconds = seconds
        self.overall = overall


class PermanentFailure(Exception):
    """Sending can never succeed (channel gone, bot removed): do not retry."""


class Deliverer(Protocol):
    """What an adapter gives the outbox: its name, what it can show, how fast it may
    send, and one call that performs one intent."""

    platform: str
    capabilities: Capabilities
    limits: RateLimits

    async def deliver(self, intent: Intent) -> str | None:
        """Perform the intent; return the platform's ID of the message it created."""
