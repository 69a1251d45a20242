"""The questions feature's export and delete hooks.

A member's named questions, and the notes they wrote, are theirs to export; deletion
also takes their anonymous questions, found by the token only the bot can compute for
them (an export leaves those out: a file must never tie one to anyone). Routing
rules and liaison choices about them go with them; questions assigned to a deleted
liaison lose their liaison (and are routed again by their timer)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.anonymity import Anonymity
from bot.features import Privacy
from bot.features.questions.tables import (
    question_blocks,
    question_liaisons,
    question_notes,
    question_routes,
    questions,
)
from bot.privacy import Held, member_privacy
from bot.refs import MemberRef
from bot.storage.members import Exported, by_member, rows
from bot.storage.places import at_place, community_id

NOBODY = ""


def privacy(anonymity: Anonymity) -> Privacy:
    async def asked(conn: AsyncConnection, member: MemberRef) -> list[int]:
        community = await community_id(conn, member)
        if community is None:
            return []
        token = anonymity.token("asker", str(community), member)
        found = await conn.execute(
            select(questions.c.id).where(
                (questions.c.community_id == community)
                & ((questions.c.asker_id == member.id) | (questions.c.asker_token == token))
            )
        )
        return [int(i) for i in found.scalars()]

    def authored(member: MemberRef) -> ColumnElement[bool]:
        """Their notes on the community's questions (a note has no community of its own)."""
        return (question_notes.c.author_id == member.id) & question_notes.c.question_id.in_(
            select(questions.c.id).where(at_place(questions, member))
        )

    async def export(conn: AsyncConnection, member: MemberRef) -> Exported:
        # Named questions only: an export is a file that travels, and an anonymous
        # question must never be tied to anyone in one (deletion still finds them).
        mine = await conn.execute(
            select(
                questions.c.id,
                questions.c.text,
                questions.c.topic,
                questions.c.grade,
                questions.c.status,
                questions.c.created_at,
            )
            .where(by_member(questions, member, "asker_id"))
            .order_by(questions.c.id)
        )
        notes = await conn.execute(
            select(question_notes.c.question_id, question_notes.c.kind, question_notes.c.text)
            .where(authored(member))
            .order_by(question_notes.c.id)
        )
        rules = await conn.execute(
            select(question_routes.c.id, question_routes.c.topic, question_routes.c.grade)
            .where(
                by_member(question_routes, member, "liaison_id")
                | by_member(question_routes, member, "backup_id")
                | by_member(question_routes, member, "created_by")
            )
            .order_by(question_routes.c.id)
        )
        return {
            "questions": rows(mine),
            "question_notes": rows(notes),
            "question_routes": rows(rules),
        }

    async def delete_asked(conn: AsyncConnection, member: MemberRef) -> int:
        """Their questions (named or anonymous) go with the notes on them; the notes
        they wrote on others' questions stay, without their name."""
        ids = await asked(conn, member)
        gone = (
            await conn.execute(delete(question_notes).where(question_notes.c.question_id.in_(ids)))
        ).rowcount
        gone += (await conn.execute(delete(questions).where(questions.c.id.in_(ids)))).rowcount
        gone += (
            await conn.execute(
                update(question_notes).where(authored(member)).values(author_id=None)
            )
        ).rowcount
        return int(gone)

    # Routing rules for a deleted liaison go; as a backup or their maker, they stay
    # without them. Questions assigned to them lose their liaison (and are routed again).
    return member_privacy(
        Held(question_routes, "liaison_id"),
        Held(question_routes, "backup_id", goes=False),
        Held(question_routes, "created_by", goes=False, left=NOBODY),
        Held(questions, "liaison_id", goes=False),
        Held(questions, "backup_id", goes=False),
        Held(question_liaisons, shows=("named",)),
        Held(question_blocks, "blocked_by", goes=False, left=NOBODY),
        covers=(
            ("questions", "asker_id"),
            ("questions", "text"),
            ("question_notes", "author_id"),
            ("question_notes", "text"),
        ),
        export=export,
        delete=delete_asked,
    )
