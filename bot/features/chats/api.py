"""What the chats feature offers other features: a chat as digest material (the
contract in bot/features/digests/material.py). Answers are given as written, with their
author (a chat's answers are said by name in the group), oldest first under each
question; reactions the group gave each answer are counted. And what a chat does as it
ends: hands itself to the digests feature (`draft_at_end`), so its draft is ready at once."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.directory import Role
from bot.features.chats import store
from bot.features.chats.tables import chats
from bot.features.digests.links import message_link
from bot.features.digests.material import Contribution, Material, Topic
from bot.i18n import N_, translator
from bot.intents import Intent
from bot.kernel import Kernel
from bot.refs import ConversationRef
from bot.storage.tables import communities, member_roles

UNTITLED = N_("Live chat of {day}")


async def chat_material(conn: AsyncConnection, chat_id: int) -> Material | None:
    """The chat's questions and the answers filed under them; None for no such chat, or
    one that has not begun. Each answer and question links back to its message where the
    platform has web links; liaisons' answers carry their role, for the school's view."""
    row = (await conn.execute(select(chats).where(chats.c.id == chat_id))).first()
    if row is None or row.status in ("scheduled", "cancelled"):
        return None
    place = (
        await conn.execute(
            select(communities.c.platform, communities.c.external_id).where(
                communities.c.id == row.community_id
            )
        )
    ).one()
    liaisons = set(
        (
            await conn.execute(
                select(member_roles.c.user_id).where(
                    (member_roles.c.community_id == row.community_id)
                    & (member_roles.c.role == Role.LIAISON.value)
                )
            )
        ).scalars()
    )

    def link(message: str | None, thread: str | None = None) -> str | None:
        if not message:
            return None
        return message_link(place.platform, place.external_id, row.channel, message, thread)

    by_question: dict[int, list[Contribution]] = {}
    for answer in await store.answers(conn, chat_id):
        by_question.setdefault(answer.number, []).append(
            Contribution(
                author_id=answer.author_id,
                text=answer.text,
                at=answer.at,
                link=link(answer.message_id, answer.thread),
                reactions=answer.reactions,
                role="liaison" if answer.author_id in liaisons else "parent",
            )
        )
    topics = tuple(
        Topic(
            label=f"Q{question.number}",
            text=question.text,
            contributions=tuple(by_question.get(question.number, ())),
            link=link(question.message_id),
        )
        for question in await store.questions(conn, chat_id)
        if question.posted_at is not None
    )
    return Material(
        kind="chat",
        source_id=str(chat_id),
        community_id=row.community_id,
        channel=row.channel,
        title=row.title or await _untitled(conn, row.community_id, row.starts_at),
        started_at=row.starts_at,
        ended_at=row.ended_at or row.starts_at,
        topics=topics,
        requested_by=row.created_by or None,
    )


async def material_in(
    conn: AsyncConnection, where: ConversationRef, chat_id: int | None
) -> Material | None:
    """For `digest build source=chat`: chat number `chat_id` of `where`'s community, or
    with no number the chat running in `where`'s channel, else the last that ended there."""
    chat = (
        await store.get(conn, chat_id, where)
        if chat_id is not None
        else await store.latest_in(conn, where)
    )
    return await chat_material(conn, chat.id) if chat is not None else None


async def _untitled(conn: AsyncConnection, community_id: int, starts_at: datetime) -> str:
    """A chat of typed-in questions is named by its day in the community's zone, in each
    of its languages (a title is the digest's own words: "Live chat of ... / Charla ...")."""
    found = (
        await conn.execute(
            select(communities.c.timezone, communities.c.languages).where(
                communities.c.id == community_id
            )
        )
    ).first()
    zone = (found.timezone if found else None) or "UTC"
    languages = ((found.languages if found else None) or "en").split(",")
    day = starts_at.astimezone(ZoneInfo(zone)).date()
    titles = [(t := translator(language))._(UNTITLED, day=t.day(day)) for language in languages]
    return " / ".join(dict.fromkeys(titles))


async def draft_at_end(kernel: Kernel, conn: AsyncConnection, chat_id: int) -> list[Intent]:
    """Told by the chat as it ends, in the transaction that ends it: the digests
    feature's draft of it, so it is ready the moment the chat is over (and the organizers
    are told). A chat where nobody answered leaves no draft to tidy away."""
    from bot.features.digests.api import draft_from

    material = await chat_material(conn, chat_id)
    if material is None or not any(topic.contributions for topic in material.topics):
        return []
    return await draft_from(kernel, conn, material)
