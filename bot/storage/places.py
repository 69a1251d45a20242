"""Where a row is, as columns: the one way a `ConversationRef` (or a member's
community) becomes a table's community key (`community_id`) and channel, and a
predicate on them. Every row that belongs to a community carries that one key."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.refs import ConversationRef, MemberRef
from bot.storage.tables import communities


def community_key(where: ConversationRef | MemberRef) -> ScalarSelect[Any]:
    """The stored key of `where`'s community, as a scalar subquery (the community's
    row exists: the core loads it before any feature handles an event)."""
    return (
        select(communities.c.id)
        .where(
            (communities.c.platform == where.platform)
            & (communities.c.external_id == where.community)
        )
        .scalar_subquery()
    )


def place_columns(where: ConversationRef, *, channel: str | None = None) -> dict[str, Any]:
    """The values naming `where` (its channel, or `channel` instead) in a row."""
    return {
        "community_id": community_key(where),
        "channel": where.channel if channel is None else channel,
    }


def at_place(
    table: Table, where: ConversationRef | MemberRef, *, channel: str | None = None
) -> ColumnElement[bool]:
    """Rows of `table` in `where`'s community and, for a ConversationRef, its channel
    (or `channel` instead)."""
    same: ColumnElement[bool] = table.c.community_id == community_key(where)
    if isinstance(where, ConversationRef):
        same = same & (table.c.channel == (channel or where.channel))
    elif channel is not None:
        same = same & (table.c.channel == channel)
    return same


async def community_id(conn: AsyncConnection, where: ConversationRef | MemberRef) -> int | None:
    """The stored key of `where`'s community, read now (for rows written in a batch)."""
    found = await conn.scalar(select(community_key(where)))
    return None if found is None else int(found)
