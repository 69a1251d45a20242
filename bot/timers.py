"""The one restart-safe timer every feature uses.

A timer is a row (feature, kind, key, due_at): a prompt schedule's next slot, a poll's
close, a question's reminder. Features declare a handler per kind (`Feature.timers`) and
set or cancel their timers with `set`/`cancel` inside their own transactions; they never
start a loop. This module's one supervised loop finds what is due and, in ONE transaction
per batch, claims each occurrence (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: the
claiming UPDATE takes the single write lock and re-checks the row), hands the batch to its
handler, stages the intents it returns in the outbox and moves each timer to the next due
time the handler gave (or deletes it). So a restart, a retry or a second replica never
runs an occurrence twice: the claim, the work and the advance commit together or not at
all. Every claimed timer is advanced or deleted in that same transaction, whatever the
handler says, so no occurrence can be claimed without being moved on (the loop cannot
spin on one). A handler that raises is run again alone so that the others of its batch
still fire; the failing timer is logged once and retried after a backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.clock import Clock, sleep_unless_woken
from bot.intents import Intent
from bot.storage.tables import UTCDateTime
from bot.storage.tables import timers as timers_table
from bot.storage.upsert import dialect_module

if TYPE_CHECKING:
    from bot.outbox import Outbox

log = logging.getLogger(__name__)

BATCH = 200  # occurrences a transaction: a burst of 1,000 is five commits, not 1,000
MAX_NAP = 60.0  # seconds: a timer set by another replica is seen within this
RETRY_AFTER = timedelta(minutes=1)  # first retry of a failing timer; doubles, up to a day
MAX_RETRY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Timer:
    """One due occurrence as its handler sees it."""

    id: int
    feature: str
    kind: str
    key: str
    due_at: datetime
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class TimerResult:
    """What a handler made of one occurrence: intents to send (staged in the claiming
    transaction), and when the timer is due next (None: it is done and deleted)."""

    intents: Sequence[Intent] = ()
    next_due: datetime | None = None


@dataclass(frozen=True, slots=True)
class TimerRun:
    """What a handler gets: the claiming transaction's connection (write in it, and only
    in it, so the work commits with the claim), the due timers of its kind (a batch),
    the time of the pass, and the feature's own state (its `Feature.state`, as its
    other handlers get it as `ctx.own`; typed loosely, each feature knows its own)."""

    conn: AsyncConnection
    due: Sequence[Timer]
    now: datetime
    state: Any = None


# Returns a result per timer key; a timer it does not answer for is done (deleted).
TimerHandler = Callable[[TimerRun], Awaitable[Mapping[str, TimerResult]]]


@dataclass(frozen=True, slots=True)
class Timed:
    """A feature's handler for one kind of timer, and what the console calls it (a
    catalog message, `N_`), so `:next` can say what it jumped to."""

    handler: TimerHandler
    label: str = ""


@dataclass(slots=True)
class _Registry:
    handlers: dict[tuple[str, str], Timed] = field(default_factory=dict)
    states: dict[str, Any] = field(default_factory=dict)  # each feature's own state


class Timers:
    """The timers table and the loop that fires it; built once, passed to features."""

    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        outbox: Outbox,
        write_turn: asyncio.Lock | None = None,
    ) -> None:
        self._engine = engine
        # SQLite's one writer: the loop takes its turn with the process's batchers (the
        # outbox's marks) instead of waiting on the file lock, whose busy handler sleeps
        # in steps of up to 100 ms.
        self._write_turn = write_turn
        self._clock = clock
        self._outbox = outbox
        self._registry = _Registry()
        self._changed = asyncio.Event()
        # When the loop's nap ends (None while it looks, or when it is not running):
        # `wake_for` a later time need not wake it.
        self._wakes_at: datetime | None = None

    # -- what features use -----------------------------------------------------------
    def register(
        self, feature: str, handlers: Mapping[str, Timed | TimerHandler], state: Any = None
    ) -> None:
        """Declare `feature`'s handlers, by kind, and the state they are run with (the app
        does this from `Feature.timers` and `Feature.state`)."""
        for kind, handler in handlers.items():
            timed = handler if isinstance(handler, Timed) else Timed(handler)
            self._registry.handlers[(feature, kind)] = timed
        self._registry.states[feature] = state

    async def set(
        self, conn: AsyncConnection, feature: str, kind: str, key: str, due_at: datetime
    ) -> None:
        """Make (feature, kind, key) due at `due_at`, in the caller's transaction; call
        `wake()` after it commits so the loop looks again."""
        dialect = dialect_module(conn.dialect.name)
        statement = dialect.insert(timers_table).values(
            feature=feature, kind=kind, key=key, due_at=due_at, state="pending", attempts=0
        )
        await conn.execute(
            statement.on_conflict_do_update(
                index_elements=["feature", "kind", "key"],
                set_={"due_at": due_at, "state": "pending", "attempts": 0},
            )
        )

    async def set_many(
        self,
        conn: AsyncConnection,
        feature: str,
        kind: str,
        due: Sequence[tuple[str, datetime]],
    ) -> None:
        """`set` for many keys at once, in one statement (a group commit's rows)."""
        if not due:
            return
        dialect = dialect_module(conn.dialect.name)
        statement = dialect.insert(timers_table)
        await conn.execute(
            statement.on_conflict_do_update(
                index_elements=["feature", "kind", "key"],
                set_={
                    "due_at": statement.excluded.due_at,
                    "state": "pending",
                    "attempts": 0,
                },
            ),
            [
                {
                    "feature": feature,
                    "kind": kind,
                    "key": key,
                    "due_at": at,
                    "state": "pending",
                    "attempts": 0,
                }
                for key, at in due
            ],
        )

    async def cancel(self, conn: AsyncConnection, feature: str, kind: str, key: str) -> None:
        """Forget the timer, in the caller's transaction (nothing if there is none)."""
        await conn.execute(
            delete(timers_table).where(
                (timers_table.c.feature == feature)
                & (timers_table.c.kind == kind)
                & (timers_table.c.key == key)
            )
        )

    def wake(self) -> None:
        """A timer changed: the loop looks again instead of finishing its nap."""
        self._changed.set()

    def wake_for(self, due_at: datetime) -> None:
        """A timer was set for `due_at`: wake the loop only if its nap would end later
        (a question's reminder, hours away, wakes nothing: a burst of questions would
        otherwise cost the loop two queries each)."""
        if self._wakes_at is None or due_at < self._wakes_at:
            self._changed.set()

    def label(self, timer: Timer) -> str:
        """The catalog message naming this kind of timer ('' when none was declared)."""
        timed = self._registry.handlers.get((timer.feature, timer.kind))
        return timed.label if timed else ""

    # -- the loop ------------------------------------------------------------------------
    async def soonest(self) -> Timer | None:
        """The pending timer due first, if any."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(timers_table)
                    .where(timers_table.c.state == "pending")
                    .order_by(timers_table.c.due_at, timers_table.c.id)
                    .limit(1)
                )
            ).first()
        return _timer(row) if row else None

    async def run(self) -> None:
        """Fire what is due, nap until the next due time (at most MAX_NAP); forever
        (supervised: a failure is logged and the loop restarted)."""
        while True:
            self._changed.clear()
            self._wakes_at = None  # looking: whatever is set meanwhile wakes it again
            await self.run_due()
            soonest = await self.soonest()
            now = self._clock.now()
            nap = (
                MAX_NAP
                if soonest is None
                else min(MAX_NAP, max(0.0, (soonest.due_at - now).total_seconds()))
            )
            self._wakes_at = now + timedelta(seconds=nap)
            try:
                await sleep_unless_woken(self._clock, nap, self._changed)
            finally:
                self._wakes_at = None

    async def run_due(self) -> int:
        """Fire every occurrence due by now, in batches; returns how many this process
        fired. Ends: every batch claimed advances or deletes each of its timers, and a
        batch another replica claimed first is simply not seen again."""
        fired = 0
        while True:
            now = self._clock.now()
            async with self._engine.connect() as conn:
                rows = (
                    await conn.execute(
                        select(timers_table.c.feature, timers_table.c.kind)
                        .where((timers_table.c.state == "pending") & (timers_table.c.due_at <= now))
                        .group_by(timers_table.c.feature, timers_table.c.kind)
                    )
                ).all()
            if not rows:
                return fired
            progressed = 0
            for feature, kind in rows:
                done = await self._fire_kind(feature, kind, now)
                fired += done
                progressed += done
            if not progressed:
                return fired  # what is left is claimed by another replica right now

    async def _fire_kind(self, feature: str, kind: str, now: datetime) -> int:
        """Fire the due timers of one kind, a batch at a time; how many fired."""
        fired = 0
        while True:
            try:
                count = await self._batch(feature, kind, now, only=None)
            except Exception:
                # One bad occurrence must not hold back the rest: each again, alone.
                count = await self._one_by_one(feature, kind, now)
            if count is None:
                return fired
            fired += count

    async def _one_by_one(self, feature: str, kind: str, now: datetime) -> int | None:
        async with self._engine.connect() as conn:
            ids = (
                (
                    await conn.execute(
                        select(timers_table.c.id)
                        .where(
                            (timers_table.c.feature == feature)
                            & (timers_table.c.kind == kind)
                            & (timers_table.c.state == "pending")
                            & (timers_table.c.due_at <= now)
                        )
                        .order_by(timers_table.c.due_at, timers_table.c.id)
                        .limit(BATCH)
                    )
                )
                .scalars()
                .all()
            )
        if not ids:
            return None
        fired = 0
        for timer_id in ids:
            try:
                fired += await self._batch(feature, kind, now, only=timer_id) or 0
            except Exception:
                await self._failed(timer_id, now)
        return fired

    async def _batch(self, feature: str, kind: str, now: datetime, only: int | None) -> int | None:
        """One transaction: claim up to BATCH due timers of a kind, run the handler,
        stage its intents, advance or delete every claimed timer. None: nothing due."""
        timed = self._registry.handlers.get((feature, kind))
        async with self._write_turn or contextlib.nullcontext(), self._engine.begin() as conn:
            due = await self._claim(conn, feature, kind, now, only)
            if not due:
                return None
            if timed is None:  # a feature that is gone, or not in this build
                log.error("event=timer_without_handler feature=%s kind=%s", feature, kind)
                results: Mapping[str, TimerResult] = {}
            else:
                state = self._registry.states.get(feature)
                results = await timed.handler(TimerRun(conn, due, now, state))
            intents: list[Intent] = []
            finished: list[int] = []
            moved: list[dict[str, Any]] = []
            for timer in due:
                result = results.get(timer.key)
                if result is not None:
                    intents += result.intents
                if result is None or result.next_due is None:
                    finished.append(timer.id)
                    continue
                next_due = result.next_due
                if next_due <= timer.due_at:
                    # Not after the occurrence it just fired: it would fire again at once,
                    # for ever. Catching up (a later time still past) is fine.
                    log.error(
                        "event=timer_not_advanced feature=%s kind=%s timer_id=%d",
                        feature,
                        kind,
                        timer.id,
                    )
                    next_due = now + RETRY_AFTER
                moved.append({"timer_id": timer.id, "next_due": next_due})
            if moved:  # one executemany, not a statement a timer: a burst is thousands
                await conn.execute(
                    update(timers_table)
                    .where(timers_table.c.id == bindparam("timer_id"))
                    .values(
                        due_at=bindparam("next_due", type_=UTCDateTime()),
                        state="pending",
                        attempts=0,
                    ),
                    moved,
                )
            if finished:
                await conn.execute(delete(timers_table).where(timers_table.c.id.in_(finished)))
            staged = await self._outbox.stage(conn, intents)
        self._outbox.release(staged)
        return len(due)

    async def _claim(
        self, conn: AsyncConnection, feature: str, kind: str, now: datetime, only: int | None
    ) -> list[Timer]:
        """Claim due timers in this transaction. On PostgreSQL rows another replica holds
        are skipped; on SQLite the UPDATE takes the write lock and reads the newest rows,
        so a timer another process fired meanwhile is no longer due."""
        where = (
            (timers_table.c.feature == feature)
            & (timers_table.c.kind == kind)
            & (timers_table.c.state == "pending")
            & (timers_table.c.due_at <= now)
        )
        if only is not None:
            where = where & (timers_table.c.id == only)
        pick = (
            select(timers_table.c.id)
            .where(where)
            .order_by(timers_table.c.due_at, timers_table.c.id)
            .limit(BATCH)
        )
        if conn.dialect.name == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        ids = (await conn.execute(pick)).scalars().all()
        if not ids:
            return []
        # 'claimed' is never committed: the same transaction advances or deletes the row.
        rows = (
            await conn.execute(
                update(timers_table)
                .where(where & timers_table.c.id.in_(ids))
                .values(state="claimed")
                .returning(*timers_table.c)
            )
        ).all()
        return sorted((_timer(r) for r in rows), key=lambda t: (t.due_at, t.id))

    async def _failed(self, timer_id: int, now: datetime) -> None:
        """Log a failing occurrence once and try it again after a growing pause."""
        log.exception("event=timer_failed timer_id=%d", timer_id)
        async with self._write_turn or contextlib.nullcontext(), self._engine.begin() as conn:
            attempts = (
                await conn.execute(
                    select(timers_table.c.attempts).where(timers_table.c.id == timer_id)
                )
            ).scalar()
            if attempts is None:
                return
            pause = min(MAX_RETRY, RETRY_AFTER * (2**attempts))
            await conn.execute(
                update(timers_table)
                .where(timers_table.c.id == timer_id)
                .values(due_at=now + pause, attempts=attempts + 1)
            )


def _timer(row: Any) -> Timer:
    r = row._mapping
    return Timer(r["id"], r["feature"], r["kind"], r["key"], r["due_at"], r["attempts"])
