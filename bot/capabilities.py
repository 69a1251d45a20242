"""What an adapter can do natively, and how fast it may send.

The core reads these to choose a fallback (bot.fallbacks) instead of letting an adapter
fail at run time, and the outbox reads the limits to pace delivery under the platform's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Token buckets: `per_channel` messages a second per channel, `overall` shared
    messages a second in all, and `private` for answers only one member sees (Slack
    limits those separately from posting, and they must not queue behind a fan-out)."""

    per_channel: float = 1.0
    per_channel_burst: int = 1
    overall: float = 50.0
    overall_burst: int = 50
    private: float = 50.0
    private_burst: int = 50
    # Edits of a message the bot posted (an `Update`, such as a poll's card after each
    # vote): at most one every `per_message_edit` seconds per message, and `edits` a
    # second (bursts of `edits_burst`) shared by every message in one channel or one
    # community, as `edits_shared_by` says. A burst of edits to one message sends only
    # the newest (the outbox replaces the others), so these bound a card's edits
    # whatever the votes' rate, and never hold back posts or answers.
    per_message_edit: float = 1.0
    edits: float = 1.0
    edits_burst: int = 5
    edits_shared_by: Literal["channel", "community"] = "channel"


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
    pins: bool = True
    # A reply thread must be opened by a call of its own after the post (Discord); where
    # replying opens it (Slack, the console), no OpenThread is ever staged or paced.
    explicit_threads: bool = False
    max_text: int = 4000
    # Buttons one message can carry (Slack's actions block, Discord's five rows of five);
    # beyond that a feature offers a `Select` instead.
    max_buttons: int = 25
    # Whether a message's `Image` is shown; else its alt text stands in.
    images: bool = False
    # How a member runs a command on a message (a `message_action`), so that what they
    # are told to do is what they can do there: Slack's message menu ("More actions"),
    # Discord's "Apps" in the message's menu, or typed (the console's `:on N COMMAND`).
    message_actions: Literal["menu", "apps", "typed"] = "menu"


UNLIMITED = RateLimits(1e9, 10**9, 1e9, 10**9, 1e9, 10**9, 0.0, 1e9, 10**9)
