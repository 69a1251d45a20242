"""Shared steps of the digests tests: material as a source hands it over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.features.digests.api import draft_from
from bot.features.digests.material import Contribution, Material, Topic
from bot.intents import Intent
from bot.storage.tables import communities
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
