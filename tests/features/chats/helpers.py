"""Shared steps of the live-chat feature tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.events import MessagePosted, ReactionAdded
from bot.features.chats.tables import chat_answers, chat_questions, chats
from bot.intents import Ephemeral, Intent, Post
from bot.testing import TestBot

TWO = 'questions="What helps mornings?; How do you plan the week?"'


def posts(sent: list[Intent]) -> list[Post]:
    return [i for i in sent if isinstance(i, Post)]


def privately(sent: list[Intent]) -> list[str]:
    return [i.message.text for i in sent if isinstance(i, Ephemeral)]


async def say(
    bot: TestBot, who: str, text: str, message: str, thread: str | None = None
) -> list[Intent]:
    """A member's message with the platform's message ID (so the bot can react to it)."""
    origin = bot._from(who, "parents", thread)
    origin["conversation"] = origin["conversation"].__class__(
        bot.adapter.platform, "school", "parents", thread, message
    )
    return await bot.send(MessagePosted(**origin, text=text))


async def react(bot: TestBot, who: str, message: str, emoji: str = "❤️") -> list[Intent]:
    origin = bot._from(who)
    origin["conversation"] = origin["conversation"].__class__(
        bot.adapter.platform, "school", "parents", None, message
    )
    return await bot.send(ReactionAdded(**origin, emoji=emoji))


async def rows(bot: TestBot, table: Any) -> list[dict[str, Any]]:
    async with bot.app.db.engine.connect() as conn:
        found = await conn.execute(select(table).order_by(*table.primary_key.columns))
        return [dict(r._mapping) for r in found]


async def answers(bot: TestBot) -> list[tuple[int, str, str | None, str]]:
    """(question, message, author, text) of every filed answer."""
    found = await rows(bot, chat_answers)
    return [(r["number"], r["message_id"], r["author_id"], r["text"]) for r in found]


async def chat_row(bot: TestBot, chat_id: int = 1) -> dict[str, Any]:
    return next(r for r in await rows(bot, chats) if r["id"] == chat_id)


async def question_rows(bot: TestBot) -> list[dict[str, Any]]:
    return await rows(bot, chat_questions)
