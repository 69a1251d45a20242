"""The live chats' tables, on the shared metadata (migration 0021 makes them).

A chat's answers are what members wrote in the group by name, so they are stored with
the author's ID and their words, as written; a member's export shows them and their
deletion removes them. Reactions to an answer are only counted (what the group valued),
never who reacted."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from bot.storage.tables import MEMBER, SEEN_IDS, UTCDateTime, metadata

# A recurring chat: what each occurrence asks, and its rhythm (bot/recurrence.py).
chat_series = Table(
    "chat_series",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("channel", String(64), nullable=False),
    # The chat as started: questions, intro, wrap-up, interval, missed policy (JSON).
    Column("template", Text, nullable=False, info=MEMBER),
    Column("created_by", String(64), nullable=False, info=MEMBER),
    Column("weekday", Integer, nullable=False),
    Column("at_time", String(5), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("start_date", String(10), nullable=False),
    Column("end_date", String(10), nullable=True),
    Column("every_weeks", Integer, nullable=False),
    Column("month_week", Integer, nullable=True),
    Column("status", String(10), nullable=False),  # active, stopped, finished
    Column("created_at", UTCDateTime(), nullable=False),
    **SEEN_IDS,
)

chats = Table(
    "chats",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("title", Text, nullable=False),  # the series's title, or empty
    Column("intro", Text, nullable=True, info=MEMBER),
    Column("wrap_up", Text, nullable=True, info=MEMBER),
    Column("created_by", String(64), nullable=False, info=MEMBER),
    Column("starts_at", UTCDateTime(), nullable=False),
    Column("interval_s", Integer, nullable=False),
    Column("missed", String(4), nullable=False),  # post, skip: a question due while down
    Column("status", String(10), nullable=False),  # scheduled, running, ended, cancelled
    Column("posted", Integer, nullable=False),  # questions posted or skipped so far
    Column("next_at", UTCDateTime(), nullable=True),  # the next question (or the end)
    Column("ended_at", UTCDateTime(), nullable=True),
    Column("series_id", Integer, ForeignKey("chat_series.id"), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Index(None, "community_id", "channel", "status"),
    **SEEN_IDS,
)

chat_questions = Table(
    "chat_questions",
    metadata,
    Column("chat_id", Integer, ForeignKey("chats.id"), primary_key=True),
    Column("number", Integer, primary_key=True),  # Q1, Q2, ...
    Column("text", Text, nullable=False, info=MEMBER),
    Column("message_id", String(128), nullable=True),  # the thread's root, from the receipt
    Column("posted_at", UTCDateTime(), nullable=True),
    Column("skipped", Integer, nullable=False),  # 1: skipped by the missed=skip policy
)

# One row per (message, question) filed. `number` 0: a message an organizer is filing
# through the form, not yet given a question (removed when the chat ends unfiled).
chat_answers = Table(
    "chat_answers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("chat_id", Integer, ForeignKey("chats.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("message_id", String(128), nullable=False),
    Column("thread", String(128), nullable=True),
    Column("author_id", String(64), nullable=True, info=MEMBER),
    Column("text", Text, nullable=False, info=MEMBER),
    Column("at", UTCDateTime(), nullable=False),
    Column("reactions", Integer, nullable=False),
    # How it was filed: label, thread, organizer (a way, not a person).
    Column("filed_by", String(10), nullable=False, info={"member": False}),
    UniqueConstraint("chat_id", "message_id", "number"),
    Index(None, "chat_id", "message_id"),
)

TABLES = (chat_series, chats, chat_questions, chat_answers)
