"""A poll as its handlers see it, and who may see what of its results."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.refs import ConversationRef, MemberRef

MIN_OPTIONS, MAX_OPTIONS = 2, 25
MAX_OPTION = 70  # characters: an option fits on a button (Slack's 75, Discord's 80)
MAX_QUESTION = 300
VISIBILITIES = ("live", "after-vote", "after-close", "organizers", "winner-only")


@dataclass(frozen=True, slots=True)
class Poll:
    id: int
    community_id: int
    where: ConversationRef  # the channel, and the card's message once it is posted
    question: str
    options: tuple[str, ...]
    anonymous: bool
    max_choices: int
    visibility: str
    status: str
    created_by: str
    created_at: datetime
    closes_at: datetime | None
    remind_at: datetime | None
    closed_at: datetime | None
    series_id: int | None

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def open_at(self, now: datetime) -> bool:
        """Open, and its deadline (if any) not passed: a deadline that passed while the
        bot was down closes the poll for votes at once, before its timer runs."""
        return self.is_open and (self.closes_at is None or now < self.closes_at)

    def creator(self) -> MemberRef:
        return MemberRef(self.where.platform, self.where.community, self.created_by)


def poll_from_row(row: Any, platform: str, community: str) -> Poll:
    r = row._mapping
    return Poll(
        id=r["id"],
        community_id=r["community_id"],
        where=ConversationRef(platform, community, r["channel"], None, r["message_id"]),
        question=r["question"],
        options=tuple(json.loads(r["options"])),
        anonymous=bool(r["anonymous"]),
        max_choices=r["max_choices"],
        visibility=r["visibility"],
        status=r["status"],
        created_by=r["created_by"],
        created_at=r["created_at"],
        closes_at=r["closes_at"],
        remind_at=r["remind_at"],
        closed_at=r["closed_at"],
        series_id=r["series_id"],
    )


@dataclass(frozen=True, slots=True)
class Tally:
    """Votes per option (in the options' order), how many voted, and, on a named poll,
    who chose each option (member IDs)."""

    counts: tuple[int, ...]
    voters: int
    names: tuple[tuple[str, ...], ...] = ()


def sees_results(poll: Poll, *, runs_it: bool, voted: bool, now: datetime) -> str:
    """What a reader may see of the results now: "all", "winner" or "none". Those who run
    the poll (its creator and organizers) see all; the others as the poll says."""
    closed = not poll.open_at(now)
    if runs_it:
        return "all"
    mode = poll.visibility
    if mode == "live" or (mode in ("after-vote", "after-close") and closed):
        return "all"
    if mode == "after-vote" and voted:
        return "all"
    if mode == "winner-only" and closed:
        return "winner"
    return "none"
