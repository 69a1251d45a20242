"""The live chats' state in the database: chats, their questions, the answers filed
under them, and recurring chats. Every write runs in the caller's transaction, so a
question posted by the timer commits with the timer's advance."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features.chats.tables import chat_answers, chat_questions, chat_series, chats
from bot.recurrence import Recurrence
from bot.refs import ConversationRef
from bot.storage.places import at_place, community_key
from bot.storage.tables import timers
from bot.storage.upsert import insert_ignoring_duplicates

FEATURE = "chats"
STEP, REPEAT = "step", "repeat"  # a chat's next question (or end); a recurring chat's next


@dataclass(frozen=True, slots=True)
class Chat:
    """One live chat as its handlers see it."""

    id: int
    community_id: int
    where: ConversationRef  # the channel
    title: str
    intro: str | None
    wrap_up: str | None
    created_by: str
    starts_at: datetime
    interval: timedelta
    missed: str  # post, skip
    status: str  # scheduled, running, ended, cancelled
    posted: int  # questions posted or skipped so far
    total: int
    next_at: datetime | None
    ended_at: datetime | None
    series_id: int | None


@dataclass(frozen=True, slots=True)
class Question:
    number: int
    text: str
    message_id: str | None
    posted_at: datetime | None
    skipped: bool


def _chat(row: Any, platform: str, community: str, total: int) -> Chat:
    r = row._mapping
    return Chat(
        id=r["id"],
        community_id=r["community_id"],
        where=ConversationRef(platform, community, r["channel"]),
        title=r["title"],
        intro=r["intro"],
        wrap_up=r["wrap_up"],
        created_by=r["created_by"],
        starts_at=r["starts_at"],
        interval=timedelta(seconds=r["interval_s"]),
        missed=r["missed"],
        status=r["status"],
        posted=r["posted"],
        total=total,
        next_at=r["next_at"],
        ended_at=r["ended_at"],
        series_id=r["series_id"],
    )


async def _total(conn: AsyncConnection, chat_id: int) -> int:
    found = await conn.scalar(
        select(func.count()).select_from(chat_questions).where(chat_questions.c.chat_id == chat_id)
    )
    return int(found or 0)


async def insert_chat(
    conn: AsyncConnection,
    where: ConversationRef,
    *,
    title: str,
    questions: Sequence[str],
    intro: str | None,
    wrap_up: str | None,
    created_by: str,
    starts_at: datetime,
    interval: timedelta,
    missed: str,
    now: datetime,
    series_id: int | None = None,
) -> Chat:
    """A new scheduled chat and its questions (the caller starts it or sets its timer)."""
    made = await conn.execute(
        insert(chats).values(
            community_id=community_key(where),
            channel=where.channel,
            title=title,
            intro=intro,
            wrap_up=wrap_up,
            created_by=created_by,
            starts_at=starts_at,
            interval_s=int(interval.total_seconds()),
            missed=missed,
            status="scheduled",
            posted=0,
            next_at=starts_at,
            series_id=series_id,
            created_at=now,
        )
    )
    assert made.inserted_primary_key is not None
    chat_id = int(made.inserted_primary_key[0])
    await conn.execute(
        insert(chat_questions),
        [
            {"chat_id": chat_id, "number": n, "text": text, "skipped": 0}
            for n, text in enumerate(questions, 1)
        ],
    )
    found = await get(conn, chat_id, where)
    assert found is not None
    return found


async def get(conn: AsyncConnection, chat_id: int, where: Any) -> Chat | None:
    """The chat numbered `chat_id` in `where`'s community (None elsewhere)."""
    row = (
        await conn.execute(
            select(chats).where(
                (chats.c.id == chat_id) & (chats.c.community_id == community_key(where))
            )
        )
    ).first()
    if row is None:
        return None
    return _chat(row, where.platform, where.community, await _total(conn, chat_id))


async def in_channel(
    conn: AsyncConnection, where: ConversationRef, statuses: Sequence[str]
) -> list[Chat]:
    """The chats of `where`'s channel in these states, soonest first."""
    rows = (
        await conn.execute(
            select(chats)
            .where(at_place(chats, where) & chats.c.status.in_(statuses))
            .order_by(chats.c.starts_at, chats.c.id)
        )
    ).all()
    return [_chat(r, where.platform, where.community, await _total(conn, r.id)) for r in rows]


async def in_community(conn: AsyncConnection, where: Any, statuses: Sequence[str]) -> list[Chat]:
    rows = (
        await conn.execute(
            select(chats)
            .where((chats.c.community_id == community_key(where)) & chats.c.status.in_(statuses))
            .order_by(chats.c.starts_at, chats.c.id)
        )
    ).all()
    return [_chat(r, where.platform, where.community, await _total(conn, r.id)) for r in rows]


async def latest_in(conn: AsyncConnection, where: ConversationRef) -> Chat | None:
    """The chat running in the channel, else the one that ended last there."""
    running = await in_channel(conn, where, ("running",))
    if running:
        return running[0]
    row = (
        await conn.execute(
            select(chats)
            .where(at_place(chats, where) & (chats.c.status == "ended"))
            .order_by(chats.c.ended_at.desc(), chats.c.id.desc())
            .limit(1)
        )
    ).first()
    return _chat(row, where.platform, where.community, await _total(conn, row.id)) if row else None


async def questions(conn: AsyncConnection, chat_id: int) -> list[Question]:
    rows = await conn.execute(
        select(chat_questions)
        .where(chat_questions.c.chat_id == chat_id)
        .order_by(chat_questions.c.number)
    )
    return [Question(r.number, r.text, r.message_id, r.posted_at, bool(r.skipped)) for r in rows]


async def hold(conn: AsyncConnection, chat: Chat) -> bool:
    """Take the chat's row for this transaction if it is still as `chat` says (same
    state, same questions posted); False when a timer, another command or a replica
    moved it on first. An update that changes nothing, so it locks the row (PostgreSQL
    re-reads it once the other transaction ends) or takes SQLite's write lock, and is
    the first thing a step does: no question is posted twice, none skipped unsaid."""
    held = await conn.execute(
        update(chats)
        .where(
            (chats.c.id == chat.id)
            & (chats.c.status == chat.status)
            & (chats.c.posted == chat.posted)
        )
        .values(posted=chats.c.posted)
    )
    return held.rowcount == 1


async def save(conn: AsyncConnection, chat_id: int, **values: Any) -> None:
    await conn.execute(update(chats).where(chats.c.id == chat_id).values(**values))


async def question_posted(conn: AsyncConnection, chat_id: int, number: int, now: datetime) -> None:
    await conn.execute(
        update(chat_questions)
        .where((chat_questions.c.chat_id == chat_id) & (chat_questions.c.number == number))
        .values(posted_at=now)
    )


async def question_skipped(conn: AsyncConnection, chat_id: int, number: int) -> None:
    await conn.execute(
        update(chat_questions)
        .where((chat_questions.c.chat_id == chat_id) & (chat_questions.c.number == number))
        .values(skipped=1)
    )


async def thread_root(conn: AsyncConnection, chat_id: int, number: int, message_id: str) -> None:
    await conn.execute(
        update(chat_questions)
        .where((chat_questions.c.chat_id == chat_id) & (chat_questions.c.number == number))
        .values(message_id=message_id)
    )


async def question_of_thread(conn: AsyncConnection, chat_id: int, thread: str) -> int | None:
    found = await conn.scalar(
        select(chat_questions.c.number).where(
            (chat_questions.c.chat_id == chat_id) & (chat_questions.c.message_id == thread)
        )
    )
    return None if found is None else int(found)


async def file(
    conn: AsyncConnection,
    chat_id: int,
    numbers: Sequence[int],
    *,
    message_id: str,
    thread: str | None,
    author_id: str | None,
    text: str,
    at: datetime,
    filed_by: str,
) -> None:
    """File one message under each of `numbers` (again: nothing changes)."""
    await insert_ignoring_duplicates(
        conn,
        chat_answers,
        [
            {
                "chat_id": chat_id,
                "number": n,
                "message_id": message_id,
                "thread": thread,
                "author_id": author_id,
                "text": text,
                "at": at,
                "reactions": 0,
                "filed_by": filed_by,
            }
            for n in numbers
        ],
    )


async def filed(conn: AsyncConnection, chat_id: int, message_id: str) -> list[Any]:
    """The rows filing this message in the chat (number 0: waiting for a question)."""
    return list(
        (
            await conn.execute(
                select(chat_answers)
                .where(
                    (chat_answers.c.chat_id == chat_id) & (chat_answers.c.message_id == message_id)
                )
                .order_by(chat_answers.c.number)
            )
        ).all()
    )


async def unfile(conn: AsyncConnection, chat_id: int, message_id: str) -> int:
    gone = await conn.execute(
        delete(chat_answers).where(
            (chat_answers.c.chat_id == chat_id) & (chat_answers.c.message_id == message_id)
        )
    )
    return int(gone.rowcount)


async def drop_unfiled(conn: AsyncConnection, chat_id: int) -> None:
    """Messages an organizer began to file but gave no question: they were no answers."""
    await conn.execute(
        delete(chat_answers).where(
            (chat_answers.c.chat_id == chat_id) & (chat_answers.c.number == 0)
        )
    )


async def answers(conn: AsyncConnection, chat_id: int) -> list[Any]:
    return list(
        (
            await conn.execute(
                select(chat_answers)
                .where((chat_answers.c.chat_id == chat_id) & (chat_answers.c.number > 0))
                .order_by(chat_answers.c.number, chat_answers.c.at, chat_answers.c.id)
            )
        ).all()
    )


async def counts(conn: AsyncConnection, chat_id: int) -> tuple[int, int]:
    """How many answers are filed, and how many people wrote them."""
    row = (
        await conn.execute(
            select(
                func.count(func.distinct(chat_answers.c.message_id)),
                func.count(func.distinct(chat_answers.c.author_id)),
            ).where((chat_answers.c.chat_id == chat_id) & (chat_answers.c.number > 0))
        )
    ).one()
    return int(row[0]), int(row[1])


def _answer_at(where: ConversationRef, message_id: str) -> Any:
    in_channel_chats = select(chats.c.id).where(at_place(chats, where))
    return (
        (chat_answers.c.message_id == message_id)
        & chat_answers.c.chat_id.in_(in_channel_chats)
        & (chat_answers.c.number > 0)
    )


async def is_answer(conn: AsyncConnection, where: ConversationRef, message_id: str) -> bool:
    """Whether the message is a filed answer of a chat in `where`'s channel."""
    found = await conn.scalar(
        select(chat_answers.c.id).where(_answer_at(where, message_id)).limit(1)
    )
    return found is not None


async def reacted(conn: AsyncConnection, where: ConversationRef, message_id: str) -> None:
    """One more reaction to an answer of a chat in `where`'s channel (if it is one)."""
    await conn.execute(
        update(chat_answers)
        .where(_answer_at(where, message_id))
        .values(reactions=chat_answers.c.reactions + 1)
    )


async def add_series(conn: AsyncConnection, values: dict[str, Any]) -> int:
    made = await conn.execute(insert(chat_series).values(**values))
    assert made.inserted_primary_key is not None
    return int(made.inserted_primary_key[0])


async def stop_series(conn: AsyncConnection, series_id: int) -> None:
    await conn.execute(
        update(chat_series).where(chat_series.c.id == series_id).values(status="stopped")
    )


async def series(conn: AsyncConnection, series_id: int) -> Any:
    return (await conn.execute(select(chat_series).where(chat_series.c.id == series_id))).first()


async def repeating_between(conn: AsyncConnection, where: Any) -> list[tuple[Any, datetime]]:
    """The community's recurring chats with no occurrence planned or running (between
    two of them, the next one's row is made only a day ahead), each with the time its
    next occurrence is announced: the series row and its announcement timer's due time."""
    pending = (
        select(chats.c.series_id)
        .where(chats.c.status.in_(("scheduled", "running")) & chats.c.series_id.is_not(None))
        .scalar_subquery()
    )
    rows = (
        await conn.execute(
            select(chat_series, timers.c.due_at.label("announce_at"))
            .join(
                timers,
                (timers.c.feature == FEATURE)
                & (timers.c.kind == REPEAT)
                & (timers.c.key == cast(chat_series.c.id, String)),
            )
            .where(
                (chat_series.c.community_id == community_key(where))
                & (chat_series.c.status == "active")
                & chat_series.c.id.not_in(pending)
            )
            .order_by(timers.c.due_at, chat_series.c.id)
        )
    ).all()
    return [(r, r.announce_at) for r in rows]


async def series_in(conn: AsyncConnection, series_id: int, where: Any) -> Any:
    """Series `series_id` of `where`'s community (None elsewhere)."""
    return (
        await conn.execute(
            select(chat_series).where(
                (chat_series.c.id == series_id)
                & (chat_series.c.community_id == community_key(where))
            )
        )
    ).first()


async def of_series(conn: AsyncConnection, series_id: int, where: Any) -> list[Chat]:
    """Every chat a series has made, in time order."""
    rows = (
        await conn.execute(
            select(chats)
            .where(chats.c.series_id == series_id)
            .order_by(chats.c.starts_at, chats.c.id)
        )
    ).all()
    return [_chat(r, where.platform, where.community, await _total(conn, r.id)) for r in rows]


async def announce_due(conn: AsyncConnection, series_id: int) -> datetime | None:
    """When the series' next occurrence is to be made and announced (None: no more)."""
    found = await conn.scalar(
        select(timers.c.due_at).where(
            (timers.c.feature == FEATURE)
            & (timers.c.kind == REPEAT)
            & (timers.c.key == str(series_id))
        )
    )
    return found


def recurrence_of(row: object) -> Recurrence:
    return Recurrence.from_columns(row)


def occurrence(recurrence: Recurrence, announced: datetime) -> date:
    """The occurrence a repeat timer due at `announced` stands for: the first to come
    after it (it is due a day before, or at once when that day had already begun)."""
    return recurrence.next_slot(announced, recurrence.start)
