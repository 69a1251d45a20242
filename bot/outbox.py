"""Every outbound intent is persisted, then delivered at the pace the platform allows.

Order of events for one intent: `submit` queues it; a group commit writes it to the
`outbox` table; only then is it handed to the adapter; the result (sent, retry later,
failed) is committed before that channel's next message goes. So a crash or stop at any
point resumes from the table: nothing is lost, and nothing already marked sent is sent
again. (A hard kill in the ~1 ms between a platform's answer and our commit can repeat
that one message.)

Leases: a pending row names the process that may send it (`lease_owner`, made at start)
and until when (`lease_until`). Rows a process writes are leased to it at once; it renews
its leases well before they run out (one UPDATE every LEASE/3), and at start and every
LEASE takes only rows with no live lease: those a stopped process released, or whose
process died (its lease ran out). So a second process started while the first still
sends (a deploy) sends none of the first's rows while it lives. A clean stop releases
this process's leases on the rows it did not send, for the next process to take at once.

Pacing: one token bucket per channel ("lane") and one per platform, from the limits the
adapter declares. A 429 pauses what its scope says (see `RetryAfter`) for exactly its
Retry-After: the lane; or every lane of that community in the same class (shared posts
or private answers); or every lane of the platform, both classes. Nothing held by a
pause starts before it ends (sends already under way finish). Other
errors back off exponentially; after MAX_ATTEMPTS the row is marked failed and logged
at ERROR with its IDs, never dropped silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.clock import Clock
from bot.delivery import Deliverer, PermanentFailure, RetryAfter
from bot.intents import (
    Intent,
    community_of,
    intent_from_json,
    intent_to_json,
    is_private,
    keeps_copy,
    lane_of,
    platform_of,
)
from bot.pacing import TokenBucket
from bot.storage.batcher import Batcher
from bot.storage.tables import outbox

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
MAX_BACKOFF = 300.0
KEEP_SENT = timedelta(days=2)
LEASE = 60.0  # seconds a process holds its pending rows without renewing
RENEW_EVERY = LEASE / 3  # a renewal that fails once still leaves a third of the lease


@dataclass(slots=True)
class _Item:
    id: int
    intent: Intent
    attempts: int = 0
    not_before: float = 0.0


@dataclass(slots=True)
class _Lane:
    key: str
    platform: str
    community: str
    private: bool
    bucket: TokenBucket
    queue: deque[_Item] = field(default_factory=deque)
    busy: bool = False


class Outbox:
    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        *,
        concurrency: int = 32,
        write_turn: asyncio.Lock | None = None,
    ) -> None:
        self._engine = engine
        self._clock = clock
        # This process among all that share the table: its leases carry this name.
        self.owner = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"
        self._leasing = 0  # lease queries under way (work that `asleep` waits for)
        self._write_turn = write_turn
        self._concurrency = concurrency
        self._deliverers: dict[str, Deliverer] = {}
        self._overall: dict[tuple[str, bool], TokenBucket] = {}  # (platform, private)
        # (platform, community, private): made at a community's first 429, to pause it and
        # then let it start again from one message at the platform's rate (not a burst
        # that earns the next 429). Same rate and burst as the platform's: once refilled
        # it holds nothing back. One per community ever limited: a few, kept.
        self._community: dict[tuple[str, str, bool], TokenBucket] = {}
        self._lanes: dict[str, _Lane] = {}
        self._ready: dict[str, None] = {}  # lanes with work and nothing in flight, in turn
        self._in_flight: set[asyncio.Task[None]] = set()  # sends under way
        # Sends under way per class (private answers, shared posts): each class has its
        # own `concurrency` slots, so a fan-out never makes a member's answer wait.
        self._busy = {True: 0, False: 0}
        self._wake = asyncio.Event()
        self._napping = False  # the loop waits for the clock (a pace, a Retry-After)
        # Rows this process holds in a lane or is sending: `resume` and a late `_persisted`
        # callback must never queue one of them a second time.
        self._held: set[int] = set()
        self._outstanding = 0
        self._idle = asyncio.Event()
        self._idle.set()
        # Private answers are written apart from shared posts, so a fan-out of a
        # thousand rows never makes a member's answer wait for its transactions.
        self._inserts: dict[bool, Batcher[tuple[str, str, str], int]] = {
            private: Batcher(engine, self._insert, f"outbox_{kind}", clock, write_turn)
            for private, kind in ((True, "private"), (False, "shared"))
        }
        self._marks: Batcher[dict[str, Any], None] = Batcher(
            engine, _mark, "outbox_marks", clock, write_turn
        )
        self.sent_count = 0
        # Told of each delivered intent and the platform's ID for it (e.g. the message a
        # prompt's discussion thread hangs from). A failing listener is logged.
        self.on_delivered: list[Callable[[Intent, str | None], Awaitable[None]]] = []

    def register(self, deliverer: Deliverer) -> None:
        self._deliverers[deliverer.platform] = deliverer
        limits = deliverer.limits
        shared = TokenBucket(limits.overall, limits.overall_burst, self._clock)
        private = TokenBucket(limits.private, limits.private_burst, self._clock)
        self._overall[(deliverer.platform, False)] = shared
        self._overall[(deliverer.platform, True)] = private

    def submit(self, intents: Sequence[Intent]) -> None:
        """Queue intents for delivery without waiting; they are persisted first."""
        for intent in intents:
            self._outstanding += 1
            self._idle.clear()
            row = (platform_of(intent), lane_of(intent), intent_to_json(intent))
            self._inserts[is_private(intent)].submit(row, partial(self._persisted, intent))

    async def stage(self, conn: AsyncConnection, intents: Sequence[Intent]) -> list[_Item]:
        """Write intents inside the caller's transaction; `release` them after it commits.

        For work whose record and message must stand or fall together (a prompt's claim
        and its post): a crash after the commit leaves the rows for `resume`."""
        rows = [(platform_of(i), lane_of(i), intent_to_json(i)) for i in intents]
        ids = await self._insert(conn, rows) if rows else []
        return [_Item(row_id, intent) for row_id, intent in zip(ids, intents, strict=True)]

    def release(self, items: Sequence[_Item]) -> None:
        """Deliver intents staged in a transaction that has now committed."""
        for item in items:
            self._outstanding += 1
            self._idle.clear()
            self._enqueue(item)

    def _persisted(self, intent: Intent, row_id: asyncio.Future[int]) -> None:
        if row_id.cancelled() or row_id.exception() is not None:
            self._finished()  # the batcher logged the failed write with its size
            return
        self._enqueue(_Item(row_id.result(), intent))

    async def _insert(
        self, conn: AsyncConnection, rows: Sequence[tuple[str, str, str]]
    ) -> list[int]:
        now = self._clock.now()
        result = await conn.execute(
            insert(outbox).returning(outbox.c.id, sort_by_parameter_order=True),
            [
                {
                    "platform": platform,
                    "lane": lane,
                    "payload": payload,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "lease_owner": self.owner,  # ours from the start: no one else takes it
                    "lease_until": now + timedelta(seconds=LEASE),
                }
                for platform, lane, payload in rows
            ],
        )
        return list(result.scalars().all())

    def _enqueue(self, item: _Item) -> None:
        if item.id in self._held:
            self._finished()  # `resume` read the row first; it is counted there
            return
        self._held.add(item.id)
        key = lane_of(item.intent)
        lane = self._lanes.get(key)
        if lane is None:
            platform = platform_of(item.intent)
            private = is_private(item.intent)
            limits = self._deliverers[platform].limits if platform in self._deliverers else None
            if limits is None:
                rate, burst = 1.0, 1
            elif private:  # one member's answers: only the platform's private limit applies
                rate, burst = limits.private, limits.private_burst
            else:
                rate, burst = limits.per_channel, limits.per_channel_burst
            bucket = TokenBucket(rate, burst, self._clock)
            community = community_of(item.intent)
            lane = self._lanes[key] = _Lane(key, platform, community, private, bucket)
        lane.queue.append(item)
        if not lane.busy:
            self._ready[key] = None
        self._wake.set()

    async def purge_sent(self) -> int:
        """Drop rows delivered more than KEEP_SENT ago; returns how many went."""
        cutoff = self._clock.now() - KEEP_SENT
        async with self._engine.begin() as conn:
            result = await conn.execute(
                delete(outbox).where((outbox.c.status == "sent") & (outbox.c.sent_at < cutoff))
            )
        return int(result.rowcount or 0)

    async def resume(self, *, purge: bool = True) -> int:
        """Claim and queue the pending rows no live process holds (a previous run left
        them, or a process that died); returns how many. Run at start (which also purges
        old sent rows) and every LEASE."""
        if purge:
            await self.purge_sent()
        now = self._clock.now()
        rows = await self._claim()
        resumed = 0
        for row_id, payload, attempts, next_at in rows:
            if row_id in self._held:
                continue  # submitted by this process before start: already queued
            self._outstanding += 1
            self._idle.clear()
            wait = max(0.0, (next_at - now).total_seconds())
            self._enqueue(
                _Item(row_id, intent_from_json(payload), attempts, self._clock.monotonic() + wait)
            )
            resumed += 1
        if resumed:
            log.info("event=outbox_resumed pending=%d", resumed)
        return resumed

    async def _claim(self) -> list[Any]:
        """Lease to this process every pending row whose lease is gone (or already ours),
        in one UPDATE; the rows, oldest first. On PostgreSQL, rows another process is
        claiming or renewing at this moment are skipped, not waited for."""
        now = self._clock.now()
        free = (outbox.c.status == "pending") & (
            outbox.c.lease_owner.is_(None)
            | (outbox.c.lease_until <= now)
            | (outbox.c.lease_owner == self.owner)
        )
        claimable = select(outbox.c.id).where(free).with_for_update(skip_locked=True)
        claim = (
            update(outbox)
            .where(outbox.c.id.in_(claimable) & free)
            .values(lease_owner=self.owner, lease_until=now + timedelta(seconds=LEASE))
            .returning(outbox.c.id, outbox.c.payload, outbox.c.attempts, outbox.c.next_attempt_at)
        )
        async with self._lease_query() as conn:
            rows = (await conn.execute(claim)).all()
        return sorted(rows, key=lambda row: int(row[0]))

    async def renew_leases(self) -> int:
        """Extend this process's leases on its pending rows (one UPDATE); how many."""
        until = self._clock.now() + timedelta(seconds=LEASE)
        async with self._lease_query() as conn:
            result = await conn.execute(
                update(outbox)
                .where((outbox.c.lease_owner == self.owner) & (outbox.c.status == "pending"))
                .values(lease_until=until)
            )
        return int(result.rowcount or 0)

    async def release_leases(self) -> int:
        """Give up this process's leases on rows it did not send (a clean stop), so the
        next process takes them at once instead of after the lease; how many."""
        async with self._lease_query() as conn:
            result = await conn.execute(
                update(outbox)
                .where((outbox.c.lease_owner == self.owner) & (outbox.c.status == "pending"))
                .values(lease_owner=None, lease_until=None)
            )
        released = int(result.rowcount or 0)
        if released:
            log.info("event=outbox_leases_released pending=%d", released)
        return released

    @contextlib.asynccontextmanager
    async def _lease_query(self) -> AsyncIterator[AsyncConnection]:
        self._leasing += 1
        try:
            async with self._write_turn or contextlib.nullcontext(), self._engine.begin() as conn:
                yield conn
        finally:
            self._leasing -= 1

    async def renewing(self) -> None:
        """Renew this process's leases every RENEW_EVERY; runs until cancelled (under
        the supervisor)."""
        while True:
            await self._clock.sleep(RENEW_EVERY)
            await self.renew_leases()

    async def reclaiming(self) -> None:
        """Every LEASE, take over the rows whose process died (their lease ran out) or
        stopped (released them); runs until cancelled (under the supervisor)."""
        while True:
            await self._clock.sleep(LEASE)
            await self.resume(purge=False)  # purging is housekeeping's, hourly

    async def run(self) -> None:
        """The delivery loop; runs until cancelled (under the supervisor)."""
        while True:
            self._wake.clear()
            wait = self._start_ready()
            if wait is None:
                await self._wake.wait()
            else:
                self._napping = True
                try:
                    await self._sleep_or_wake(wait)
                finally:
                    self._napping = False

    def asleep(self) -> bool:
        """True when only time can move delivery on: the loop waits for the clock, and no
        send, write or newly ready work is under way (what a test's clock waits for)."""
        return (
            self._napping
            and not self._wake.is_set()
            and not self._in_flight
            and not self._leasing
            and not self._marks.pending()
            and not any(inserts.pending() for inserts in self._inserts.values())
        )

    async def _sleep_or_wake(self, seconds: float) -> None:
        sleeper = asyncio.ensure_future(self._clock.sleep(seconds))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            waker.cancel()

    def _start_ready(self) -> float | None:
        """Start every send the limits allow now; return how long until the next may go."""
        soonest: float | None = None
        now = self._clock.monotonic()
        for key in list(self._ready):
            lane = self._lanes[key]
            if not lane.queue:
                del self._ready[key]
                continue
            if self._busy[lane.private] >= self._concurrency:
                continue  # a finishing send sets _wake
            deliverer = self._deliverers.get(lane.platform)
            if deliverer is None:
                continue  # its adapter is not running; the rows wait in the table
            overall = self._overall[(lane.platform, lane.private)]
            community = self._community.get((lane.platform, lane.community, lane.private))
            delay = max(
                lane.queue[0].not_before - now,
                lane.bucket.delay(),
                overall.delay(),
                0.0 if community is None else community.delay(),
            )
            if delay > 0:
                soonest = delay if soonest is None else min(soonest, delay)
                continue
            lane.bucket.take()
            overall.take()
            if community is not None:
                community.take()
            lane.busy = True
            del self._ready[key]
            self._busy[lane.private] += 1
            send = asyncio.get_running_loop().create_task(self._deliver_and_record(lane, deliverer))
            self._in_flight.add(send)
            send.add_done_callback(partial(self._send_done, lane))
            # Whoever cancels a send (a shutdown cancelling every task) cancels only this
            # shielded wrapper: the send itself runs on to the platform's answer and our
            # record of it, and `stop` waits for it, so it is neither lost nor repeated.
            asyncio.get_running_loop().create_task(self._send(send))
        return soonest

    def _send_done(self, lane: _Lane, send: asyncio.Task[None]) -> None:
        # The lane is free, and the loop woken, only once the send is recorded and counted
        # out: waking it earlier lets it see itself still at the concurrency limit and
        # sleep for good, and freeing the lane earlier would send its head row again.
        self._in_flight.discard(send)
        self._busy[lane.private] -= 1
        lane.busy = False
        if lane.queue:
            self._ready[lane.key] = None
        self._wake.set()

    @staticmethod
    async def _send(send: asyncio.Task[None]) -> None:
        await asyncio.shield(send)

    async def _deliver_and_record(self, lane: _Lane, deliverer: Deliverer) -> None:
        item = lane.queue[0]
        item.attempts += 1
        mark: dict[str, Any] = {"row_id": item.id, "attempts": item.attempts}
        try:
            delivered_id = await deliverer.deliver(item.intent)
        except RetryAfter as wait:
            item.attempts -= 1  # being told to wait is not a failure
            self._pause(lane, wait)
            item.not_before = self._clock.monotonic() + wait.seconds
            log.info(
                "event=rate_limited outbox_id=%d lane=%s retry_after=%.3f scope=%s",
                item.id,
                lane.key,
                wait.seconds,
                wait.scope,
            )
            return
        except PermanentFailure as failure:
            mark |= _failed(str(failure), self._clock.now())
            log.error(
                "event=delivery_failed outbox_id=%d lane=%s kind=%s permanent=true error=%s",
                item.id,
                lane.key,
                item.intent.kind,
                failure,
            )
        except Exception as error:
            if item.attempts >= MAX_ATTEMPTS:
                mark |= _failed(repr(error), self._clock.now())
                log.error(
                    "event=delivery_failed outbox_id=%d lane=%s kind=%s attempts=%d error=%r",
                    item.id,
                    lane.key,
                    item.intent.kind,
                    item.attempts,
                    error,
                )
            else:
                backoff = min(MAX_BACKOFF, 2.0 ** (item.attempts - 1))
                item.not_before = self._clock.monotonic() + backoff
                mark |= {
                    "status": "pending",
                    "sent_at": None,
                    "delivered_id": None,
                    "next_attempt_at": self._clock.now() + timedelta(seconds=backoff),
                    "last_error": repr(error)[:500],
                }
                log.warning(
                    "event=delivery_retry outbox_id=%d lane=%s attempt=%d backoff=%.1f error=%r",
                    item.id,
                    lane.key,
                    item.attempts,
                    backoff,
                    error,
                )
                await self._marks.write(mark)
                return
        else:
            mark |= {
                "status": "sent",
                "sent_at": self._clock.now(),
                "delivered_id": delivered_id,
                "next_attempt_at": self._clock.now(),
                "last_error": None,
            }
            self.sent_count += 1
        await self._marks.write(mark)
        lane.queue.popleft()
        if not keeps_copy(item.intent):
            await self._forget(item.id)
        self._held.discard(item.id)
        if mark.get("status") == "sent":
            await self._tell_listeners(item.intent, mark.get("delivered_id"))
        self._finished()

    def _pause(self, lane: _Lane, wait: RetryAfter) -> None:
        """Hold what the 429's scope covers for exactly its Retry-After."""
        if wait.scope == "platform":  # every channel and answer of the platform waits
            for private in (False, True):
                self._overall[(lane.platform, private)].pause(wait.seconds)
        elif wait.scope == "community":
            key = (lane.platform, lane.community, lane.private)
            if key not in self._community:
                limits = self._deliverers[lane.platform].limits
                rate, burst = (
                    (limits.private, limits.private_burst)
                    if lane.private
                    else (limits.overall, limits.overall_burst)
                )
                self._community[key] = TokenBucket(rate, burst, self._clock)
            self._community[key].pause(wait.seconds)
        else:
            lane.bucket.pause(wait.seconds)

    async def _forget(self, row_id: int) -> None:
        """Delete a settled row at once: its copy must not outlive its delivery."""
        async with self._write_turn or contextlib.nullcontext(), self._engine.begin() as conn:
            await conn.execute(delete(outbox).where(outbox.c.id == row_id))

    async def _tell_listeners(self, intent: Intent, delivered_id: str | None) -> None:
        for listener in self.on_delivered:
            try:
                await listener(intent, delivered_id)
            except Exception:
                log.exception(
                    "event=delivery_listener_failed kind=%s delivered_id=%s",
                    intent.kind,
                    delivered_id,
                )

    def _finished(self) -> None:
        self._outstanding -= 1
        if self._outstanding == 0:
            self._idle.set()

    async def persisted(self) -> None:
        """Wait until everything submitted so far is in the table (not yet delivered)."""
        for inserts in self._inserts.values():
            await inserts.drain()

    async def idle(self) -> None:
        """Wait until everything submitted so far is delivered or has failed."""
        await self._idle.wait()

    async def stop(self) -> None:
        """After the loop is cancelled: sends under way finish and are recorded, then the
        rows not sent are released for the next process."""
        await self.persisted()
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)
        await self._marks.drain()
        try:
            await self.release_leases()
        except Exception as error:  # the database went away: the leases run out alone
            log.warning(
                "event=outbox_leases_not_released error=%r; another process takes the "
                "rows when they run out (within %.0fs)",
                error,
                LEASE,
            )


def _failed(error: str, now: datetime) -> dict[str, Any]:
    return {
        "status": "failed",
        "sent_at": None,
        "delivered_id": None,
        "last_error": error[:500],
        "next_attempt_at": now,
    }


async def _mark(conn: AsyncConnection, marks: Sequence[dict[str, Any]]) -> list[None]:
    statement = (
        update(outbox)
        .where(outbox.c.id == bindparam("row_id"))
        .values(
            status=bindparam("new_status"),
            attempts=bindparam("new_attempts"),
            sent_at=bindparam("new_sent_at"),
            delivered_id=bindparam("new_delivered_id"),
            next_attempt_at=bindparam("new_next_attempt_at"),
            last_error=bindparam("new_last_error"),
        )
    )
    # Bound names may not repeat column names in an UPDATE's SET clause.
    rows = [
        {"row_id": m["row_id"], **{f"new_{k}": v for k, v in m.items() if k != "row_id"}}
        for m in marks
    ]
    await conn.execute(statement, rows)
    return [None] * len(marks)
