"""What the chats feature offers other features: a chat as digest material (the
contract in bot/features/digests/material.py). Answers are given as written, with their
author (a chat's answers are said by name in the group), oldest first under each
question; reactions the group gave each answer are counted."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features.chats import store
from bot.features.chats.tables import chats
from bot.features.digests.material import Contribution, Material, Topic


async def chat_material(conn: AsyncConnection, chat_id: int) -> Material | None:
    """The chat's questions and the answers filed under them; None for no such chat, or
    one that has not begun."""
    row = (await conn.execute(select(chats).where(chats.c.id == chat_id))).first()
    if row is None or row.status == "scheduled":
        return None
    by_question: dict[int, list[Contribution]] = {}
    for answer in await store.answers(conn, chat_id):
        by_question.setdefault(answer.number, []).append(
            Contribution(
                author_id=answer.author_id,
                text=answer.text,
                at=answer.at,
                reactions=answer.reactions,
            )
        )
    topics = tuple(
        Topic(
            label=f"Q{question.number}",
            text=question.text,
            contributions=tuple(by_question.get(question.number, ())),
        )
        for question in await store.questions(conn, chat_id)
        if question.posted_at is not None
    )
    return Material(
        kind="chat",
        source_id=str(chat_id),
        community_id=row.community_id,
        channel=row.channel,
        title=row.title,
        started_at=row.starts_at,
        ended_at=row.ended_at or row.starts_at,
        topics=topics,
    )
