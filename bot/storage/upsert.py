"""INSERT ... ON CONFLICT DO NOTHING for both dialects, for idempotent batch writes."""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.sqlite_steps import Step, Values
from bot.storage.writer import compiled


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


def ignoring_duplicates_step(table: Table, rows: Sequence[Mapping[str, Any]]) -> Step:
    """The same as a step of SQLite's writer (bot.storage.writer): the rows in as few
    statements as it can (for the columns the first row gives; every row gives them)."""
    columns = tuple(rows[0])
    values = _COMPILED.get((table.name, columns))
    if values is None:
        statement = sqlite.insert(table).on_conflict_do_nothing()
        values = _COMPILED[(table.name, columns)] = compiled(statement, columns)
    return ("values", values, rows, ())


_COMPILED: dict[tuple[str, tuple[str, ...]], Values] = {}
