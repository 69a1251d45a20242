"""INSERT ... ON CONFLICT DO NOTHING for both dialects, for idempotent batch writes."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.writer import Prepared


async def insert_ignoring_duplicates(
    conn: AsyncConnection, table: Table, rows: Sequence[dict[str, Any]]
) -> None:
    """Insert rows whose key is new; rows already present are left alone."""
    if not rows:
        return
    insert = dialect_module(conn.dialect.name).insert
    await conn.execute(insert(table).on_conflict_do_nothing(), list(rows))


def dialect_module(name: str) -> ModuleType:
    """`sqlalchemy.dialects.postgresql` or `.sqlite` (their ON CONFLICT inserts differ)
    for the dialect called `name`. PostgreSQL's (~20 ms and 2 MB) is imported only by a
    run that uses PostgreSQL."""
    module = "postgresql" if name == "postgresql" else "sqlite"
    return importlib.import_module(f"sqlalchemy.dialects.{module}")


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
