"""What a question costs the database before its acknowledgement (bench/questions.py:
100 questions a second): its routing reads nothing once the community's routing book is
loaded, and the question is one FAQ search and one commit (its row and its timer). A
change to what routing reads (a rule, a liaison's hours or time away, being named, a
block) is read again at once, by its change event."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from bot.events import CommandInvoked
from bot.features.questions.service import Questions
from bot.features.rights import erase
from bot.intents import Ephemeral, Intent
from bot.storage.tables import timers
from bot.testing import TestBot
from tests.features.questions.conftest import cards, community

pytestmark = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


def _kind(statement: str) -> str:
    """`INSERT questions`, `SELECT faq_search`: the verb and its table."""
    verb = statement.split()[0].upper()
    if verb == "INSERT":
        return "INSERT " + statement.split()[2].strip('"')
    if verb == "SELECT":
        found = re.search(r"\bFROM\s+(\w+)", statement)
        return "SELECT " + (found.group(1) if found else statement.split()[1])
    return verb


@contextmanager
def counting(bot: TestBot) -> Iterator[dict[str, list[str]]]:
    """Every statement and commit on the app's engine while the block runs."""
    seen: dict[str, list[str]] = {"statements": [], "commits": []}
    engine = bot.app.db.engine.sync_engine

    def statement(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        seen["statements"].append(_kind(sql))

    def commit(conn: Any) -> None:
        seen["commits"].append("commit")

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


def _questions(bot: TestBot) -> Questions:
    [state] = [f.state for f in bot.app.features if isinstance(f.state, Questions)]
    return state


async def _ask(bot: TestBot, who: str, text: str) -> list[Intent]:
    """The question dispatched through the core alone: what it costs before its
    acknowledgement, as the inbox hands it over once the event is kept (its answer is
    then staged by the inbox; delivery, and the card's receipt, come after)."""
    return await bot.app.core.dispatch(
        CommandInvoked(
            event_id=bot.next_event_id(),
            at=bot.app.clock.now(),
            conversation=bot.where(),
            actor=bot.actor(who),
            text=f"ask {text}",
        ),
        kept=True,
    )


async def test_a_question_reads_one_faq_search_and_commits_once(bot: TestBot) -> None:
    await community(bot)
    await bot.say("dana", "/route fallback @sam backup=@ines")
    await bot.say("dana", "/route add @omar topic=transport grade=3 backup=@ines")
    await bot.say("sam", "/hours set mon-fri 09:00 13:00 timezone=Europe/London")
    await bot.say("omar", "/away until 2026-09-20 backup=@ines")
    await bot.say("sam", "/queue named yes")
    await bot.say("lee", "/ask Is the library open on Saturday?")  # loads the book
    qs = _questions(bot)
    assert qs.books.loads == 1
    with counting(bot) as seen:
        sent = await _ask(bot, "lee", "Which bus goes to the science fair? topic=transport grade=3")
    # omar is away and named ines: she has it, and the book was read no more.
    assert "• Liaison: <@ines>" in bot.texts(cards(sent))[0]
    assert qs.books.loads == 1
    sqlite = bot.app.db.is_sqlite
    assert seen["statements"] == [
        "SELECT faq_search" if sqlite else "SELECT faq_entries",  # the FAQ offer
        "INSERT questions",
        *(["SELECT last_insert_rowid()"] if sqlite else []),  # its ID (bot.storage.bulk)
        "INSERT timers",
    ]
    assert seen["commits"] == ["commit"]


async def test_questions_kept_at_once_share_one_commit(bot: TestBot) -> None:
    """Questions routed at the same moment are written in one group commit: ten rows
    and their ten timers in one transaction of two statements (three on SQLite)."""
    await community(bot)
    qs = _questions(bot)
    community_id = (await bot.app.directory.community(bot.member("lee").community_ref)).id
    due = bot.app.clock.now() + timedelta(hours=4)

    def question(n: int) -> dict[str, object]:
        return {
            "community_id": community_id,
            "asker_id": f"parent{n}",
            "asker_language": "en",
            "text": f"Is the gym open on day {n}?",
            "topic": "general",
            "language": "en",
            "created_at": bot.app.clock.now(),
            "status": "received",
            "reply_within_minutes": 960,
            "due_at": due,
            "remind_at": due,
        }

    with counting(bot) as seen:
        kept = await asyncio.gather(
            *(qs.keep_new(bot.member(f"parent{n}"), **question(n)) for n in range(10))
        )
    assert [q.id for q in kept] == list(range(1, 11))
    assert seen["commits"] == ["commit"]
    assert seen["statements"] == [
        "INSERT questions",
        *(["SELECT last_insert_rowid()"] if bot.app.db.is_sqlite else []),
        "INSERT timers",
    ]
    async with bot.app.db.engine.connect() as conn:
        keys = (
            await conn.execute(
                select(timers.c.key).where(timers.c.feature == "questions").order_by(timers.c.id)
            )
        ).scalars()
        assert list(keys) == [str(n) for n in range(1, 11)]


async def _asked(bot: TestBot, text: str) -> tuple[str, str]:
    """lee asks: the acknowledgement's text and the card's."""
    sent = await bot.say("lee", f"/ask {text}")
    [ack] = [i for i in sent if isinstance(i, Ephemeral)]
    [card] = cards(sent)
    return bot.texts([ack])[0], bot.texts([card])[0]


async def test_each_change_to_what_routing_reads_is_read_at_once(bot: TestBot) -> None:
    await community(bot)
    await bot.say("dana", "/route fallback @sam backup=@ines")
    qs = _questions(bot)
    _, card = await _asked(bot, "Is the library open on Saturday?")
    assert "Liaison: <@sam>" in card
    assert qs.books.loads == 1
    # A new rule: read again, and it routes.
    await bot.say("dana", "/route add @omar topic=transport")
    _, card = await _asked(bot, "Which bus? topic=transport")
    assert "Liaison: <@omar>" in card
    assert qs.books.loads == 2
    # Time away: the rule has no backup, so the next rule that fits (the fallback).
    await bot.say("omar", "/away until 2026-09-20")
    _, card = await _asked(bot, "Which bus on Friday? topic=transport")
    assert "Liaison: <@sam>" in card
    assert qs.books.loads == 3
    # Back again: omar has it once more.
    await bot.say("omar", "/away end")
    _, card = await _asked(bot, "Which bus on Monday? topic=transport")
    assert "Liaison: <@omar>" in card
    assert qs.books.loads == 4
    # Office hours: the promise follows them (Monday 16:00 UTC: London is closed, so
    # four working hours from Tuesday 09:00 London end at 13:00 there, 08:00 New York).
    await bot.say("dana", "/route fallback @sam reply-within=4 hours")
    ack, _ = await _asked(bot, "Is the gym open?")
    assert "expect an answer by Monday 7 September, 16:00." in ack  # school hours
    assert qs.books.loads == 5
    await bot.say("sam", "/hours set mon-fri 09:00 13:00 timezone=Europe/London")
    ack, _ = await _asked(bot, "Is the gym open today?")
    assert "expect an answer by Tuesday 8 September, 08:00." in ack
    assert qs.books.loads == 6
    # Named: the parent sees sam's name.
    await bot.say("sam", "/queue named yes")
    ack, _ = await _asked(bot, "Is the pool open?")
    assert "is with <@sam>" in ack
    assert qs.books.loads == 7
    # Asking changes none of it: nothing is read again.
    await _asked(bot, "Is the pool open on Sunday?")
    assert qs.books.loads == 7
    # omar deletes his data: his rule goes with it, so transport falls back to sam.
    [confirm] = [
        b.value
        for i in await bot.say("omar", "/me delete")
        if isinstance(i, Ephemeral)
        for b in i.message.buttons
        if b.action_id == erase.CONFIRM
    ]
    await bot.press("omar", erase.CONFIRM, confirm)
    _, card = await _asked(bot, "Which bus on Tuesday? topic=transport")
    assert "Liaison: <@sam>" in card
    assert qs.books.loads == 8
    # A rule added, then removed (#4: the fallback was #1, omar's #2, the new fallback #3).
    await bot.say("dana", "/route add @ines topic=health")
    _, card = await _asked(bot, "Is there a nurse? topic=health")
    assert "Liaison: <@ines>" in card
    await bot.say("dana", "/route remove 4")
    _, card = await _asked(bot, "Is there a nurse today? topic=health")
    assert "Liaison: <@sam>" in card
    assert qs.books.loads == 10


async def test_a_block_stops_the_next_question_at_once(bot: TestBot) -> None:
    await community(bot)
    await bot.say("dana", "/route fallback @sam")
    await bot.say("lee", "/ask Why is the bus late? anonymous=yes")
    await bot.say("dana", "/queue block 1")
    [refusal] = await bot.say("lee", "/ask Why is the bus late again? anonymous=yes")
    assert bot.texts([refusal])[0].startswith("I can't pass on questions from you here.")
