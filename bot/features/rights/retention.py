"""Retention: each community chooses how many days it keeps closed questions and raw
discussion messages; a restart-safe timer (bot/timers.py) deletes what is older.

The sweep runs on the shared timer, one timer per community (key: its ID). Each firing
deletes at most BATCH rows of each kind in the claiming transaction, so no transaction
is long and the event loop gets its turn between batches; while more is left the timer
is due again at once, and when the community is clean, again in a day. Digests and FAQ
entries are the group's record and are never swept.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features.questions.tables import question_notes, questions
from bot.features.rights.tables import retention_policies
from bot.storage.tables import discussion_reactions, discussion_replies, discussions
from bot.timers import TimerResult, TimerRun

FEATURE = "rights"
KIND = "retention"
BATCH = 500  # rows of one kind a transaction
EVERY = timedelta(days=1)  # how often a clean community is looked at again
MIN_DAYS, MAX_DAYS = 1, 3650

# (conn, community ID, rows older than this, at most this many) -> rows deleted
Sweep = Callable[[AsyncConnection, int, datetime, int], Awaitable[int]]


async def sweep_questions(conn: AsyncConnection, community: int, before: datetime, n: int) -> int:
    """Closed questions (and everything said on them) closed before `before`."""
    ids = (
        (
            await conn.execute(
                select(questions.c.id)
                .where(
                    (questions.c.community_id == community)
                    & (questions.c.status == "closed")
                    & (questions.c.closed_at < before)
                )
                .order_by(questions.c.id)
                .limit(n)
            )
        )
        .scalars()
        .all()
    )
    if not ids:
        return 0
    await conn.execute(delete(question_notes).where(question_notes.c.question_id.in_(ids)))
    await conn.execute(delete(questions).where(questions.c.id.in_(ids)))
    return len(ids)


async def sweep_messages(conn: AsyncConnection, community: int, before: datetime, n: int) -> int:
    """Raw replies in prompt discussions written before `before`, with their reactions.
    The discussion itself (which prompt was posted where) stays."""
    found = (
        await conn.execute(
            select(discussion_replies.c.discussion_id, discussion_replies.c.message_id)
            .join(discussions, discussions.c.id == discussion_replies.c.discussion_id)
            .where((discussions.c.community_id == community) & (discussion_replies.c.at < before))
            .order_by(discussion_replies.c.at)
            .limit(n)
        )
    ).all()
    by_discussion: dict[int, list[str]] = {}
    for discussion, message in found:
        by_discussion.setdefault(discussion, []).append(message)
    for discussion, messages in by_discussion.items():
        for table in (discussion_reactions, discussion_replies):
            await conn.execute(
                delete(table).where(
                    (table.c.discussion_id == discussion) & table.c.message_id.in_(messages)
                )
            )
    return len(found)


# What each kind of retention sweeps. A feature that keeps raw member messages of its
# own (live chats) adds its sweep to the "messages" list.
SWEEPS: Mapping[str, tuple[Sweep, ...]] = {
    "questions": (sweep_questions,),
    "messages": (sweep_messages,),
}


async def policies(conn: AsyncConnection, community: int) -> dict[str, int]:
    rows = await conn.execute(
        select(retention_policies.c.what, retention_policies.c.days).where(
            retention_policies.c.community_id == community
        )
    )
    return {what: days for what, days in rows}


async def sweep(run: TimerRun) -> dict[str, TimerResult]:
    """One batch of each kind for every due community; due again at once while more is
    left, else in a day (or never, once the community keeps everything again)."""
    results: dict[str, TimerResult] = {}
    for timer in run.due:
        community = int(timer.key)
        kept = await policies(run.conn, community)
        full = False
        for what, days in kept.items():
            before = run.now - timedelta(days=days)
            for one in SWEEPS.get(what, ()):
                full |= await one(run.conn, community, before, BATCH) >= BATCH
        if not kept:
            results[timer.key] = TimerResult()
        else:
            # Due again at once (the loop fires it again before it naps) while more is left.
            soon = max(run.now, timer.due_at + timedelta(microseconds=1))
            results[timer.key] = TimerResult(next_due=soon if full else run.now + EVERY)
    return results
