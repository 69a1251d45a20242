"""Helpers for the privacy hooks: which rows are a member's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement

from bot.refs import MemberRef
from bot.storage.places import at_place

# A member's data as a feature exports it: rows by table name.
Exported = dict[str, list[dict[str, Any]]]


def by_member(table: Any, member: MemberRef, column: str = "user_id") -> ColumnElement[bool]:
    """Rows of a table keyed by `community_id` whose `column` names the member."""
    mine: ColumnElement[bool] = (table.c[column] == member.id) & at_place(table, member)
    return mine


def rows(result: Any) -> list[dict[str, Any]]:
    """Plain dicts of a result's rows, for an export."""
    return [dict(row._mapping) for row in result]
