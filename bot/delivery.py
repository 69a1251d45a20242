"""The contract between the outbox and an adapter's sending side."""

from __future__ import annotations

from typing import Literal, Protocol, runtime_checkable

from bot.capabilities import Capabilities, RateLimits
from bot.intents import Intent

Scope = Literal["lane", "community", "platform"]


class RetryAfter(Exception):
    """The platform asked us to wait (HTTP 429) `seconds`, and said what the limit holds:

    - "lane": only the channel (or member) the message was for: a Discord route's bucket;
    - "community": every send of the same class (shared posts, or private answers) to
      that workspace or server: Slack limits each Web API method per workspace, and
      a 429 from chat.postMessage says nothing of chat.postEphemeral;
    - "platform": everything the bot sends there, in every community: Discord's global
      limit (or a Cloudflare ban)."""

    def __init__(self, seconds: float, *, scope: Scope = "lane") -> None:
        super().__init__(f"retry after {seconds:.3f}s ({scope})")
        self.seconds = seconds
        self.scope: Scope = scope


class PermanentFailure(Exception):
    """Sending can never succeed (channel gone, bot removed): do not retry."""


class Deliverer(Protocol):
    """What an adapter gives the outbox: its name, what it can show, how fast it may
    send, and one call that performs one intent."""

    platform: str
    capabilities: Capabilities
    limits: RateLimits

    async def deliver(self, intent: Intent, *, key: str | None = None) -> str | None:
        """Perform the intent; return the platform's ID of the message it created.

        `key` is stable for one outbox row across retries and restarts ("hr<row id>"):
        an adapter hands it to the platform where the platform drops a repeat of it
        (Discord's nonce) or attaches it where it can be found again (Slack's message
        metadata, see `DeliveryCheck`), so a send repeated after a crash is not doubled."""


class DeliveryCheck(Protocol):
    """Optional: an adapter that can tell whether a row's message already arrived."""

    async def find_delivered(self, intent: Intent, key: str) -> str | None:
        """The platform's ID of the message sent earlier with `key`, or None when the
        platform has none (send it). Raises when it cannot tell (the caller retries)."""


@runtime_checkable
class ReplyHandles(Protocol):
    """Optional: an adapter whose answers to a request go through a handle the request
    brought (Slack's `response_url`, Discord's interaction token), which lives for
    minutes. The outbox stores the handle on the reply's row, so any replica that
    delivers the row can answer through it, not only the one that received the request
    (which still acknowledges it within the platform's 3 seconds)."""

    def reply_handle(self, event_id: str) -> tuple[str, float] | None:
        """The handle (opaque text) a reply to `event_id` goes through and its seconds
        left, while this process holds a live one; None otherwise."""

    def adopt_reply_handle(self, event_id: str, handle: str, seconds_left: float) -> None:
        """Use `handle` for replies to `event_id` for `seconds_left` (a row another
        process wrote); a live handle of this process's own is kept instead."""
