"""The chats feature's export and delete hooks. A member's data here: the answers they
wrote in chats (their words, as filed), and the chats and recurring chats they started
(with the questions, intro and wrap-up they typed). Deleting removes their answers; the
chats they ran stay with the group, without their name."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features import Privacy
from bot.features.chats.tables import chat_answers, chat_questions, chat_series, chats
from bot.refs import MemberRef
from bot.storage.members import Exported, by_member, rows
from bot.storage.places import at_place

NOBODY = ""  # who started a chat whose starter's data was deleted: the chat is the group's


def _answers_of(member: MemberRef):  # type: ignore[no-untyped-def]
    here = select(chats.c.id).where(at_place(chats, member))
    return (chat_answers.c.author_id == member.id) & chat_answers.c.chat_id.in_(here)


async def export_member(conn: AsyncConnection, member: MemberRef) -> Exported:
    answers = await conn.execute(
        select(
            chat_answers.c.chat_id, chat_answers.c.number, chat_answers.c.text, chat_answers.c.at
        )
        .where(_answers_of(member))
        .order_by(chat_answers.c.at, chat_answers.c.id)
    )
    started = await conn.execute(
        select(chats.c.id, chats.c.channel, chats.c.intro, chats.c.wrap_up, chats.c.starts_at)
        .where(by_member(chats, member, "created_by"))
        .order_by(chats.c.id)
    )
    mine = select(chats.c.id).where(by_member(chats, member, "created_by"))
    asked = await conn.execute(
        select(chat_questions.c.chat_id, chat_questions.c.number, chat_questions.c.text)
        .where(chat_questions.c.chat_id.in_(mine))
        .order_by(chat_questions.c.chat_id, chat_questions.c.number)
    )
    series = await conn.execute(
        select(chat_series.c.id, chat_series.c.channel, chat_series.c.template)
        .where(by_member(chat_series, member, "created_by"))
        .order_by(chat_series.c.id)
    )
    return {
        "chat_answers": rows(answers),
        "chats": rows(started),
        "chat_questions": rows(asked),
        "chat_series": rows(series),
    }


async def delete_member(conn: AsyncConnection, member: MemberRef) -> int:
    """Their answers go; chats they started stay with the group, without their name."""
    gone = (await conn.execute(delete(chat_answers).where(_answers_of(member)))).rowcount
    for table in (chats, chat_series):
        gone += (
            await conn.execute(
                update(table)
                .where(by_member(table, member, "created_by"))
                .values(created_by=NOBODY)
            )
        ).rowcount
    return int(gone)


PRIVACY = Privacy(
    covers=(
        ("chat_answers", "author_id"),
        ("chat_answers", "text"),
        ("chats", "created_by"),
        ("chats", "intro"),
        ("chats", "wrap_up"),
        ("chat_questions", "text"),
        ("chat_series", "created_by"),
        ("chat_series", "template"),
    ),
    export=export_member,
    delete=delete_member,
)
