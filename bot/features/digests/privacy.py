"""The digests feature's export and delete hooks. A member's data here: what they wrote
by name that a digest kept, and the digests they asked for. A digest is the group's
memory, so deleting a member's data never deletes a digest: their items stay, without
their name (as if written anonymously), and the digests they made lose their maker.
Anonymous items hold no member ID, so nothing ties them to anyone."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features import Privacy
from bot.features.digests.tables import digest_items, digests
from bot.refs import MemberRef
from bot.storage.members import Exported, by_member, rows
from bot.storage.places import at_place


def _theirs(member: MemberRef) -> ColumnElement[bool]:
    here = select(digests.c.id).where(at_place(digests, member))
    return (digest_items.c.author_id == member.id) & digest_items.c.digest_id.in_(here)


async def export_member(conn: AsyncConnection, member: MemberRef) -> Exported:
    items = await conn.execute(
        select(
            digest_items.c.digest_id,
            digest_items.c.number,
            digest_items.c.text,
            digest_items.c.at,
            digest_items.c.link,
        )
        .where(_theirs(member))
        .order_by(digest_items.c.digest_id, digest_items.c.number)
    )
    made = await conn.execute(
        select(digests.c.id, digests.c.channel, digests.c.title, digests.c.created_at)
        .where(by_member(digests, member, "created_by"))
        .order_by(digests.c.id)
    )
    return {"digest_items": rows(items), "digests": rows(made)}


async def delete_member(conn: AsyncConnection, member: MemberRef) -> int:
    """Their items stay in every digest, credited to nobody; the digests stay too."""
    gone = (
        await conn.execute(update(digest_items).where(_theirs(member)).values(author_id=None))
    ).rowcount
    gone += (
        await conn.execute(
            update(digests).where(by_member(digests, member, "created_by")).values(created_by=None)
        )
    ).rowcount
    return int(gone)


PRIVACY = Privacy(
    covers=(
        ("digests", "created_by"),
        ("digest_items", "author_id"),
        ("digest_items", "text"),
    ),
    export=export_member,
    delete=delete_member,
)
