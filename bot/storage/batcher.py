"""Group commit: many small writes share one transaction.

One committed transaction costs ~0.7 ms through SQLAlchemy's async layer, so writing
each inbound event ID or outbox row on its own would cap the bot near 1,400 events a
second. SQLite has one writer: batchers that share a `turn` lock take turns in the process
instead of meeting in SQLite's busy handler, which sleeps in steps of up to 100 ms.

Callers hand rows to a Batcher: a flush starts WINDOW seconds after the first
row arrives, and whatever arrives meanwhile, or while a flush runs, shares it. Measured
here, that 2 ms raised sequential dispatch with persistence from ~4,900 to ~5,400
commands a second (bench/dispatch.py).

A batcher given `sync` (the same write, planned as steps) writes through SQLite's
writer instead (bot.storage.writer, a process or a thread): there the writer's own
window gathers the batches of every such batcher into one transaction, and `sync_when`
keeps items that need the async engine (a receipt) on it.

On PostgreSQL a writer whose batch is one statement (`single`, see bot.storage.pgbatch)
runs it in autocommit, without BEGIN and COMMIT round trips; and a batcher whose callers
each wait on their own write (`eager`: the inbound claims) starts a flush from idle at
once, without the window, so a lone command pays one statement's round trip.

A batcher made with `retry=True` keeps a batch the database could not take (an outage,
see `bot.unavailable.is_transient`) and writes it again after a backoff on the injected
clock, with whatever arrived meanwhile, logging one WARNING line per failed try (not per
row), until the database takes it or `give_up` is called (on stop); its callers wait. Any other
failure (a bug, which no retry mends) fails the batch's callers and is logged once, as
every failure of a batcher without retry is. The flush task's own failure is logged,
never left unread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.clock import Clock
from bot.storage.backlog import Backlog
from bot.unavailable import is_transient

if TYPE_CHECKING:
    from bot.storage.writer import Plan, SqliteWriter

T = TypeVar("T")
R = TypeVar("R")

log = logging.getLogger(__name__)

# SQLAlchemy renders a batch's parameters on the event loop's thread; past a few hundred
# rows that alone would block the loop for tens of milliseconds.
MAX_BATCH = 100
# On SQLite's writer thread (bot.storage.writer) the parameters are rendered there, off
# the loop: a batch may be as large as the backlog's cap allows.
MAX_THREAD_BATCH = 2000
WINDOW = 0.002
MAX_RETRY_WAIT = 30.0  # seconds between tries of a batch the database refused

Writer = Callable[[AsyncConnection, Sequence[T]], Awaitable[Sequence[R]]]
# The same write planned for SQLite's writer (bot.storage.writer): on the loop, the
# steps to run and what to make of their results for the batch's callers.
SyncWriter = Callable[[Sequence[T]], "Plan"]


class WriteTurn(asyncio.Lock):
    """SQLite's one writer at a time, taken in turn by the process's batchers, where an
    urgent writer goes before those already waiting (`first()`).

    The inbox's keeps are urgent: a platform's acknowledgement waits for that commit
    (bot.inbox), so it must not queue behind a fan-out's delivery marks, which nothing
    waits for. An urgent writer waits at most for the transaction under way."""

    def __init__(self) -> None:
        super().__init__()
        # SQLite's writer thread (bot.storage.writer), where batchers that can write
        # without the async engine send their batches; None for an in-memory database.
        self.thread: SqliteWriter | None = None
        self._held = False
        self._queues: tuple[deque[asyncio.Future[None]], ...] = (deque(), deque())

    def locked(self) -> bool:
        return self._held

    async def acquire(self, *, urgent: bool = False) -> Literal[True]:
        if not self._held and not any(self._queues):
            self._held = True
            return True
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queues[0 if urgent else 1].append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.release()  # handed the turn just as the wait was cancelled
            else:
                self._queues[0 if urgent else 1].remove(turn)
            raise
        return True

    def release(self) -> None:
        for queue in self._queues:
            while queue:
                turn = queue.popleft()
                if not turn.done():
                    turn.set_result(None)  # handed over: still held
                    return
        self._held = False

    @contextlib.asynccontextmanager
    async def first(self) -> AsyncIterator[None]:
        """Hold the turn, ahead of every writer not urgent."""
        await self.acquire(urgent=True)
        try:
            yield
        finally:
            self.release()


class Batcher(Generic[T, R]):
    """Collects items and writes them with `writer` in one transaction per flush."""

    def __init__(
        self,
        engine: AsyncEngine,
        writer: Writer[T, R],
        name: str,
        clock: Clock,
        turn: asyncio.Lock | None = None,
        *,
        retry: bool = False,
        urgent: bool = False,
        backlog: Backlog | None = None,
        sync: SyncWriter[T] | None = None,
        sync_when: Callable[[T], bool] | None = None,
        eager: bool = False,
        single: bool = False,
    ) -> None:
        self._engine = engine
        # `eager`: a flush that starts from idle goes at once, without the window (for
        # writes each caller waits on one by one); what comes during it shares the next.
        self._eager = eager
        # `single`: the writer runs one statement on PostgreSQL, atomic by itself, so it
        # runs in autocommit, without BEGIN and COMMIT (two round trips of three).
        self._single = single
        # `sync`: `writer` for a plain connection. Given one, a batcher whose turn is
        # SQLite's writes on the writer thread instead of through the async engine.
        thread = turn.thread if isinstance(turn, WriteTurn) else None
        self._thread = thread if sync is not None else None
        self._sync = sync
        # Whether an item may go to the thread (else through the async engine, as ever).
        self._sync_when = sync_when
        # Counts this batcher's rows from queued to committed, so intake can wait for room.
        self._backlog = backlog
        self._retry = retry
        self._giving_up = False
        self._napping = False  # between tries of a refused batch: waits only for the clock
        self._nap: asyncio.Future[None] | None = None
        self._turn = turn or asyncio.Lock()
        self._urgent = urgent and isinstance(turn, WriteTurn)
        self._clock = clock
        self._writer = writer
        self._name = name
        self._items: list[tuple[T, asyncio.Future[R] | None]] = []
        self._batch: list[tuple[T, asyncio.Future[R] | None]] = []  # being written now
        self._flushing: asyncio.Task[None] | None = None

    async def write(self, item: T) -> R:
        """Queue `item` and wait until it is committed; returns the writer's result.

        A caller cancelled while it waits cancels only its own future: the item is still
        written with its batch (the flush skips a future already done), as it would be
        behind a shield, without a shield's two extra callbacks per write."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._items.append((item, future))
        if self._backlog is not None:
            self._backlog.add()
        self._kick()
        return await future

    def submit(self, item: T, then: Callable[[asyncio.Future[R]], object] | None = None) -> None:
        """Queue `item` without waiting; `then(future)` runs once it is committed or
        has failed. A failed flush is logged by the batcher, never swallowed."""
        future: asyncio.Future[R] | None = None  # nobody to tell: none is made
        if then is not None:
            future = asyncio.get_running_loop().create_future()
            future.add_done_callback(then)
        self._items.append((item, future))
        if self._backlog is not None:
            self._backlog.add()
        self._kick()

    def _kick(self) -> None:
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.get_running_loop().create_task(self._flush_all())
            self._flushing.add_done_callback(self._flush_done)

    def _flush_done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("event=batch_task_failed batch=%s", self._name, exc_info=error)
            # Its batch and what queued behind it wait no more (a later write flushes anew).
            for _, future in self._batch + self._items:
                _fail(future, error)
            self._settled(len(self._batch) + len(self._items))
            self._batch, self._items = [], []

    async def _flush_all(self) -> None:
        thread = self._thread
        if thread is None and not self._eager:
            await self._clock.linger(WINDOW)
        # On the writer thread the thread's own window gathers every batcher's rows into
        # one transaction, and a batch is taken only when that transaction starts.
        tries = 0
        while self._items:
            batch: list[tuple[T, asyncio.Future[R] | None]] = []
            try:
                if thread is not None and self._sync is not None and self._fits(self._items[0]):
                    results = await thread.write(
                        self._sync,
                        partial(self._take, batch, MAX_THREAD_BATCH, on_thread=True),
                        urgent=self._urgent,
                        linger=partial(self._clock.linger, WINDOW),
                    )
                else:
                    items = self._take(batch, MAX_BATCH)
                    async with self._taking_turn(), self._transaction() as conn:
                        results = await self._writer(conn, items)
            except Exception as error:
                if not batch:  # failed before the thread took a batch: fail what waits
                    self._take(batch, len(self._items))
                if self._retry and not self._giving_up and is_transient(error):
                    tries += 1
                    wait = min(MAX_RETRY_WAIT, 2.0 ** (tries - 1))
                    log.warning(  # the error's type only: its text may quote a row's data
                        "event=batch_retry batch=%s size=%d attempt=%d backoff=%.1f error=%s",
                        self._name,
                        len(batch),
                        tries,
                        wait,
                        _kind(error),
                    )
                    self._items = batch + self._items  # first again, with what came meanwhile
                    await self._sleep(wait)
                    continue
                log.exception("event=batch_failed batch=%s size=%d", self._name, len(batch))
                for _, future in batch:
                    _fail(future, error)
                self._settled(len(batch))
                self._batch = []
                continue
            tries = 0
            for (_, future), result in zip(batch, results, strict=True):
                if future is not None and not future.done():
                    future.set_result(result)
            self._settled(len(batch))
            self._batch = []

    def _fits(self, queued: tuple[T, asyncio.Future[R] | None]) -> bool:
        """Whether a queued item may be written on the writer thread (`sync_when`)."""
        return self._sync_when is None or self._sync_when(queued[0])

    def _take(
        self, batch: list[tuple[T, asyncio.Future[R] | None]], most: int, *, on_thread: bool = False
    ) -> list[T]:
        """Move up to `most` queued items into `batch` (for the thread, only those that
        may go there, from the front); the items to write."""
        count = min(most, len(self._items))
        if on_thread and self._sync_when is not None:
            count = next((n for n in range(count) if not self._fits(self._items[n])), count)
        batch += self._items[:count]
        del self._items[:count]
        self._batch = batch
        return [item for item, _ in batch]

    def _settled(self, rows: int) -> None:
        """`rows` are committed or failed: they no longer count against the backlog."""
        if self._backlog is not None and rows:
            self._backlog.done(rows)

    async def _sleep(self, seconds: float) -> None:
        """The backoff between tries, cut short by `give_up`."""
        self._nap = asyncio.get_running_loop().create_future()
        sleeper = asyncio.ensure_future(self._clock.sleep(seconds))
        self._napping = True
        try:
            await asyncio.wait({sleeper, self._nap}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._napping = False
            sleeper.cancel()
            self._nap.cancel()

    def give_up(self) -> None:
        """Stop retrying (the process is stopping): the next failed try fails its callers."""
        self._giving_up = True
        if self._nap is not None and not self._nap.done():
            self._nap.set_result(None)

    def asleep(self) -> bool:
        """True when nothing is queued, or the batch waits only for its backoff to pass."""
        return self._napping or not self.pending()

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncConnection]:
        """A transaction for one batch; for a `single` statement on PostgreSQL, none."""
        if not (self._single and self._engine.dialect.name == "postgresql"):
            async with self._engine.begin() as conn:
                yield conn
            return
        async with self._engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            yield conn

    def _taking_turn(self) -> contextlib.AbstractAsyncContextManager[Any]:
        turn = self._turn
        return turn.first() if self._urgent and isinstance(turn, WriteTurn) else turn

    def pending(self) -> bool:
        """True while something queued is not yet committed."""
        return bool(self._items) or (self._flushing is not None and not self._flushing.done())

    async def drain(self) -> None:
        """Wait until everything queued so far is committed (used on stop)."""
        while self._flushing is not None and not self._flushing.done():
            await asyncio.shield(self._flushing)


def _kind(error: BaseException) -> str:
    """`OperationalError(ConnectionDoesNotExistError)`: what failed, without its text."""
    cause = getattr(error, "orig", None)
    return type(error).__name__ + (f"({type(cause).__name__})" if cause is not None else "")


def _fail(future: asyncio.Future[Any] | None, error: BaseException) -> None:
    """Fail a caller's future, unless its caller was cancelled (it is done then). The
    batcher logs the failure itself, so the future is marked read at once: a `submit`
    without `then` has no reader, and asyncio would log "never retrieved" for it. A
    caller that awaits it still gets the error."""
    if future is not None and not future.done():
        future.set_exception(error)
        future.exception()
