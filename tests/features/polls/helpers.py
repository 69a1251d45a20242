"""Shared steps of the polls tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.features.polls.tables import poll_ballots, polls
from bot.intents import Ephemeral, Intent, Post, Update
from bot.testing import TestBot

MEET = '/homeroom poll create When shall we meet? options="Mon; Tue; Wed"'


async def create(bot: TestBot, text: str = MEET, who: str = "dana") -> Post:
    """Create a poll; the card posted in the channel."""
    sent = await bot.say(who, text)
    posts = [i for i in sent if isinstance(i, Post)]
    assert len(posts) == 1, bot.texts(sent)
    return posts[0]


async def ballots(bot: TestBot) -> list[tuple[Any, ...]]:
    async with bot.app.db.engine.connect() as conn:
        rows = await conn.execute(
            select(poll_ballots.c.poll_id, poll_ballots.c.voter, poll_ballots.c.choice).order_by(
                poll_ballots.c.poll_id, poll_ballots.c.voter, poll_ballots.c.choice
            )
        )
        return [tuple(r) for r in rows]


async def card(bot: TestBot, poll_id: int = 1) -> str:
    """The message the poll's card was delivered as (its receipt recorded it)."""
    message = (await poll_row(bot, poll_id))["message_id"]
    assert isinstance(message, str)
    return message


async def poll_row(bot: TestBot, poll_id: int = 1) -> dict[str, Any]:
    async with bot.app.db.engine.connect() as conn:
        row = (await conn.execute(select(polls).where(polls.c.id == poll_id))).one()
        return dict(row._mapping)


def privately(sent: list[Intent]) -> list[str]:
    """The texts of the private answers among what was sent."""
    return [i.message.text for i in sent if isinstance(i, Ephemeral)]


def updates(sent: list[Intent]) -> list[Update]:
    return [i for i in sent if isinstance(i, Update)]


def posts(sent: list[Intent]) -> list[Post]:
    return [i for i in sent if isinstance(i, Post)]
