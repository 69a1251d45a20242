"""PostgreSQL statements that write a whole batch in one statement, from arrays.

A group commit of N rows sent as `executemany` is N statements (asyncpg pipelines
them, but the server still plans and runs each one, and SQLAlchemy renders every row's
parameters on the event loop's thread); a multi-row `VALUES` is one statement whose SQL
text SQLAlchemy builds anew for every batch size. Here each column of the batch goes as
one array parameter and `unnest` turns the arrays back into rows: the SQL text is the
same for every batch (a `text()` compiled once, and prepared once per connection by
asyncpg), so a batch costs the loop one list per column and the server one statement.

Columns are kept as naive UTC, as `bot.storage.tables.UTCDateTime` stores them: `utc`
converts the batch's datetimes the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, TextClause, text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection


def utc(values: Sequence[datetime | None]) -> list[datetime | None]:
    """Aware datetimes as the naive UTC that `UTCDateTime` stores (None stays None)."""
    converted: list[datetime | None] = []
    last: datetime | None = None
    naive: datetime | None = None
    for value in values:
        if value is None:
            converted.append(None)
            continue
        if value is not last:  # a batch's rows usually share one `now`: convert it once
            if value.tzinfo is None:
                raise ValueError("naive datetimes are ambiguous; pass an aware one")
            last, naive = value, value.astimezone(UTC).replace(tzinfo=None)
        converted.append(naive)
    return converted


class UnnestInsert:
    """`INSERT INTO table (columns) SELECT ... FROM unnest(arrays) WITH ORDINALITY ORDER BY
    the rows' order RETURNING id`: a batch of rows in one statement whose SQL text is the
    same for every batch size. The rows are inserted in their order, so the table's
    sequence gives their IDs ascending in that order (the same ordering SQLAlchemy's
    `sort_by_parameter_order` relies on for PostgreSQL). Values are converted by the
    columns' own types, as SQLAlchemy would."""

    def __init__(self, table: Table, columns: Sequence[str]) -> None:
        self._table = table
        self._columns = tuple(columns)
        self._sql: TextClause | None = None
        self._steps: tuple[Callable[[Any], Any] | None, ...] = ()

    def _prepare(self, dialect: Dialect) -> TextClause:
        if self._sql is None:
            kinds = [self._table.c[c].type for c in self._columns]
            arrays = ", ".join(
                f"CAST(:c{n} AS {kind.compile(dialect=dialect)}[])" for n, kind in enumerate(kinds)
            )
            names = ", ".join(self._columns)
            aliases = ", ".join(f"c{n}" for n in range(len(self._columns)))
            self._steps = tuple(kind.bind_processor(dialect) for kind in kinds)
            self._sql = text(
                f"INSERT INTO {self._table.name} ({names}) SELECT {aliases} FROM unnest"
                f"({arrays}) WITH ORDINALITY AS v({aliases}, n) ORDER BY n RETURNING id"
            )
        return self._sql

    async def run(self, conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """Insert `rows` (each giving every column) inside the caller's transaction; their
        new IDs, in the rows' order."""
        sql = self._prepare(conn.dialect)
        params: dict[str, list[Any]] = {}
        for n, (column, step) in enumerate(zip(self._columns, self._steps, strict=True)):
            values = [row[column] for row in rows]
            params[f"c{n}"] = values if step is None else _each(values, step)
        ids = sorted((await conn.execute(sql, params)).scalars().all())
        return [int(i) for i in ids]


def _each(values: list[Any], step: Callable[[Any], Any]) -> list[Any]:
    """`step` over `values`, a value repeated in a row (a batch's `now`) converted once."""
    out: list[Any] = []
    last: Any = object()
    done: Any = None
    for value in values:
        if value is not last:
            last, done = value, step(value)
        out.append(done)
    return out
