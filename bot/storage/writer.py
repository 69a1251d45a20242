"""SQLite's group commits, off the event loop: on a process of their own, or a thread.

Through the async engine every statement is a round trip to aiosqlite's thread and back
(a queue put, a thread wake-up, a future), and SQLAlchemy renders each batch's
parameters on the event loop's thread: rows reached the disk at about 2,400 a second
while commands came in far faster. Here the hot batchers (inbound IDs, outbox rows,
delivery marks, members' locales) plan each batch on the loop (statements SQLAlchemy
compiled once, bot.storage.sqlite_steps) and one writer runs the plans: binding rows,
writing times as text and stepping SQLite, which is most of a group commit's work.

The writer is a process (`WriterProcess`, bot.storage.writer_process) where the
database is a file: there that work runs on another core while the loop goes on
dispatching. A thread could not give that: the loop and the thread take turns for
Python's one lock, and measured here the loop sat idle for a quarter of a sequential
run while the thread wrote. The thread (`WriterThread`) stays for a database given
`sqlite_writer = "thread"` (the tests' default: its statements go through SQLAlchemy's
connection, whose events the fault tests listen to); both run the same steps.

One transaction holds every batch that is waiting when the writer is free: a command's
de-duplication row and its answer's outbox row commit together, and the writer answers
once per transaction, never per row. If one batch's write fails, the transaction rolls
back and the others are written again without it, so one batcher's bad batch never
fails another's rows (and no failed statement runs twice); each batcher then deals with
its own failure (bot.storage.batcher: retried through an outage, or failed to its
callers). A writer process that dies fails its transaction as an outage (the batchers
that retry write it again through a new process) and is started again, said in one log
line.

SQLite has one writer. The writer writes only while the loop holds the `WriteTurn` the
async engine's writers take too (for the whole transaction), so a write through the
async engine and the writer's never meet in SQLite's busy handler.
"""

from __future__ import annotations

import asyncio
import builtins
import logging
import os
import pickle
import queue
import sqlite3
import sys
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, exc
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.pool import StaticPool

from bot.storage.sqlite_steps import Step, Values, as_sqlite_text, commit_all
from bot.unavailable import Unavailable

log = logging.getLogger(__name__)

# A batcher's plan for a batch, made on the loop: the steps to run, and what to make of
# their results (one per step) for the batch's callers, also on the loop.
Plan = tuple[list[Step], Callable[[list[Any]], Sequence[Any]]]
Planner = Callable[[Sequence[Any]], Plan]
Outcomes = tuple[list[tuple[bool, Any]], bool]


@dataclass(slots=True)
class _Job:
    """One batcher's batch: planned by `plan(items)` when its transaction starts."""

    plan: Planner
    items: Sequence[Any] | Callable[[], Sequence[Any]]
    future: asyncio.Future[Sequence[Any]]
    urgent: bool = False
    finish: Callable[[list[Any]], Sequence[Any]] | None = field(default=None)


class SqliteWriter:
    """Hands what the batchers queue to the writer, one transaction at a time."""

    def __init__(self, runs: WriterThread | WriterProcess, turn: asyncio.Lock) -> None:
        self.runs = runs
        self._turn = turn
        self._waiting: list[_Job] = []
        self._pump: asyncio.Task[None] | None = None
        self.transactions = 0  # committed by the writer (benchmarks and tests read it)
        self.handed = 0  # transactions handed to the writer, each under the write turn

    @property
    def ident(self) -> int | None:
        """The writer thread's, once started (tests check it); None for a process."""
        return getattr(self.runs, "ident", None)

    async def write(
        self,
        plan: Planner,
        items: Sequence[Any] | Callable[[], Sequence[Any]],
        *,
        urgent: bool = False,
        linger: Callable[[], Awaitable[None]] | None = None,
    ) -> Sequence[Any]:
        """`plan(items)`'s steps run by the writer, committed; what its finisher makes of
        their results. Raises what the write (or the commit) raised. `items` may be a
        function, called on the loop when the transaction starts (a batcher's rows, as
        many as have come by then). `linger`: awaited before a transaction that starts
        from idle, so that what the other batchers queue meanwhile (a command's answer
        after its ID) shares it."""
        loop = asyncio.get_running_loop()
        job = _Job(plan, items, loop.create_future(), urgent)
        self._waiting.append(job)
        if self._pump is None or self._pump.done():
            self._pump = loop.create_task(self._pumping(linger))
        return await job.future

    async def _pumping(self, linger: Callable[[], Awaitable[None]] | None) -> None:
        """Hand what waits to the writer, one transaction at a time, each under the turn."""
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
                outcomes, committed = await self._commit(jobs)
            finally:
                turn.release()
            self.transactions += committed
            for job, (ok, value) in zip(jobs, outcomes, strict=True):
                if job.future.done():
                    continue
                try:
                    if ok:
                        job.future.set_result(job.finish(value) if job.finish else [])
                    else:
                        job.future.set_exception(value)
                except Exception as error:  # a finisher's bug fails its own batch only
                    job.future.set_exception(error)

    async def _commit(self, jobs: list[_Job]) -> Outcomes:
        """Plan `jobs` and have the writer commit them; each one's outcome. A planner
        that fails fails its own batch; a writer that cannot be started or reached
        fails them all (never leaving one to wait for good)."""
        plans: list[list[Step] | None] = []
        unplanned: dict[int, Exception] = {}
        for n, job in enumerate(jobs):
            steps = None
            try:
                items = job.items() if callable(job.items) else job.items
                if items:
                    steps, job.finish = job.plan(items)
            except Exception as error:  # a bug in one batcher's plan
                unplanned[n] = error
            plans.append(steps)
        self.handed += 1
        try:
            await self.runs.ready()
            writing = self.runs.send(plans)  # handed at once, before the loop turns
        except Exception as error:  # the writer could not be started or reached
            return [(False, error)] * len(jobs), False
        try:
            outcomes, committed = await asyncio.shield(writing)
        except asyncio.CancelledError:
            await writing  # it still writes: the turn is held until it is done
            raise
        except Exception as error:  # the writer itself failed (a process died)
            return [(False, error)] * len(jobs), False
        for n, bug in unplanned.items():
            outcomes[n] = (False, bug)
        return outcomes, committed

    async def close(self) -> None:
        """Stop the writer once what it was given is written."""
        await self.runs.close()


class WriterThread:
    """Runs plans on one thread, through SQLAlchemy's connection (so the async engine's
    listeners see its statements and commits), started with the first plan."""

    def __init__(self, url: URL, events_of: Engine, on_connect: Callable[[Any, Any], None]) -> None:
        self._url = url.set(drivername="sqlite")  # the standard library's sqlite3
        self._events_of = events_of
        self._on_connect = on_connect
        self._queue: queue.SimpleQueue[
            tuple[list[list[Step] | None], asyncio.Future[Outcomes], asyncio.AbstractEventLoop]
            | None
        ] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._engine: Engine | None = None
        self.ident: int | None = None  # the writer thread's, once started (tests check it)

    async def ready(self) -> None:
        """Start the thread, the first time."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sqlite-writer")
            self._thread.daemon = True
            self._thread.start()

    def send(self, plans: list[list[Step] | None]) -> asyncio.Future[Outcomes]:
        """Hand `plans` to the thread; their outcomes, once committed."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Outcomes] = loop.create_future()
        self._queue.put((plans, done, loop))
        return done

    def _run(self) -> None:
        self.ident = threading.get_ident()
        conn: Connection | None = None
        while (message := self._queue.get()) is not None:
            plans, done, loop = message
            try:
                if conn is None:
                    conn = self._connect()
                answer: Outcomes = commit_all(conn.begin, _Through(conn), plans)
            except BaseException as error:  # reported to every plan's caller
                answer = ([(False, error)] * len(plans), False)
            try:
                loop.call_soon_threadsafe(_settle, done, answer)
            except RuntimeError:  # the loop is closed: nobody waits for this answer
                log.warning("event=writer_answer_dropped plans=%d", len(plans))
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

    async def close(self) -> None:
        """Stop the thread once what it was given is written."""
        if self._thread is not None:
            self._queue.put(None)
            await asyncio.to_thread(self._thread.join)
            self._thread = None


class _Through:
    """SQLAlchemy's connection as a Runner (bot.storage.sqlite_steps)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def run(self, sql: str, params: Sequence[Any]) -> list[Any]:
        result = self._conn.exec_driver_sql(sql, tuple(params) if params else None)
        return list(result.fetchall()) if result.returns_rows else []

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._conn.exec_driver_sql(sql, list(rows))


def _settle(done: asyncio.Future[Outcomes], answer: Outcomes) -> None:
    if not done.done():
        done.set_result(answer)


class WriterGone(Unavailable):
    """The writer process ended while it held a transaction: written again, as after an
    outage, by the batchers that retry."""


# The folder `bot` is in (the writer process imports bot.storage.sqlite_steps from it)
# and the writer process's script.
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
_CHILD = str(Path(__file__).with_name("writer_process.py"))


class WriterProcess:
    """Runs plans on a process of its own (bot.storage.writer_process), started with the
    first plan and again after it dies."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._process: asyncio.subprocess.Process | None = None
        self._starting = asyncio.Lock()
        self._closed = False
        self._said_gone: int | None = None  # the last process whose end was logged
        self.pid: int | None = None
        self.started = 0  # processes started (tests read it)

    async def ready(self) -> None:
        """Start the process, the first time and after it died."""
        async with self._starting:
            await self._start()

    async def _start(self) -> None:
        if self._closed:
            raise RuntimeError("the SQLite writer is stopped (the database was closed)")
        process = self._process
        if process is not None and process.returncode is None:
            return
        if process is not None:  # it ended while idle: said once, as a death under way is
            self._said_gone_of(process)
        paths = [_PACKAGE_ROOT, *filter(None, [os.environ.get("PYTHONPATH")])]
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-S",
            _CHILD,
            str(self._path),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)},
            start_new_session=True,  # Ctrl-C reaches the bot, which then stops it
        )
        assert process.stdin is not None
        _widen(process.stdin.transport.get_extra_info("pipe"))
        self._process, self.pid = process, process.pid
        self.started += 1

    def send(self, plans: list[list[Step] | None]) -> asyncio.Task[Outcomes]:
        """Write `plans` to the process now (a frame the pipe takes whole); their
        outcomes, once it answers."""
        process = self._process
        assert process is not None and process.stdin is not None
        frame = pickle.dumps(plans, protocol=pickle.HIGHEST_PROTOCOL)
        process.stdin.write(len(frame).to_bytes(4, "big") + frame)
        return asyncio.get_running_loop().create_task(self._answer(process))

    async def _answer(self, process: asyncio.subprocess.Process) -> Outcomes:
        assert process.stdin is not None and process.stdout is not None
        try:
            await process.stdin.drain()
            size = int.from_bytes(await process.stdout.readexactly(4), "big")
            outcomes, committed = pickle.loads(await process.stdout.readexactly(size))
        except (OSError, asyncio.IncompleteReadError) as error:
            await process.wait()
            self._said_gone_of(process)
            raise WriterGone("the SQLite writer process stopped; it starts again") from error
        except asyncio.CancelledError:
            # Nobody will read this answer: the next transaction would read it as its
            # own. The process goes, and the next transaction starts a new one.
            if process.returncode is None:
                process.kill()
            if self._process is process:
                self._process = None
            raise
        return [(ok, value if ok else _raised(*value)) for ok, value in outcomes], committed

    def _said_gone_of(self, process: asyncio.subprocess.Process) -> None:
        """One log line for a writer process that ended on its own."""
        if self._said_gone != process.pid:
            self._said_gone = process.pid
            log.error(
                "event=writer_process_died pid=%s returncode=%s", process.pid, process.returncode
            )

    async def close(self) -> None:
        """Let the process finish what it was given and stop; none starts after."""
        self._closed = True
        async with self._starting:
            process, self._process = self._process, None
        if process is not None and process.returncode is None:
            assert process.stdin is not None
            process.stdin.close()
            await process.wait()


def _widen(pipe: Any) -> None:
    """A pipe that takes a whole frame (2,000 rows are about 250 kB) at once, where
    Linux lets it grow (64 kB by default, up to /proc/sys/fs/pipe-max-size): a frame
    the pipe cannot take is written a piece per turn of the event loop, and the writer
    waits for all of it."""
    if pipe is None or sys.platform != "linux":
        return
    import fcntl  # POSIX only

    set_size = getattr(fcntl, "F_SETPIPE_SZ", 1031)
    try:
        fcntl.fcntl(pipe.fileno(), set_size, 1 << 20)
    except OSError as error:  # a lower limit: frames go in pieces, as elsewhere
        log.info("event=writer_pipe_not_widened error=%s", type(error).__name__)


def _raised(module: str, name: str, message: str) -> Exception:
    """The writer process's error as the thread's would be: SQLite's wrapped as
    SQLAlchemy wraps it (so `is_transient` reads it alike), others as they were."""
    if module == "sqlite3":
        orig = getattr(sqlite3, name, sqlite3.Error)(message)
        return exc.DBAPIError.instance(
            None, None, orig, sqlite3.Error, hide_parameters=True, ismulti=False
        )
    kind = getattr(builtins, name, RuntimeError)
    try:
        if isinstance(kind, type) and issubclass(kind, Exception):
            return kind(message)
    except Exception:  # one that wants other arguments (UnicodeEncodeError)
        pass
    return RuntimeError(f"{name}: {message}")


# -- plans: statements compiled once with SQLite's dialect ----------------------------------
_DIALECT = SQLiteDialect_pysqlite()


def compiled(statement: Any, keys: Sequence[str] | None = None, *, many: bool = True) -> Values:
    """`statement` as a `Values` spec. `many`: an INSERT whose VALUES group is repeated
    for many rows (`keys`: the columns its rows give; every column must be given);
    otherwise the whole statement, run once per row (a step "each"). Values are
    converted as SQLAlchemy would: times by UTCDateTime's own function; a column whose
    type converts in some other way is refused, not stored differently."""
    done: Any = statement.compile(dialect=_DIALECT, column_keys=list(keys or ()) or None)
    if done.insert_prefetch or done.update_prefetch:
        raise ValueError("a column default would be left out: give every column")
    order = tuple(done.positiontup)
    times = []
    for n, name in enumerate(order):
        process = done._bind_processors.get(name)
        if process is as_sqlite_text:
            times.append(n)
        elif process is not None:
            raise ValueError(f"{name}: a type the writer does not convert")
    sql = str(done)
    if not many:
        return Values(sql, "", "", order, tuple(times))
    start = sql.index(" VALUES (") + len(" VALUES ")
    end = sql.index(")", start) + 1
    if set(sql[start:end]) - set("(?, )"):
        raise ValueError(f"not a plain INSERT ... VALUES: {sql}")
    width = sql[start:end].count("?")
    row_times = tuple(n for n in times if n < width)  # `extra` ones the planner converts
    return Values(sql[:start], sql[start:end], sql[end:], order[:width], row_times)


class UpdateFromValues:
    """`UPDATE table SET a = v.column2, ... FROM (VALUES (?, ?, ...), ...) AS v WHERE
    table.key = v.column1`: many rows' own values in one statement (SQLite 3.33 or
    later; before that, one statement per row). Values are converted by the columns'
    own types, as SQLAlchemy would."""

    def __init__(self, table: Any, key: str, columns: Sequence[str]) -> None:
        names = (key, *columns)
        sets = ", ".join(f"{c} = v.column{n + 2}" for n, c in enumerate(columns))
        single = f"UPDATE {table.name} SET " + ", ".join(f"{c} = ?" for c in columns)
        times = tuple(
            n
            for n, name in enumerate(names)
            if table.c[name].type.bind_processor(_DIALECT) is as_sqlite_text
        )
        self.values = Values(
            f"UPDATE {table.name} SET {sets} FROM (VALUES ",
            "(" + ", ".join("?" * len(names)) + ")",
            f") AS v WHERE {table.name}.{key} = v.column1",
            names,
            times,
            single=f"{single} WHERE {key} = ?",
            single_order=(*range(1, len(names)), 0),
        )

    def step(self, rows: Sequence[Any]) -> Step:
        """Update each row named by its key (rows keyed by column name)."""
        return ("values", self.values, rows, ())


def among(sql: str) -> Values:
    """`sql` ending in `IN (` for many keys at once: `... WHERE id IN (?, ?, ...)`."""
    return Values(sql, "?", ")")
