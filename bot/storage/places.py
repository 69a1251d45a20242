"""Where a row is, as columns: the one way a `ConversationRef` (or a member's or a
community's ref) becomes a table's community key (`community_id`) and channel, and a
predicate on them. Every row that belongs to a community carries that one key; the
platform's names for it (platform, community) live only in `communities`, and
`with_names` joins them back where a ConversationRef must be rebuilt from a row."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, Select, Table, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.refs import CommunityRef, ConversationRef, MemberRef
from bot.storage.tables import communities

Where = ConversationRef | MemberRef | CommunityRef


def community_named(where: Where) -> ColumnElement[bool]:
    """The `communities` row of `where`'s community: the one place its platform and
    community strings are compared."""
    named: ColumnElement[bool] = (communities.c.platform == where.platform) & (
        communities.c.external_id == where.community
    )
    return named


def community_key(where: Where) -> ScalarSelect[Any]:
    """The stored key of `where`'s community, as a scalar subquery (the community's
    row exists: the core loads it before any feature handles an event)."""
    return select(communities.c.id).where(community_named(where)).scalar_subquery()


def place_columns(where: ConversationRef, *, channel: str | None = None) -> dict[str, Any]:
    """The values naming `where` (its channel, or `channel` instead) in a row."""
    return {
        "community_id": community_key(where),
        "channel": where.channel if channel is None else channel,
    }


def at_place(table: Table, where: Where, *, channel: str | None = None) -> ColumnElement[bool]:
    """Rows of `table` in `where`'s community and, for a ConversationRef, its channel
    (or `channel` instead)."""
    same: ColumnElement[bool] = table.c.community_id == community_key(where)
    if isinstance(where, ConversationRef):
        same = same & (table.c.channel == (channel or where.channel))
    elif channel is not None:
        same = same & (table.c.channel == channel)
    return same


def at_places(table: Table, places: Iterable[tuple[int, str]]) -> ColumnElement[bool]:
    """Rows of `table` at any of `places` (community key, channel): a batch's channels
    in one predicate, however many (no subquery each)."""
    found: ColumnElement[bool] = tuple_(table.c.community_id, table.c.channel).in_(
        sorted(set(places))
    )
    return found


def with_names(table: Table) -> Select[Any]:
    """`table`'s rows with their community's platform and external ID, labelled
    `platform` and `community` as a ConversationRef names them."""
    return select(table, communities.c.platform, communities.c.external_id.label("community")).join(
        communities, communities.c.id == table.c.community_id
    )


async def community_id(conn: AsyncConnection, where: Where) -> int | None:
    """The stored key of `where`'s community, read now (for rows written in a batch)."""
    found = await conn.scalar(select(community_key(where)))
    return None if found is None else int(found)


async def community_ref(conn: AsyncConnection, key: int) -> CommunityRef | None:
    """The platform's names for the community stored under `key`."""
    row = (
        await conn.execute(
            select(communities.c.platform, communities.c.external_id).where(communities.c.id == key)
        )
    ).first()
    return None if row is None else CommunityRef(row.platform, row.external_id)
