"""Where a row is, as columns: the one way a `ConversationRef` becomes the (platform,
community, channel) columns of a table, a predicate on them, and a ref again."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table, and_

from bot.refs import ConversationRef

PLACE = ("platform", "community", "channel")


def place_columns(where: ConversationRef, *, channel: str | None = None) -> dict[str, str]:
    """The row values naming `where` (its channel, or `channel` instead)."""
    return {
        "platform": where.platform,
        "community": where.community,
        "channel": where.channel if channel is None else channel,
    }


def at_place(
    table: Table, where: ConversationRef, *, channel: bool | str = True
) -> ColumnElement[bool]:
    """Rows of `table` in `where`'s channel; with `channel=False`, anywhere in its
    community; with a string, in that channel of its community."""
    c = table.c
    same = [c.platform == where.platform, c.community == where.community]
    if channel is not False:
        same.append(c.channel == (where.channel if channel is True else channel))
    return and_(*same)


def place_of(row: Any) -> ConversationRef:
    """The channel a row with place columns is in."""
    return ConversationRef(row.platform, row.community, row.channel)
