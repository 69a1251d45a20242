"""What a digest is made from, whatever the conversation was: the contract between the
features that collect conversations (prompts' threads, live chats) and the digests
feature that turns them into drafts.

A source hands over a `Material`: its questions in order, each with the contributions
filed under it. Contributions carry the author's member ID only when the member wrote
by name; an anonymous contribution carries `author_id=None` and can never be credited.
Members' words are kept exactly as written; the digest only chooses, groups and credits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

SourceKind = Literal["chat", "discussion", "week"]


@dataclass(frozen=True, slots=True)
class Contribution:
    """One member's answer or reply, as written."""

    author_id: str | None  # the platform's member ID; None when anonymous
    text: str
    at: datetime
    link: str | None = None  # back to the message, where the platform has links
    reactions: int = 0  # how many reactions the group gave it (what it valued)
    role: str | None = None  # "parent", "liaison", "organizer": for grouping by role


@dataclass(frozen=True, slots=True)
class Topic:
    """A question (Q1, a week's prompt) and what was filed under it, oldest first."""

    label: str  # "Q1", "Q2", ... or "" for a prompt thread
    text: str
    contributions: tuple[Contribution, ...]
    link: str | None = None


@dataclass(frozen=True, slots=True)
class Material:
    """A whole conversation, ready to become a draft digest."""

    kind: SourceKind
    source_id: str  # the chat's or discussion's ID in its own feature, as text
    community_id: int
    channel: str  # where the conversation took place, and where the digest goes
    title: str
    started_at: datetime
    ended_at: datetime
    topics: tuple[Topic, ...]
    # Who asked for the digest (a chat's moderator): told the draft is ready when no
    # organizer role has been granted yet in the community.
    requested_by: str | None = None
