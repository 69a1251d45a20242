"""The schema, as SQLAlchemy Core tables. Alembic migrations create exactly this (a test
compares them). Every row that belongs to a community carries its key, `community_id`,
and only `communities` holds the platform's names for it; `bot.storage.places` turns a
ConversationRef into these columns and back. We store platform IDs, never display names.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect

from bot.storage.sqlite_steps import as_sqlite_text


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: SQLite keeps no zone, PostgreSQL may."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """On SQLite, the text SQLAlchemy's own two steps (naive UTC, then its DATETIME
        format) would write, in one: every outbox, inbox and de-duplication row binds
        several, and the two steps were a tenth of the writer thread's time."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        return as_sqlite_text  # the writer process converts with it too


# On a column that holds a member's ID or words: some feature's export and delete hooks
# must cover it (bot.privacy; a test fails otherwise).
MEMBER = {"member": True}

# On every table whose IDs members see (question #12, poll #3, a button's value): a
# number once shown is never given to another row. SQLite otherwise hands a deleted
# newest row's ID to the next insert (`me delete`, a removed FAQ entry); AUTOINCREMENT
# stops that. PostgreSQL's sequences never go back anyway. Migration 0027.
SEEN_IDS: dict[str, Any] = {"sqlite_autoincrement": True}

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

communities = Table(
    "communities",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform", String(16), nullable=False),
    Column("external_id", String(64), nullable=False),
    Column("timezone", String(64), nullable=True),
    Column("languages", String(64), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("platform", "external_id"),
)

# A channel the bot serves, and what for: a parents' group, the liaison queue.
groups = Table(
    "groups",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("channel_id", String(64), nullable=False),
    Column("purpose", String(16), nullable=False),
    Column("language", String(8), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("community_id", "channel_id", "purpose"),
)

# Per-member preferences; a row exists only once a member has chosen something.
members = Table(
    "members",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("user_id", String(64), nullable=False, info=MEMBER),
    Column("language", String(8), nullable=True),
    Column("timezone", String(64), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    # 1: the member asked for no direct messages the bot starts (reminders, notices).
    Column("dm_off", Integer, nullable=False, server_default="0"),
    # How digests credit what the member wrote: "name", "initials" or "none"; NULL is
    # the default, their name (bot.features.digests.credit).
    Column("digest_credit", String(8), nullable=True),
    # "21:00-07:00" in the member's zone: direct messages the bot starts wait until it ends.
    Column("quiet_hours", String(11), nullable=True),
    # A date (YYYY-MM-DD, the member's zone): no DMs the bot starts before that day.
    Column("paused_until", String(10), nullable=True),
    UniqueConstraint("community_id", "user_id"),
)

# The language each member's platform last reported for them (not a choice they made):
# what notices written to them later are in when they chose none. Noted from any event,
# like delivery bookkeeping; it keeps no time, so it dates nothing a member did.
member_locales = Table(
    "member_locales",
    metadata,
    Column("community_id", Integer, ForeignKey("communities.id"), primary_key=True),
    Column("user_id", String(64), primary_key=True, info=MEMBER),
    Column("locale", String(16), nullable=False),
)

member_roles = Table(
    "member_roles",
    metadata,
    Column("community_id", Integer, ForeignKey("communities.id"), primary_key=True),
    Column("user_id", String(64), primary_key=True, info=MEMBER),
    Column("role", String(16), primary_key=True),
    Column("granted_by", String(64), nullable=True, info=MEMBER),
    Column("granted_at", UTCDateTime(), nullable=False),
)

# The inbox: inbound delivery IDs, so a platform's redelivery has one effect, and the
# event itself (`payload`, as the platform sent it) from before it is acknowledged until
# it is handled, so a kill or a database error in between loses nothing. The payload is
# dropped when `handled_at` is set. `received_at` is when the latest attempt to handle
# it began; `attempts` counts them (bounded, see bot.inbox).
processed_events = Table(
    "processed_events",
    metadata,
    Column("platform", String(16), primary_key=True),
    Column("event_id", String(128), primary_key=True),
    Column("received_at", UTCDateTime(), nullable=False, index=True),
    Column("payload", Text, nullable=True),
    Column("handled_at", UTCDateTime(), nullable=True, index=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform", String(16), nullable=False),
    Column("lane", String(200), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(8), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime(), nullable=True),
    Column("delivered_id", String(128), nullable=True),
    Column("last_error", String(500), nullable=True),
    # Set before the row is handed to the platform: a pending row with it set was in
    # flight when a run ended, so `resume` checks with the platform before resending.
    Column("sending_since", UTCDateTime(), nullable=True),
    # Which process may send a pending row, and until when (renewed while it lives):
    # a second process (a deploy's new one) takes only rows whose lease is gone.
    Column("lease_owner", String(64), nullable=True),
    Column("lease_until", UTCDateTime(), nullable=True),
    # The handle a reply goes through (Slack's response_url, a Discord interaction's
    # application ID and token) and until when it lives, written by the process that
    # received the request so that any replica can send the reply; cleared once sent.
    Column("reply_handle", Text, nullable=True),
    Column("reply_until", UTCDateTime(), nullable=True),
    Index(None, "status", "id"),
)

# Which replica owns an outbox lane (a channel's posts, a member's answers), and until
# when: only on PostgreSQL, where several replicas share the outbox (bot.lanes).
outbox_lanes = Table(
    "outbox_lanes",
    metadata,
    Column("lane", String(200), primary_key=True),
    Column("owner", String(64), nullable=False),
    Column("until", UTCDateTime(), nullable=False),
)

# Live replicas' heartbeats, and platforms paused by a 429 that holds every replica
# (bot.budget): only on PostgreSQL.
replicas = Table(
    "replicas",
    metadata,
    Column("owner", String(64), primary_key=True),
    Column("seen_at", UTCDateTime(), nullable=False),
    Column("waiting", Integer, nullable=False),  # rows it holds to send ...
    Column("share", Float, nullable=False),  # ... and the share of the limits it paces at
)
platform_pauses = Table(
    "platform_pauses",
    metadata,
    Column("platform", String(16), primary_key=True),
    Column("until", UTCDateTime(), nullable=False),
)

# A form being filled as a conversation on an adapter that has no native forms.
dialogues = Table(
    "dialogues",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("user_id", String(64), nullable=False, info=MEMBER),
    Column("form", Text, nullable=False),
    Column("answers", Text, nullable=False, info=MEMBER),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("community_id", "user_id"),
)

# Numbered choices shown as text where an adapter has no buttons: "reply 1, 2 or 3".
pending_choices = Table(
    "pending_choices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("user_id", String(64), nullable=True, info=MEMBER),
    Column("buttons", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index(None, "community_id", "channel"),
)

# The server's own secrets, made on the first start when settings give none (bot.anonymity).
server_secrets = Table(
    "server_secrets",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# What an adapter remembers across restarts, e.g. the command tree it last registered.
adapter_state = Table(
    "adapter_state",
    metadata,
    Column("platform", String(16), primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# A series assigned to a group's channel with a weekly slot in a time zone. The next
# occurrence is persisted (next_date) with the prompt it will carry (next_index).
schedules = Table(
    "schedules",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("series_id", String(40), nullable=False),
    Column("weekday", Integer, nullable=False),
    Column("at_time", String(5), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("start_date", String(10), nullable=False),
    Column("end_date", String(10), nullable=True),
    Column("skip_dates", Text, nullable=False),
    Column("after_break", String(8), nullable=False),
    Column("status", String(10), nullable=False),
    Column("next_date", String(10), nullable=False),
    Column("next_index", Integer, nullable=False),
    Column("next_due", UTCDateTime(), nullable=False, index=True),
    Column("created_by", String(64), nullable=False, info=MEMBER),
    Column("created_at", UTCDateTime(), nullable=False),
    # The rhythm (bot/recurrence.py): every `every_weeks` weeks from the start date, or,
    # when `month_week` is set, monthly on that weekday of the month (1-4; -1 = last).
    Column("every_weeks", Integer, nullable=False, server_default="1"),
    Column("month_week", Integer, nullable=True),
    # What a channel's prompts have been is read by (community, channel) on every post.
    Index(None, "community_id", "channel"),
    **SEEN_IDS,
)

# Every timed thing of every feature (bot/timers.py): a schedule's next slot, a poll's
# close. One row a timer; its occurrence is claimed, worked and advanced in one transaction.
timers = Table(
    "timers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("feature", String(32), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("key", String(128), nullable=False),
    Column("due_at", UTCDateTime(), nullable=False),
    # "pending"; "claimed" only inside the transaction that fires it, never committed.
    Column("state", String(8), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    UniqueConstraint("feature", "kind", "key"),
    Index("ix_timers_state_due_at", "state", "due_at"),
)

# Each occurrence of a schedule is claimed here before anything is sent: the unique key
# means a restart, a retry or a second scheduler never posts it twice. Its community and
# channel are its schedule's (no copy of them here to disagree).
postings = Table(
    "postings",
    metadata,
    Column("schedule_id", Integer, ForeignKey("schedules.id"), primary_key=True),
    Column("occurrence", String(32), primary_key=True),
    Column("prompt_id", String(40), nullable=True),
    Column("outcome", String(12), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
)

# A posted prompt and the thread of replies under it: what digests are made from.
discussions = Table(
    "discussions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("root", String(128), nullable=False),
    Column("schedule_id", Integer, ForeignKey("schedules.id"), nullable=True),
    Column("series_id", String(40), nullable=False),
    Column("prompt_id", String(40), nullable=False),
    Column("posted_at", UTCDateTime(), nullable=False),
    UniqueConstraint("community_id", "channel", "root"),
)

discussion_replies = Table(
    "discussion_replies",
    metadata,
    Column("discussion_id", Integer, ForeignKey("discussions.id"), primary_key=True),
    Column("message_id", String(128), primary_key=True),
    Column("user_id", String(64), nullable=False, info=MEMBER),
    Column("text", Text, nullable=False, info=MEMBER),
    Column("at", UTCDateTime(), nullable=False),
)

discussion_reactions = Table(
    "discussion_reactions",
    metadata,
    Column("discussion_id", Integer, ForeignKey("discussions.id"), primary_key=True),
    Column("message_id", String(128), primary_key=True),
    Column("user_id", String(64), primary_key=True, info=MEMBER),
    Column("emoji", String(64), primary_key=True),
)

# A group's own prompts: suggested by members (reviewed by organizers) or added by
# organizers. An anonymous suggestion stores no member ID at all.
community_prompts = Table(
    "community_prompts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("text", Text, nullable=False, info=MEMBER),
    Column("status", String(10), nullable=False),
    Column("author_id", String(64), nullable=True, info=MEMBER),
    Column("author_language", String(8), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("decided_at", UTCDateTime(), nullable=True),
    Index(None, "community_id", "status"),
    **SEEN_IDS,
)

# Telling each organizer that prompt ideas are waiting: at most one DM a day, none to
# an organizer who turned them off. No row says who suggested anything.
idea_notices = Table(
    "idea_notices",
    metadata,
    Column("community_id", Integer, ForeignKey("communities.id"), primary_key=True),
    Column("user_id", String(64), primary_key=True, info=MEMBER),
    Column("waiting_since", UTCDateTime(), nullable=True),
    Column("last_sent_at", UTCDateTime(), nullable=True),
    Column("dm_off", Integer, nullable=False, default=0),
    # A platform admin (an organizer by their platform role, which only their own
    # requests tell us): seen running organizer commands, so they are told too.
    Column("platform_admin", Integer, nullable=False, default=0),
)
