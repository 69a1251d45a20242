"""The chats feature's timers, run by the core's one timer loop in the transaction that
claims them: a chat's next step (its first question, the next one, or its end), and a
recurring chat's next occurrence, announced a day ahead. A step that comes late because
the bot was down follows the chat's `missed` policy and says so (bot/features/chats/service.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, timedelta

from sqlalchemy import select

from bot.features.chats import store
from bot.features.chats.state import Chats
from bot.features.chats.store import FEATURE, STEP, occurrence, recurrence_of
from bot.features.chats.tables import chat_series, chats
from bot.refs import ConversationRef
from bot.storage.tables import communities
from bot.timers import TimerResult, TimerRun

ANNOUNCE_AHEAD = timedelta(days=1)


async def _place(run: TimerRun, community_id: int) -> tuple[str, str] | None:
    row = (
        await run.conn.execute(
            select(communities.c.platform, communities.c.external_id).where(
                communities.c.id == community_id
            )
        )
    ).first()
    return (row[0], row[1]) if row else None


async def step_due(run: TimerRun) -> Mapping[str, TimerResult]:
    """Each due chat's next step. The service sets the chat's next timer itself, in this
    same transaction; the result names that same time, so the loop keeps the timer."""
    chats_state: Chats = run.state
    results: dict[str, TimerResult] = {}
    for timer in run.due:
        row = (await run.conn.execute(select(chats).where(chats.c.id == int(timer.key)))).first()
        place = await _place(run, row.community_id) if row else None
        if row is None or place is None or row.status == "ended":
            continue
        where = ConversationRef(place[0], place[1], row.channel)
        chat = await store.get(run.conn, row.id, where)
        assert chat is not None
        intents = await chats_state.service.step(run.conn, chat, run.now, due=timer.due_at)
        after = await store.get(run.conn, row.id, where)
        due = after.next_at if after is not None and after.status != "ended" else None
        results[timer.key] = TimerResult(intents=intents, next_due=due)
    return results


async def repeat_due(run: TimerRun) -> Mapping[str, TimerResult]:
    """A recurring chat's next occurrence: made and announced, with its step timer set;
    and the announcement of the one after it, unless the series' last date is passed."""
    chats_state: Chats = run.state
    results: dict[str, TimerResult] = {}
    for timer in run.due:
        row = await store.series(run.conn, int(timer.key))
        place = await _place(run, row.community_id) if row else None
        if row is None or place is None or row.status != "active":
            continue
        where = ConversationRef(place[0], place[1], row.channel)
        recurrence = recurrence_of(row)
        day = occurrence(recurrence, timer.due_at)
        until = date.fromisoformat(row.end_date) if row.end_date else None
        if until is not None and day > until:
            continue
        template = json.loads(row.template)
        starts_at = recurrence.due(day)
        chat = await chats_state.create(
            run.conn, where, template, row.created_by, starts_at, run.now, row.id
        )
        announcement = await chats_state.service.announce(chat, template["questions"])
        await chats_state.kernel.timers.set(run.conn, FEATURE, STEP, str(chat.id), starts_at)
        following = recurrence.following(day)
        next_due = None
        if until is None or following <= until:
            next_due = recurrence.due(following) - ANNOUNCE_AHEAD
        else:
            await run.conn.execute(
                chat_series.update().where(chat_series.c.id == row.id).values(status="finished")
            )
        results[timer.key] = TimerResult(intents=[announcement], next_due=next_due)
    return results
