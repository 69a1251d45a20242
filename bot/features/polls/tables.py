"""The polls feature's tables, on the shared metadata (migration 0016 makes them).

An anonymous poll's ballots hold a keyed one-way token (`kernel.anonymity.token("poll",
poll_id, member)`) in `voter`, never a member ID, and no time: enough to stop double
voting and to let a member change or take back their vote, and nothing else."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from bot.storage.tables import MEMBER, SEEN_IDS, UTCDateTime, metadata

# A recurring poll: what each occurrence asks, and its rhythm (bot/recurrence.py).
poll_series = Table(
    "poll_series",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("channel", String(64), nullable=False),
    # The poll as created: question, options and settings (JSON), copied to each occurrence.
    Column("template", Text, nullable=False, info=MEMBER),
    Column("created_by", String(64), nullable=False, info=MEMBER),
    Column("weekday", Integer, nullable=False),
    Column("at_time", String(5), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("start_date", String(10), nullable=False),
    Column("every_weeks", Integer, nullable=False),
    Column("month_week", Integer, nullable=True),
    Column("status", String(10), nullable=False),  # active, stopped
    Column("created_at", UTCDateTime(), nullable=False),
    **SEEN_IDS,
)

polls = Table(
    "polls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("question", Text, nullable=False, info=MEMBER),
    Column("options", Text, nullable=False, info=MEMBER),  # JSON list of the options' words
    Column("anonymous", Integer, nullable=False),
    Column("max_choices", Integer, nullable=False),
    Column("visibility", String(12), nullable=False),
    Column("status", String(8), nullable=False),  # open, closed
    Column("created_by", String(64), nullable=False, info=MEMBER),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("closes_at", UTCDateTime(), nullable=True),
    Column("remind_at", UTCDateTime(), nullable=True),
    Column("closed_at", UTCDateTime(), nullable=True),
    Column("message_id", String(128), nullable=True),  # the card, from its delivery receipt
    Column("series_id", Integer, ForeignKey("poll_series.id"), nullable=True),
    Index(None, "community_id", "channel", "status"),
    **SEEN_IDS,
)

# One row per option a voter chose. `voter` is the member's ID on a named poll and the
# token on an anonymous one.
poll_ballots = Table(
    "poll_ballots",
    metadata,
    Column("poll_id", Integer, ForeignKey("polls.id"), primary_key=True),
    Column("voter", String(64), primary_key=True, info=MEMBER),
    Column("choice", Integer, primary_key=True),
)

# Groups where only organizers may create polls (no row: any member may).
poll_groups = Table(
    "poll_groups",
    metadata,
    Column("community_id", Integer, ForeignKey("communities.id"), primary_key=True),
    Column("channel", String(64), primary_key=True),
    Column("organizers_only", Integer, nullable=False),
)
