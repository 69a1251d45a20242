"""The questions feature's tables, on the shared metadata (migration 0019).

An anonymous question keeps no member ID: `asker_token` (a keyed one-way token, the
same for every question the member asks in the community) finds their questions for
`ask list` and a block; `asker_sealed` (only the bot can open it) relays answers.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from bot.storage.tables import MEMBER, SEEN_IDS, UTCDateTime, metadata

# Routing rules: topic x grade x language (NULL = any) -> a liaison and a backup.
question_routes = Table(
    "question_routes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("topic", String(32), nullable=True),
    Column("grade", String(8), nullable=True),
    Column("language", String(8), nullable=True),
    Column("liaison_id", String(64), nullable=False, info=MEMBER),
    Column("backup_id", String(64), nullable=True, info=MEMBER),
    Column("reply_within_minutes", Integer, nullable=True),
    Column("created_by", String(64), nullable=False, info=MEMBER),
    Column("created_at", UTCDateTime(), nullable=False),
    # Who is told when even the backup has not answered: one member, or everyone holding
    # a role (liaison, organizer); neither: the organizers (migration 0025).
    Column("escalate_to", String(64), nullable=True, info=MEMBER),
    Column("escalate_role", String(16), nullable=True),
    Index(None, "community_id"),
    **SEEN_IDS,
)

# A liaison's own choice: may a parent whose named question is theirs see their name?
question_liaisons = Table(
    "question_liaisons",
    metadata,
    Column("community_id", Integer, ForeignKey("communities.id"), primary_key=True),
    Column("user_id", String(64), primary_key=True, info=MEMBER),
    Column("named", Boolean, nullable=False, default=False),
)

questions = Table(
    "questions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("asker_id", String(64), nullable=True, info=MEMBER),  # NULL when anonymous
    Column("asker_token", String(32), nullable=True),
    Column("asker_sealed", Text, nullable=True),
    Column("asker_language", String(8), nullable=False),
    Column("text", Text, nullable=False, info=MEMBER),
    Column("topic", String(32), nullable=False),
    Column("grade", String(8), nullable=True),
    Column("language", String(8), nullable=False),
    # held (FAQ offered), received, claimed, waiting (for the parent), answered, closed
    Column("status", String(10), nullable=False),
    Column("route_id", Integer, nullable=True),
    Column("liaison_id", String(64), nullable=True, info=MEMBER),
    Column("backup_id", String(64), nullable=True, info=MEMBER),
    Column("claimed_at", UTCDateTime(), nullable=True),
    Column("reply_within_minutes", Integer, nullable=False),
    Column("due_at", UTCDateTime(), nullable=True),
    Column("remind_at", UTCDateTime(), nullable=True),
    Column("paused_at", UTCDateTime(), nullable=True),
    Column("paused_seconds", Integer, nullable=False, default=0),
    Column("escalation", Integer, nullable=False, default=0),  # 0, 1 backup, 2 organizers
    Column("reminded", Boolean, nullable=False, default=False),
    Column("card_channel", String(64), nullable=True),
    Column("card_message", String(128), nullable=True),
    Column("close_reason", String(10), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("answered_at", UTCDateTime(), nullable=True),
    Column("closed_at", UTCDateTime(), nullable=True),
    Index(None, "community_id", "status"),
    Index(None, "community_id", "asker_token"),
    **SEEN_IDS,
)

# What happened on a question: answers, internal notes, the parent's replies, requests
# for detail. `author_id` is NULL for an anonymous asker's reply.
question_notes = Table(
    "question_notes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("question_id", Integer, ForeignKey("questions.id"), nullable=False),
    Column("kind", String(10), nullable=False),  # answer, note, reply, detail
    Column("author_id", String(64), nullable=True, info=MEMBER),
    Column("text", Text, nullable=False, info=MEMBER),
    Column("as_team", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index(None, "question_id"),
)

# Anonymous senders an organizer blocked, by their token only.
question_blocks = Table(
    "question_blocks",
    metadata,
    Column("community_id", Integer, ForeignKey("communities.id"), primary_key=True),
    Column("asker_token", String(32), primary_key=True),
    Column("blocked_by", String(64), nullable=False, info=MEMBER),
    Column("created_at", UTCDateTime(), nullable=False),
)

TABLES = (questions, question_routes, question_liaisons, question_notes, question_blocks)
