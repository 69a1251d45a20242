"""The export and delete hooks for `question_routes.escalate_to` (migration 0025),
joined to the feature's own hooks (`privacy.py`): a rule that escalates to a member
is theirs to see, and forgets them when they are deleted (its late questions then go
to the organizers, as a rule without one does)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features import Privacy
from bot.features.questions.tables import question_routes
from bot.refs import MemberRef
from bot.storage.members import Exported, by_member, rows

COVERS = (("question_routes", "escalate_to"),)


async def export(conn: AsyncConnection, member: MemberRef) -> Exported:
    found = await conn.execute(
        select(question_routes.c.id, question_routes.c.topic, question_routes.c.grade)
        .where(by_member(question_routes, member, "escalate_to"))
        .order_by(question_routes.c.id)
    )
    return {"question_routes_escalating_to_you": rows(found)}


async def delete(conn: AsyncConnection, member: MemberRef) -> int:
    changed = await conn.execute(
        update(question_routes)
        .where(by_member(question_routes, member, "escalate_to"))
        .values(escalate_to=None)
    )
    return int(changed.rowcount)


def joined(own: Privacy) -> Privacy:
    """The feature's hooks with these added."""

    async def export_both(conn: AsyncConnection, member: MemberRef) -> Exported:
        return {**await own.export(conn, member), **await export(conn, member)}

    async def delete_both(conn: AsyncConnection, member: MemberRef) -> int:
        return await own.delete(conn, member) + await delete(conn, member)

    return Privacy(own.covers + COVERS, export_both, delete_both)
