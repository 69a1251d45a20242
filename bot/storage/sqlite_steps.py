"""What SQLite's writer runs, in the standard library alone.

A group commit is planned on the event loop (bot.storage.writer: SQL compiled once by
SQLAlchemy, rows as the batchers hold them) and run here as a list of steps, each a
statement with many rows. Whoever runs the steps does the per-row work: rows put in
column order, times written as text, many rows bound into each statement. That work is
most of a group commit's CPU, and on the writer process (bot.storage.writer_process) it
runs on another core, beside the event loop instead of taking turns with it for
Python's one lock. The writer thread runs the very same steps through SQLAlchemy's
connection (its events fire, as the fault tests need).

Nothing here imports SQLAlchemy: the writer process starts in about 30 ms and 14 MB.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from operator import itemgetter
from typing import Any, Protocol

# The connection settings of every SQLite connection Homeroom opens (bot.storage.db).
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
)

# Rows per statement: a batch goes in statements of these sizes, largest first. One
# statement is one call into SQLite, which lets go of the GIL and must take it back from
# a busy event loop (up to `sys.getswitchinterval()`, 5 ms, each time): row by row,
# `executemany` paid that wait for every row. A handful of sizes keeps SQLite's cache
# of compiled statements small; 256 rows of the widest table stay far below SQLite's
# limit of 32,766 parameters per statement.
SIZES = (256, 64, 16, 4, 1)
# Parameters one statement may bind: 32,766 since SQLite 3.32, 999 before.
MAX_PARAMETERS = 32766 if sqlite3.sqlite_version_info >= (3, 32) else 999


class Runner(Protocol):
    """One connection inside a transaction: the writer thread's (SQLAlchemy's, so its
    events fire) or the writer process's (the standard library's)."""

    def run(self, sql: str, params: Sequence[Any]) -> list[Any]:
        """Run one statement; the rows it returns (none for most)."""

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement once per row (`executemany`)."""


def as_sqlite_text(value: datetime | None) -> str | None:
    """An aware time as SQLAlchemy's SQLite DATETIME text in UTC (the format of
    bot.storage.tables.UTCDateTime, which uses this very function)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware one")
    # "2026-11-30 23:49:18.000000+00:00" less its zone: SQLAlchemy's format
    return value.astimezone(UTC).isoformat(" ", "microseconds")[:26]


@dataclass(frozen=True, slots=True)
class Values:
    """A statement that takes many rows as `head (?, ?), (?, ?) tail`, and how to bind a
    row: `keys` names a mapping row's values in order (empty: rows are already tuples in
    order); values at the `times` positions are written as text (`as_sqlite_text`).
    `single` is the one-row form run per row where SQLite is too old for `head`
    (UPDATE ... FROM needs 3.33); `single_order` orders a row's values for it."""

    head: str
    group: str
    tail: str
    keys: tuple[str, ...] = ()
    times: tuple[int, ...] = ()
    single: str = ""
    single_order: tuple[int, ...] = ()

    @property
    def width(self) -> int:
        return self.group.count("?")

    def flat(self, rows: Sequence[Any]) -> tuple[list[Any], int]:
        """Every row's values in order, one after another, times as text (each
        different time converted once: a batch's rows share its `now`); and the
        number of values a row has."""
        keys = self.keys
        if not keys:
            values: list[Any] = list(rows)
        elif len(keys) == 1:
            values = [(row[keys[0]],) for row in rows]
        else:
            values = list(map(itemgetter(*keys), rows))
        if not values:
            return [], 0
        width = len(values[0])
        flat = list(chain.from_iterable(values))
        text: dict[Any, str | None] = {None: None}
        for n in self.times:
            column = flat[n::width]
            text.update((value, as_sqlite_text(value)) for value in set(column) - text.keys())
            flat[n::width] = [text[value] for value in column]
        return flat, width

    def rows(self, rows: Sequence[Any]) -> list[tuple[Any, ...]]:
        """Each row's values in order, times as text (for `executemany`)."""
        flat, width = self.flat(rows)
        return [tuple(flat[at : at + width]) for at in range(0, len(flat), width or 1)]

    def run(self, db: Runner, rows: Sequence[Any], extra: Sequence[Any] = ()) -> list[Any]:
        """Every row, in order, in as few statements as SIZES allow (`extra`: the
        parameters of `tail`, bound after each statement's rows); what they return."""
        if self.single and sqlite3.sqlite_version_info < (3, 33):
            order = self.single_order
            db.run_many(self.single, [tuple(row[n] for n in order) for row in self.rows(rows)])
            return []
        flat, width = self.flat(rows)
        returned: list[Any] = []
        for size, start in chunks(len(rows), width):
            sql = self.head + ", ".join([self.group] * size) + self.tail
            params = flat[start * width : (start + size) * width]
            returned += db.run(sql, params + list(extra) if extra else params)
        return returned


def chunks(count: int, width: int) -> list[tuple[int, int]]:
    """(size, start) of each statement for `count` rows of `width` values, in SIZES."""
    found, start = [], 0
    for size in (s for s in SIZES if s * width <= MAX_PARAMETERS):
        while count - start >= size:
            found.append((size, start))
            start += size
    return found


# One step of a group commit. Each gives one result, in the plan's order:
#   ("values", Values, rows, extra)  the rows, in as few statements as SIZES allow;
#                                    the rows they return (RETURNING), or []
#   ("ids", Values, rows, ())        an INSERT of rows with an INTEGER key; their keys,
#                                    in order (the transaction holds SQLite's one write
#                                    lock, so the keys are consecutive, ending at the last)
#   ("each", Values, rows, ())       `executemany` of the whole statement (its `head`); None
Step = tuple[str, Any, Sequence[Any], Sequence[Any]]


def run_steps(db: Runner, steps: Sequence[Step]) -> list[Any]:
    """Run a plan's steps in order; their results."""
    results: list[Any] = []
    for kind, statement, rows, extra in steps:
        if kind == "each":
            db.run_many(statement.head, statement.rows(rows))
            results.append(None)
        elif kind == "ids":
            statement.run(db, rows)
            last = int(db.run("SELECT last_insert_rowid()", ())[0][0])
            results.append(list(range(last - len(rows) + 1, last + 1)))
        else:
            results.append(statement.run(db, rows, extra))
    return results


def commit_all(
    begin: Callable[[], AbstractContextManager[Any]],
    db: Runner,
    plans: Sequence[Sequence[Step] | None],
) -> tuple[list[tuple[bool, Any]], bool]:
    """Every plan in one transaction; each plan's outcome, `(True, its steps' results)`
    or `(False, the error)`, and whether a transaction committed. A plan that fails
    gets its error, and the others run again without it in a new transaction: no
    statement of a failed plan runs twice, and no plan fails for another's sake. A
    failed commit fails every plan (nothing was written). A None plan has nothing to
    write: its result is []."""
    outcomes: list[tuple[bool, Any]] = [(True, []) for _ in plans]
    pending = [n for n, plan in enumerate(plans) if plan]
    while pending:
        current: int | None = None
        try:
            with begin():
                results = []
                for n in pending:
                    current = n
                    results.append(run_steps(db, plans[n] or ()))
                current = None
        except Exception as error:
            if current is None:  # the commit itself failed: nothing was written
                for n in pending:
                    outcomes[n] = (False, error)
                return outcomes, False
            outcomes[current] = (False, error)
            pending = [n for n in pending if n != current]
            continue
        for n, result in zip(pending, results, strict=True):
            outcomes[n] = (True, result)
        return outcomes, True
    return outcomes, False
