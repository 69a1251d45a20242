"""A chat handed to digests as `Material` (bot/features/digests/material.py): its
questions in order, each answer as written under it with its author and the reactions
the group gave it; questions never posted are left out; a chat not begun is no material."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import Homeroom
from bot.clock import FakeClock
from bot.features.chats.api import chat_material
from bot.features.digests.material import Contribution, Material, Topic
from bot.features.digests.tables import digests
from bot.intents import DirectMessage
from bot.testing import FakeAdapter, TestBot, test_settings
from tests.features.chats.helpers import TWO, question_rows, react, say

START = datetime(2026, 9, 7, 16, 0, tzinfo=UTC)


async def test_a_chat_becomes_digest_material(bot: TestBot) -> None:
    await bot.say("dana", "/role grant @sam liaison")
    await bot.say("dana", '/chat start questions="Mornings?; Evenings?; Weekends?"')
    await say(bot, "maria", "A1: Leemos juntos", "u1")
    await react(bot, "lee", "u1")
    await bot.next_timer()  # Q2, ten minutes on
    await say(bot, "lee", "A1/A2 a shared calendar", "u2")
    await say(bot, "sam", "A2: the school calendar app helps", "u3")
    await bot.say("dana", "/chat end")  # Q3 never asked
    async with bot.app.db.engine.connect() as conn:
        material = await chat_material(conn, 1)
    later = START + timedelta(minutes=10)
    calendar = Contribution("lee", "a shared calendar", later, role="parent")
    assert material == Material(
        kind="chat",
        source_id="1",
        community_id=1,
        channel="parents",
        title="Live chat of Monday 7 September",
        started_at=START,
        ended_at=later,
        topics=(
            Topic(
                "Q1",
                "Mornings?",
                (
                    Contribution("maria", "Leemos juntos", START, reactions=1, role="parent"),
                    calendar,
                ),
            ),
            Topic(
                "Q2",
                "Evenings?",
                (
                    calendar,
                    Contribution("sam", "the school calendar app helps", later, role="liaison"),
                ),
            ),
        ),
        requested_by="dana",
    )


async def test_answers_and_questions_link_back_where_the_platform_has_links(
    database_url: str, clock: FakeClock
) -> None:
    app = Homeroom(test_settings(database_url), clock=clock)
    adapter = FakeAdapter(clock=clock, platform="discord")
    app.attach(adapter)
    await app.db.migrate()
    await app.start(timers=False)
    try:
        bot = TestBot(app, adapter)
        await bot.say("dana", f"/chat start {TWO}")
        await say(bot, "lee", "A1: toast", "1401")
        await bot.say("dana", "/chat end")
        async with app.db.engine.connect() as conn:
            material = await chat_material(conn, 1)
        assert material is not None
        [q1] = material.topics
        root = (await question_rows(bot))[0]["message_id"]
        assert q1.link == f"https://discord.com/channels/school/parents/{root}"
        assert [c.link for c in q1.contributions] == [
            "https://discord.com/channels/school/parents/1401"
        ]
    finally:
        await app.stop()


async def test_a_chat_not_begun_is_no_material(bot: TestBot) -> None:
    await bot.say("dana", f"/chat start {TWO} at=20:00")
    async with bot.app.db.engine.connect() as conn:
        assert await chat_material(conn, 1) is None
        assert await chat_material(conn, 2) is None


async def test_the_draft_digest_is_ready_the_moment_the_chat_ends(bot: TestBot) -> None:
    await bot.say("dana", f"/chat start {TWO}")
    await say(bot, "maria", "A1: Leemos juntos", "u1")
    ended = await bot.say("dana", "/chat end")
    [note] = [i for i in ended if isinstance(i, DirectMessage)]
    assert note.member == bot.member("dana")  # no organizer role granted: the moderator
    assert note.message.text.startswith(
        "Draft digest #1, “Live chat of Monday 7 September”, is ready: 1 answer under "
        "1 question.\nOnly organizers see it until it is published."
    )
    async with bot.app.db.engine.connect() as conn:
        titles = (await conn.execute(select(digests.c.title, digests.c.status))).all()
    assert [tuple(r) for r in titles] == [("Live chat of Monday 7 September", "draft")]


async def test_a_chat_nobody_answered_leaves_no_draft(bot: TestBot) -> None:
    await bot.say("dana", f"/chat start {TWO}")
    ended = await bot.say("dana", "/chat end")
    assert [i for i in ended if isinstance(i, DirectMessage)] == []
    async with bot.app.db.engine.connect() as conn:
        assert (await conn.execute(select(digests.c.id))).all() == []


async def test_digest_build_gathers_a_chat_again_by_number_or_the_latest(bot: TestBot) -> None:
    """`digest build source=chat` makes a fresh draft from a chat (the end made one)."""
    refused = await bot.say("dana", "/digest build source=chat")
    assert bot.texts(refused) == [
        "No live chat has run in <#parents> yet. “chat list” shows the chats planned."
    ]
    await bot.say("dana", '/chat start questions="Mornings?; Evenings?"')
    await say(bot, "maria", "A1: Leemos juntos", "u1")
    await bot.say("dana", "/chat end")  # draft #1
    assert bot.texts(await bot.say("dana", "/digest build source=chat chat=9")) == [
        "There's no live chat #9 here that has begun. “chat list” shows them."
    ]
    for command in ("/digest build source=chat", "/digest build source=chat chat=1"):
        await bot.say("dana", command)
    async with bot.app.db.engine.connect() as conn:
        made = (await conn.execute(select(digests.c.id, digests.c.source_id))).all()
    assert sorted(made) == [(1, "1"), (2, "1"), (3, "1")]


async def test_a_chat_of_a_group_with_two_languages_is_titled_in_both(bot: TestBot) -> None:
    await bot.say("dana", "/setup languages=en,es")
    await bot.say("dana", f"/chat start {TWO}")
    await say(bot, "maria", "A1: Leemos juntos", "u1")
    await bot.say("dana", "/chat end")
    async with bot.app.db.engine.connect() as conn:
        titles = (await conn.execute(select(digests.c.title))).scalars().all()
    assert titles == ["Live chat of Monday 7 September / Chat en vivo del lunes 7 de septiembre"]
