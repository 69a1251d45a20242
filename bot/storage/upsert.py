"""INSERT ... ON CONFLICT DO NOTHING for both dialects, for idempotent batch writes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection


async def insert_ignoring_duplicates(
    conn: AsyncConnection, table: Table, rows: Sequence[dict[str, Any]]
) -> None:
    """Insert rows whose key is new; rows already present are left alone."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        await conn.execute(postgresql.insert(table).on_conflict_do_nothing(), list(rows))
    else:
        await conn.execute(sqlite.insert(table).on_conflict_do_nothing(), list(rows))


def insert_ignoring_duplicates_sqlite(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]]
) -> None:
    """The same on SQLite's writer thread (bot.storage.writer): one `executemany`."""
    if rows:
        conn.execute(sqlite.insert(table).on_conflict_do_nothing(), list(rows))
