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
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.pgbatch import UnnestInsert
from bot.storage.writer import Prepared


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


def insert_with_ids_sqlite(
    conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]
) -> list[int]:
    """`insert_with_ids` on SQLite's writer thread (bot.storage.writer): the same one
    `executemany` (of a statement compiled once), and the IDs from the last one, for
    the same reason."""
    if not rows:
        return []
    columns = tuple(rows[0])
    prepared = _PREPARED.get((table.name, columns))
    if prepared is None:
        prepared = _PREPARED[(table.name, columns)] = Prepared(insert(table), columns)
    prepared.run(conn, rows)
    last = int(conn.exec_driver_sql("SELECT last_insert_rowid()").scalar_one())
    return list(range(last - len(rows) + 1, last + 1))


_PREPARED: dict[tuple[str, tuple[str, ...]], Prepared] = {}
_UNNEST: dict[tuple[str, tuple[str, ...]], UnnestInsert] = {}
