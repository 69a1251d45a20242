"""Insert many rows in one statement and learn their IDs, in the rows' order.

`insert().returning(id, sort_by_parameter_order=True)` gives the IDs in order, but on
SQLite SQLAlchemy sends it one row per statement (it cannot otherwise promise the order),
each its own round trip to the driver's thread: the outbox paid that for every answer.
On SQLite the rows go instead in one `executemany` of a prepared statement, and their
IDs follow from the last one: a transaction that writes holds SQLite's only write lock,
and SQLite gives each new row of an INTEGER PRIMARY KEY table the largest ID plus one,
so rows inserted in one go inside it get consecutive IDs in order. PostgreSQL gets the
rows as arrays in one `INSERT ... SELECT ... FROM unnest(...) ORDER BY ... RETURNING id`
(bot.storage.pgbatch): one SQL text for every batch size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, insert, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.pgbatch import UnnestInsert
from bot.storage.sqlite_steps import Step, Values
from bot.storage.writer import compiled


async def insert_with_ids(
    conn: AsyncConnection, table: Table, rows: Sequence[Mapping[str, Any]]
) -> list[int]:
    """Insert `rows` into `table` (whose key is one integer `id`) inside the caller's
    transaction; their new IDs, in the same order."""
    if not rows:
        return []
    if conn.dialect.name == "postgresql":  # one statement of arrays (bot.storage.pgbatch)
        columns = tuple(rows[0])
        unnest = _UNNEST.get((table.name, columns))
        if unnest is None:
            unnest = _UNNEST[(table.name, columns)] = UnnestInsert(table, columns)
        return await unnest.run(conn, rows)
    if conn.dialect.name != "sqlite":
        result = await conn.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), list(rows)
        )
        return list(result.scalars().all())
    await conn.execute(insert(table), list(rows))
    last = int((await conn.execute(text("SELECT last_insert_rowid()"))).scalar_one())
    return list(range(last - len(rows) + 1, last + 1))


def ids_step(table: Table, rows: Sequence[Mapping[str, Any]]) -> Step:
    """`insert_with_ids` as a step of SQLite's writer (bot.storage.writer): the rows in
    as few statements as it can, and their IDs from the last one, for the same reason.
    Every row gives the columns the first one gives."""
    columns = tuple(rows[0])
    values = _COMPILED.get((table.name, columns))
    if values is None:
        values = _COMPILED[(table.name, columns)] = compiled(insert(table), columns)
    return ("ids", values, rows, ())


_COMPILED: dict[tuple[str, tuple[str, ...]], Values] = {}
_UNNEST: dict[tuple[str, tuple[str, ...]], UnnestInsert] = {}
