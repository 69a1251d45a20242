"""The digests feature's tables, on the shared metadata (migration 0022 makes them).

A digest is a snapshot: its questions and items are copied here from the conversation
when the draft is made, so retention of raw messages (a chat's answers, a prompt
thread's replies) never hollows out a digest the group keeps as its memory. An item
holds its author's member ID only when they wrote by name; an anonymous item holds none.
How an author is credited is decided when the digest is shown (the member's own choice
today, and the organizer's setting on the digest), so it is not stored per item.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from bot.storage.tables import MEMBER, SEEN_IDS, UTCDateTime, metadata

digests = Table(
    "digests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("kind", String(12), nullable=False),  # chat, discussion, week
    Column("source_id", String(64), nullable=False),
    Column("title", Text, nullable=False),
    Column("status", String(10), nullable=False),  # draft, published
    Column("credit", String(8), nullable=False),  # names, initials, none: the organizer's
    Column("grouping", String(8), nullable=False),  # question, role
    Column("started_at", UTCDateTime(), nullable=False),
    Column("ended_at", UTCDateTime(), nullable=False),
    Column("created_by", String(64), nullable=True, info=MEMBER),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("published_at", UTCDateTime(), nullable=True),
    Index(None, "community_id", "channel", "status"),
    **SEEN_IDS,
)

# The questions, in order (0, 1, ...), as the conversation asked them.
digest_topics = Table(
    "digest_topics",
    metadata,
    Column("digest_id", Integer, ForeignKey("digests.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("label", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("link", String(500), nullable=True),
)

# What was said under each question; `number` (1, 2, ...) is how organizers name an item
# to drop. `author_id` is None for anonymous content, and after the author's data is
# deleted (their words stay with the group, their name does not).
digest_items = Table(
    "digest_items",
    metadata,
    Column("digest_id", Integer, ForeignKey("digests.id"), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("topic", Integer, nullable=False),
    Column("author_id", String(64), nullable=True, info=MEMBER),
    Column("text", Text, nullable=False, info=MEMBER),
    Column("at", UTCDateTime(), nullable=False),
    Column("link", String(500), nullable=True),
    Column("reactions", Integer, nullable=False),
    Column("role", String(16), nullable=True),
    Column("dropped", Integer, nullable=False),
)
