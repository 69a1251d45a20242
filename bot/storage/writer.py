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
import threading
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
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
        self._queue: queue.SimpleQueue[tuple[list[_Job], asyncio.Future[None]] | None] = (
            queue.SimpleQueue()
        )
        self._thread: threading.Thread | None = None
        self._engine: Engine | None = None
        self.ident: int | None = None  # the writer thread's, once started (tests check it)
        self.transactions = 0  # committed by the thread (benchmarks and tests read it)

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
                self._queue.put((jobs, done))
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
            self._thread = threading.Thread(
                target=self._run, args=(asyncio.get_running_loop(),), name="sqlite-writer"
            )
            self._thread.daemon = True
            self._thread.start()

    # -- on the writer thread ---------------------------------------------------------------
    def _run(self, loop: asyncio.AbstractEventLoop) -> None:
        self.ident = threading.get_ident()
        conn: Connection | None = None
        while (message := self._queue.get()) is not None:
            jobs, done = message
            try:
                if conn is None:
                    conn = self._connect()
                self._commit(conn, jobs)
            except BaseException as error:  # reported to every job's caller
                for job in jobs:
                    job.outcome = (False, error)
            loop.call_soon_threadsafe(_settle, done)
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


class Prepared:
    """A statement compiled once for SQLite, run with `executemany` on the writer thread.

    SQLAlchemy's own `execute(statement, rows)` looks the statement up in its cache and
    runs every value of every row through its type's processor; here the SQL text and
    the processors are found once, and a value shared by the rows of a batch (the
    batch's `now`) is converted once. The values are converted by the very processors
    SQLAlchemy would use, so what is stored is the same. The SQL goes through the
    connection's `exec_driver_sql`, so its events still fire."""

    def __init__(self, statement: Any, columns: Sequence[str] | None = None) -> None:
        """`columns`: for an INSERT without values, the columns its rows give."""
        self._statement = statement
        self._keys = None if columns is None else list(columns)
        self._sql: str | None = None
        self._steps: tuple[tuple[str, Callable[[Any], Any] | None], ...] = ()

    def _compile(self, conn: Connection) -> str:
        compiled: Any = self._statement.compile(dialect=conn.dialect, column_keys=self._keys)
        if compiled.insert_prefetch or compiled.update_prefetch:
            raise ValueError("a column default would be left out: give every column")
        processors = compiled._bind_processors
        self._steps = tuple((key, processors.get(key)) for key in compiled.positiontup)
        self._sql = str(compiled)
        return self._sql

    def run(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """`executemany` of the statement with `rows` (each with every key)."""
        sql = self._sql or self._compile(conn)
        steps = self._steps
        converted: list[dict[Any, Any]] = [{} for _ in steps]
        params = []
        for row in rows:
            values = []
            for (key, process), seen in zip(steps, converted, strict=True):
                value = row[key]
                if process is not None and value is not None:
                    if isinstance(value, Hashable):
                        if (known := seen.get(value)) is None:
                            known = seen[value] = process(value)
                        value = known
                    else:
                        value = process(value)
                values.append(value)
            params.append(tuple(values))
        conn.exec_driver_sql(sql, params)
