"""Shared steps of the digests tests: material as a source hands it over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import Homeroom
from bot.features.digests.api import draft_from
from bot.features.digests.material import Contribution, Material, Topic
from bot.intents import Intent, Post
from bot.storage.tables import communities, discussion_replies
from bot.testing import COMMUNITY, TestBot

START = datetime(2026, 9, 7, 16, 0, tzinfo=UTC)


def answer(
    who: str | None,
    text: str,
    minutes: int = 1,
    reactions: int = 0,
    role: str | None = None,
    link: str | None = "https://chat.example/m",
) -> Contribution:
    return Contribution(
        author_id=who,
        text=text,
        at=START + timedelta(minutes=minutes),
        link=link,
        reactions=reactions,
        role=role,
    )


async def material(bot: TestBot, *topics: Topic, channel: str = "parents") -> Material:
    async with bot.app.db.engine.connect() as conn:
        key = (
            await conn.execute(
                select(communities.c.id).where(
                    (communities.c.platform == bot.adapter.platform)
                    & (communities.c.external_id == COMMUNITY)
                )
            )
        ).scalar_one()
    return Material(
        kind="chat",
        source_id="7",
        community_id=int(key),
        channel=channel,
        title="Homework without tears",
        started_at=START,
        ended_at=START + timedelta(hours=1),
        topics=topics,
    )


HOMEWORK = (
    Topic(
        "Q1",
        "How do you start homework time?",
        (
            answer("lee", "A snack first, then 20 minutes."),
            answer(None, "We don't, honestly.", minutes=2),
            answer("maria", "Con música suave.", minutes=3, reactions=4),
        ),
        link="https://chat.example/q1",
    ),
    Topic(
        "Q2",
        "What helps when they are stuck?",
        (answer("sam", "Ask them to explain it to the dog.", minutes=12, role="liaison"),),
        link="https://chat.example/q2",
    ),
)


async def draft(bot: TestBot, *topics: Topic) -> list[Intent]:
    """A draft made as a chat's end makes it; the organizers' notes, delivered."""
    made = await material(bot, *(topics or HOMEWORK))
    async with bot.app.db.engine.begin() as conn:
        notes = await draft_from(bot.app.kernel, conn, made)
        staged = await bot.app.outbox.stage(conn, notes)
    bot.app.outbox.release(staged)
    before = len(bot.adapter.sent)
    await bot.settle()
    return bot.adapter.sent[before:]


SCHEDULE = (
    "/homeroom prompt schedule series=moving-up channel=#parents weekday=mon time=19:00 "
    "timezone=America/New_York"
)


async def prompt_thread(bot: TestBot) -> str:
    """A prompt posted now in #parents, with three replies (one a liaison's) and
    reactions; the prompt's message ID, which its thread hangs from."""
    await bot.say("dana", "/role grant @sam liaison")
    await bot.say("dana", SCHEDULE)
    await bot.say("dana", "/homeroom prompt post-now 1")
    root = next(
        f"m{i + 1}"
        for i, x in enumerate(bot.adapter.sent)
        if isinstance(x, Post) and x.opens_thread
    )
    await bot.say("lee", "She wants a locker. Tips: https://example.org/lockers.", thread=root)
    await bot.say("maria", "Le preocupa el autobús.", thread=root)
    await bot.say("sam", "Visit day is on the 12th: https://school.example/visit", thread=root)
    async with bot.app.db.engine.connect() as conn:
        marias = (
            await conn.execute(
                select(discussion_replies.c.message_id).where(
                    discussion_replies.c.user_id == "maria"
                )
            )
        ).scalar_one()
    for who in ("dana", "sam", "lee"):
        await bot.react(who, marias, "👍")
    return root


async def seed_draft(app: Homeroom, channel: str, *topics: Topic) -> None:
    """A draft in the only community the app knows, as a chat's end would make it (the
    adapters' tests: the community exists once someone ran a command)."""
    async with app.db.engine.begin() as conn:
        key = (await conn.execute(select(communities.c.id))).scalar_one()
        made = Material(
            kind="chat",
            source_id="7",
            community_id=int(key),
            channel=channel,
            title="Homework without tears",
            started_at=START,
            ended_at=START + timedelta(hours=1),
            topics=topics or HOMEWORK,
        )
        notes = await draft_from(app.kernel, conn, made)
        staged = await app.outbox.stage(conn, notes)
    app.outbox.release(staged)
