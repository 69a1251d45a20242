"""SQLite's group commits on one thread of their own, with the standard library's sqlite3.

Through the async engine every statement is a round trip to aiosqlite's thread and back
(a queue put, a thread wake-up, a future), and SQLAlchemy renders each batch's
parameters on the event loop's thread: rows reached the disk at about 2,400 a second
while commands came in far faster. Here the hot batchers (inbound IDs, outbox rows,
members' locales) hand whole batches to one writer thread, which keeps one connection
(WAL, synchronous=NORMAL, the pragmas of bot.storage.db) and writes each batch with
`executemany` on statements SQLAlchemy compiles once and caches. Reads stay on the async
engine; WAL lets them run beside the writer.

One transaction holds every batch that is waiting when the thread is free: a command's
de-duplication row and its answer's outbox row commit together. The thread answers once
per transaction (`call_soon_threadsafe`), never per row. If one batch's write fails, the
transaction rolls back and the others are written again without it, so one batcher's bad
batch never fails another's rows (and no failed statement runs twice); each batcher then
deals with its own failure as before (bot.storage.batcher: retried through an outage, or
failed to its callers).

SQLite has one writer. The thread writes only while it holds the `WriteTurn` the async
engine's writers take too (taken on the loop, for the whole transaction), so a write
through the async engine and the thread's never meet in SQLite's busy handler.

The thread's connection comes from an engine of its own whose events are joined to the
async engine's: a listener on `Database.engine.sync_engine` (the fault tests' refusals,
a count of commits) sees the thread's statements and commits too.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.pool import StaticPool

log = logging.getLogger(__name__)

SyncWriter = Callable[[Connection, Sequence[Any]], Sequence[Any]]


@dataclass(slots=True)
class _Job:
    """One batcher's batch: written by `write(conn, items)` inside the shared transaction."""

    write: SyncWriter
    items: Sequence[Any] | Callable[[], Sequence[Any]]
    future: asyncio.Future[Sequence[Any]]
    urgent: bool = False
    outcome: tuple[bool, Any] = field(default=(False, None))


class SqliteWriter:
    """The writer thread and its connection, started with the first batch it is given."""

    def __init__(
        self,
        url: URL,
        turn: asyncio.Lock,
        events_of: Engine,
        on_connect: Callable[[Any, Any], None],
    ) -> None:
        self._url = url.set(drivername="sqlite")  # the standard library's sqlite3
        self._turn = turn
        self._events_of = events_of
        self._on_connect = on_connect
        self._waiting: list[_Job] = []
        self._pump: asyncio.Task[None] | None = None
        self._queue: queue.SimpleQueue[
            tuple[list[_Job], asyncio.Future[None], asyncio.AbstractEventLoop] | None
        ] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._engine: Engine | None = None
        self.ident: int | None = None  # the writer thread's, once started (tests check it)
        self.transactions = 0  # committed by the thread (benchmarks and tests read it)
        self.handed = 0  # transactions handed to the thread, each under the write turn

    async def write(
        self,
        write: SyncWriter,
        items: Sequence[Any] | Callable[[], Sequence[Any]],
        *,
        urgent: bool = False,
        linger: Callable[[], Awaitable[None]] | None = None,
    ) -> Sequence[Any]:
        """`write(conn, items)` on the writer thread, committed; its result. Raises what
        the write (or the commit) raised. `items` may be a function, called on the loop
        when the transaction starts (a batcher's rows, as many as have come by then).
        `linger`: awaited before a transaction that starts from idle, so that what the
        other batchers queue meanwhile (a command's answer after its ID) shares it."""
        loop = asyncio.get_running_loop()
        job = _Job(write, items, loop.create_future(), urgent)
        self._waiting.append(job)
        if self._pump is None or self._pump.done():
            self._pump = loop.create_task(self._pumping(linger))
        return await job.future

    async def _pumping(self, linger: Callable[[], Awaitable[None]] | None) -> None:
        """Hand what waits to the thread, one transaction at a time, each under the turn."""
        loop = asyncio.get_running_loop()
        if linger is not None:
            await linger()
        while self._waiting:
            urgent = any(job.urgent for job in self._waiting)
            turn = self._turn
            if urgent and hasattr(turn, "first"):
                await turn.acquire(urgent=True)  # type: ignore[call-arg]
            else:
                await turn.acquire()
            try:
                jobs, self._waiting = self._waiting, []
                for job in jobs:
                    if callable(job.items):
                        job.items = job.items()
                done: asyncio.Future[None] = loop.create_future()
                self._start()
                self.handed += 1
                self._queue.put((jobs, done, loop))
                try:
                    await asyncio.shield(done)
                except asyncio.CancelledError:
                    await done  # the thread still writes: the turn is held until it is done
                    raise
            finally:
                turn.release()
            for job in jobs:
                ok, value = job.outcome
                if job.future.done():
                    continue
                if ok:
                    job.future.set_result(value)
                else:
                    job.future.set_exception(value)

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sqlite-writer")
            self._thread.daemon = True
            self._thread.start()

    # -- on the writer thread ---------------------------------------------------------------
    def _run(self) -> None:
        self.ident = threading.get_ident()
        conn: Connection | None = None
        while (message := self._queue.get()) is not None:
            jobs, done, loop = message
            try:
                if conn is None:
                    conn = self._connect()
                self._commit(conn, jobs)
            except BaseException as error:  # reported to every job's caller
                for job in jobs:
                    job.outcome = (False, error)
            try:
                loop.call_soon_threadsafe(_settle, done)
            except RuntimeError:  # the loop is closed: nobody waits for this answer
                log.warning("event=writer_answer_dropped jobs=%d", len(jobs))
        if conn is not None:
            conn.close()
        if self._engine is not None:
            self._engine.dispose()

    def _connect(self) -> Connection:
        engine = create_engine(self._url, poolclass=StaticPool, hide_parameters=True)
        event.listen(engine, "connect", self._on_connect)
        # The async engine's listeners hear this engine's statements and commits too
        # (as SQLAlchemy's own OptionEngine shares its parent's).
        engine.dispatch = engine.dispatch._join(self._events_of.dispatch)
        engine._has_events = True
        self._engine = engine
        return engine.connect()

    def _commit(self, conn: Connection, jobs: list[_Job]) -> None:
        """All `jobs` in one transaction. A job whose write fails gets its error, and the
        others are written again without it (in a new transaction): no statement of a
        failed batch runs twice, and no batch fails for another's sake."""
        while jobs:
            current: _Job | None = None
            try:
                with conn.begin():
                    results = []
                    for job in jobs:
                        current = job
                        items = job.items
                        assert not callable(items)  # taken on the loop before
                        results.append(job.write(conn, items) if items else [])
                    current = None
            except Exception as error:
                if current is None:  # the commit itself failed: nothing was written
                    for job in jobs:
                        job.outcome = (False, error)
                    return
                current.outcome = (False, error)
                jobs = [job for job in jobs if job is not current]
                continue
            self.transactions += 1
            for job, result in zip(jobs, results, strict=True):
                job.outcome = (True, result)
            return

    # -- stopping --------------------------------------------------------------------------
    def close(self) -> None:
        """Stop the thread once what it was given is written (the loop waits no longer
        than that transaction)."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None


def _settle(done: asyncio.Future[None]) -> None:
    if not done.done():
        done.set_result(None)


# Rows per statement: a batch goes in statements of these sizes, largest first. One
# statement is one call into SQLite, which lets go of the GIL and must take it back from
# a busy event loop (up to `sys.getswitchinterval()`, 5 ms, each time): row by row,
# `executemany` paid that wait for every row. A handful of sizes keeps SQLite's cache
# of compiled statements small; 256 rows of the widest table stay far below SQLite's
# limit of 32,766 parameters per statement.
SIZES = (256, 64, 16, 4, 1)
# Parameters one statement may bind: 32,766 since SQLite 3.32, 999 before.
MAX_PARAMETERS = 32766 if sqlite3.sqlite_version_info >= (3, 32) else 999


class Prepared:
    """An INSERT compiled once for SQLite, run on the writer thread with many rows per
    statement (`INSERT ... VALUES (...), (...), ...`).

    SQLAlchemy's own `execute(statement, rows)` looks the statement up in its cache and
    runs every value of every row through its type's processor; here the SQL text and
    the processors are found once, and a value shared by the rows of a batch (the
    batch's `now`) is converted once. The values are converted by the very processors
    SQLAlchemy would use, so what is stored is the same. SQLite inserts the rows of one
    statement in order. The SQL goes through the connection's `exec_driver_sql`, so its
    events still fire."""

    def __init__(self, statement: Any, columns: Sequence[str]) -> None:
        """`statement`: an INSERT without values; `columns`: those its rows give."""
        self._statement = statement
        self._keys = list(columns)
        self._parts: tuple[str, str, str] | None = None
        self._steps: tuple[tuple[str, Callable[[Any], Any] | None], ...] = ()
        self._sql: dict[int, str] = {}

    def _compile(self, conn: Connection) -> tuple[str, str, str]:
        compiled: Any = self._statement.compile(dialect=conn.dialect, column_keys=self._keys)
        if compiled.insert_prefetch or compiled.update_prefetch:
            raise ValueError("a column default would be left out: give every column")
        processors = compiled._bind_processors
        self._steps = tuple((key, processors.get(key)) for key in compiled.positiontup)
        sql = str(compiled)
        start = sql.index(" VALUES (") + len(" VALUES ")
        end = sql.index(")", start) + 1
        if set(sql[start:end]) - set("(?, )"):
            raise ValueError(f"not a plain INSERT ... VALUES: {sql}")
        self._parts = (sql[:start], sql[start:end], sql[end:])
        return self._parts

    def run(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert `rows` (each with every column), in order."""
        head, group, tail = self._parts or self._compile(conn)
        values = _converted(rows, self._steps)
        for size, start in _chunks(len(values), len(self._steps)):
            sql = self._sql.get(size)
            if sql is None:
                sql = self._sql[size] = head + ", ".join([group] * size) + tail
            conn.exec_driver_sql(sql, tuple(v for row in values[start : start + size] for v in row))


class UpdateFromValues:
    """`UPDATE table SET a = v.column2, ... FROM (VALUES (?, ?, ...), ...) AS v WHERE
    table.key = v.column1`: many rows' own values in one statement (SQLite 3.33 or
    later; before that, one statement per row). Values are converted by the columns'
    own types, as SQLAlchemy would."""

    def __init__(self, table: Any, key: str, columns: Sequence[str]) -> None:
        self._table = table
        self._names = (key, *columns)
        sets = ", ".join(f"{c} = v.column{n + 2}" for n, c in enumerate(columns))
        self._head = f"UPDATE {table.name} SET {sets} FROM (VALUES "
        self._tail = f") AS v WHERE {table.name}.{key} = v.column1"
        self._group = "(" + ", ".join("?" * len(self._names)) + ")"
        self._single = f"UPDATE {table.name} SET " + ", ".join(f"{c} = ?" for c in columns)
        self._single += f" WHERE {key} = ?"
        self._steps: tuple[tuple[str, Callable[[Any], Any] | None], ...] | None = None
        self._sql: dict[int, str] = {}

    def run(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Update each row named by its key (rows keyed by column name)."""
        if self._steps is None:
            self._steps = tuple(
                (name, self._table.c[name].type.bind_processor(conn.dialect))
                for name in self._names
            )
        values = _converted(rows, self._steps)
        if sqlite3.sqlite_version_info < (3, 33):
            conn.exec_driver_sql(self._single, [(*row[1:], row[0]) for row in values])
            return
        for size, start in _chunks(len(values), len(self._names)):
            sql = self._sql.get(size)
            if sql is None:
                sql = self._sql[size] = self._head + ", ".join([self._group] * size) + self._tail
            conn.exec_driver_sql(sql, tuple(v for row in values[start : start + size] for v in row))


def _chunks(count: int, width: int) -> list[tuple[int, int]]:
    """(size, start) of each statement for `count` rows of `width` values, in SIZES."""
    chunks, start = [], 0
    for size in (s for s in SIZES if s * width <= MAX_PARAMETERS):
        while count - start >= size:
            chunks.append((size, start))
            start += size
    return chunks


def _converted(
    rows: Sequence[Mapping[str, Any]],
    steps: Sequence[tuple[str, Callable[[Any], Any] | None]],
) -> list[tuple[Any, ...]]:
    """Each row's values in `steps`' order, through their processors; a value the rows
    share (the batch's `now`) is converted once."""
    keys = [key for key, _ in steps]
    processed: list[tuple[int, Callable[[Any], Any], dict[Any, Any]]] = [
        (n, process, {}) for n, (_, process) in enumerate(steps) if process is not None
    ]
    if not processed:
        return [tuple(row[key] for key in keys) for row in rows]
    converted = []
    for row in rows:
        values = [row[key] for key in keys]
        for n, process, known in processed:
            value = values[n]
            if value is None:
                continue
            try:
                done = known.get(value)
            except TypeError:  # unhashable: converted each time
                values[n] = process(value)
                continue
            if done is None:
                done = known[value] = process(value)
            values[n] = done
        converted.append(tuple(values))
    return converted
