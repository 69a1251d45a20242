"""INSERT ... ON CONFLICT DO NOTHING for both dialects, for idempotent batch writes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.writer import Prepared


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
    """The same on SQLite's writer thread (bot.storage.writer): one `executemany` of a
    statement compiled once (for the columns the first row gives; every row gives them)."""
    if rows:
        columns = tuple(rows[0])
        key = (table.name, columns)
        prepared = _PREPARED.get(key)
        if prepared is None:
            statement = sqlite.insert(table).on_conflict_do_nothing()
            prepared = _PREPARED[key] = Prepared(statement, columns)
        prepared.run(conn, rows)


_PREPARED: dict[tuple[str, tuple[str, ...]], Prepared] = {}
