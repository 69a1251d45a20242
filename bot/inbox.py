"""Acknowledged means kept: every event an adapter acknowledges is handled exactly once,
even if the process is killed or the database fails right after the acknowledgement.

The order, for each inbound event an adapter receives:

1. `keep(platform, id, payload)`: the event's ID and the platform's payload are
   committed (bot.dedupe, one group commit). Only then does the adapter acknowledge
   (Slack `ack()`, Discord's response or deferral). If the commit fails it does not
   acknowledge, and the platform's retry is accepted.
2. `work(...)`: the adapter's translation (which may look the member up) and the core;
   then, in ONE transaction, the answer is staged in the outbox and the event marked
   handled, its payload dropped. A kill before that commit leaves the event kept, a kill
   after it leaves its answer in the outbox: neither loses it nor answers it twice.
3. `replay()`, on start and every minute under the supervisor: kept events still
   unhandled go through the adapter's `replay` (its translation of the stored payload)
   and step 2 again. An answer goes by what still works without the original
   interaction (a DM, an ephemeral message). After MAX_ATTEMPTS attempts an event is
   logged at ERROR, by its ID only, and dropped.

A database error while handling (`Unavailable`, raised by the core) leaves the event
kept and unhandled: it is handled once the database is back, not answered with an
apology. What stays open: an event whose handler committed its own writes (a stored
suggestion) but was killed before step 2's commit, a window of about a millisecond, is
handled again on replay; the handlers' own writes do not share step 2's transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.clock import Clock
from bot.core import Core
from bot.dedupe import InboundDedupe, mark_handled
from bot.events import Event
from bot.intents import Intent
from bot.outbox import Outbox
from bot.storage.backlog import Backlog
from bot.storage.batcher import Batcher
from bot.unavailable import Unavailable, is_transient

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
EVERY = 60.0  # seconds between passes over kept, unhandled events
# On a shared database (replicas) an event is left to the replica handling it for this
# long before another one takes it over; on SQLite there is one process, which knows
# what it is handling.
LEASE = 120.0
PASS_LIMIT = 1000
STOP_WAIT = 5.0  # seconds `stop` lets events being handled finish

Translate = Callable[[], Awaitable[Sequence[Event]]]
Replay = Callable[[str], Awaitable[Sequence[Event]]]
_Done = tuple[str, str, Sequence[Intent]]


class Inbox:
    def __init__(
        self,
        dedupe: InboundDedupe,
        core: Core,
        outbox: Outbox,
        engine: AsyncEngine,
        clock: Clock,
        write_turn: asyncio.Lock | None = None,
        *,
        shared: bool = False,
        backlog: Backlog | None = None,
    ) -> None:
        self._dedupe = dedupe
        self._core = core
        self._outbox = outbox
        self._clock = clock
        self._lease = LEASE if shared else 0.0
        self._backlog = backlog or Backlog(10**9)
        self._finishes: Batcher[_Done, list[Any]] = Batcher(
            engine, self._write_done, "inbox_done", clock, write_turn, backlog=backlog
        )
        self._in_hand: set[tuple[str, str]] = set()  # being handled by this process
        self._keeping: dict[tuple[str, str], asyncio.Future[bool]] = {}  # commits under way
        self._tasks: set[asyncio.Task[None]] = set()
        # Each adapter's translation of a payload it kept, by platform (Homeroom.attach).
        self.replayers: dict[str, Replay] = {}

    async def keep(self, platform: str, event_id: str, payload: str) -> bool:
        """Commit the event before the adapter acknowledges it (see bot.dedupe.keep).

        True: kept now; acknowledge, then `work` (or `spawn`). False: a redelivery;
        acknowledge and do nothing. Raises `Unavailable`: not kept; do not acknowledge."""
        key = (platform, event_id)
        if (keeping := self._keeping.get(key)) is not None:
            # A redelivery while the first delivery's commit is under way: acknowledged
            # only once that commit stands (if it fails, this raises too).
            await asyncio.shield(keeping)
            return False
        if key in self._in_hand:
            return False  # a redelivery while this process handles it
        self._in_hand.add(key)
        keeping = self._keeping[key] = asyncio.get_running_loop().create_future()
        keeping.add_done_callback(_consume)
        try:
            new = await self._dedupe.keep(platform, event_id, payload)
        except BaseException as error:
            self._in_hand.discard(key)
            keeping.set_exception(Unavailable(f"could not keep {platform} event {event_id}"))
            raise error
        finally:
            del self._keeping[key]
        keeping.set_result(new)
        if not new:
            self._in_hand.discard(key)
        return new

    def spawn(self, platform: str, event_id: str, translate: Translate) -> None:
        """`work` in the background, so the acknowledgement goes out meanwhile."""
        task = asyncio.get_running_loop().create_task(self._work(platform, event_id, translate))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _work(self, platform: str, event_id: str, translate: Translate) -> None:
        await self.work(platform, event_id, translate)

    async def work(self, platform: str, event_id: str, translate: Translate) -> list[Intent] | None:
        """Handle a kept event: translate it, dispatch it, then stage its answer and mark
        it handled in one transaction. Returns the answer, or None when the event was
        left kept for a later pass (logged here, once)."""
        key = (platform, event_id)
        try:
            intents: list[Intent] = []
            async with self._backlog.room():  # backpressure: bot.storage.backlog
                for event in await translate():
                    intents += await self._core.dispatch(event, kept=True)
            staged = await self._finishes.write((platform, event_id, intents))
        except asyncio.CancelledError:
            raise
        except Exception as error:
            if is_transient(error):
                log.warning(
                    "event=inbound_deferred platform=%s event_id=%s error=%s; kept for a "
                    "later pass",
                    platform,
                    event_id,
                    type(error.__cause__ or error).__name__,
                )
            else:
                log.exception("event=inbound_failed platform=%s event_id=%s", platform, event_id)
            return None
        finally:
            self._in_hand.discard(key)
        self._outbox.release(staged)
        return intents

    async def _write_done(self, conn: AsyncConnection, done: Sequence[_Done]) -> list[list[Any]]:
        staged = await self._outbox.stage(conn, [i for _, _, intents in done for i in intents])
        await mark_handled(conn, [(p, e) for p, e, _ in done], self._clock.now())
        split, start = [], 0
        for _, _, intents in done:
            split.append(staged[start : start + len(intents)])
            start += len(intents)
        return split

    async def replay(self) -> int:
        """Handle kept events nobody is handling; returns how many were handled."""
        handled = 0
        waiting = await self._dedupe.waiting(idle_for=self._lease, limit=PASS_LIMIT)
        for platform, event_id, attempts in waiting:
            key = (platform, event_id)
            replayer = self.replayers.get(platform)
            if replayer is None or key in self._in_hand:
                continue  # its adapter is not running here, or it is being handled
            if attempts >= MAX_ATTEMPTS:
                await self._dedupe.give_up(platform, event_id)
                log.error(
                    "event=inbound_gave_up platform=%s event_id=%s attempts=%d",
                    platform,
                    event_id,
                    attempts,
                )
                continue
            self._in_hand.add(key)
            try:
                payload = await self._dedupe.retake(
                    platform, event_id, attempts, idle_for=self._lease
                )
            except BaseException:
                self._in_hand.discard(key)
                raise
            if payload is None:
                self._in_hand.discard(key)
                continue
            log.info(
                "event=inbound_replayed platform=%s event_id=%s attempt=%d",
                platform,
                event_id,
                attempts + 1,
            )
            if await self.work(platform, event_id, _bind(replayer, payload)) is not None:
                handled += 1
        return handled

    async def run(self) -> None:
        """Replay now (on start), then every EVERY seconds. A pass that fails (the
        database is down) is one line; the next pass tries again."""
        while True:
            try:
                await self.replay()
            except Exception as error:
                log.warning("event=inbox_pass_failed error=%s", type(error).__name__)
            await self._clock.sleep(EVERY)

    async def settled(self) -> None:
        """Until every event handed to `spawn` so far has been handled or left kept."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def stop(self) -> None:
        """Let events being handled finish (briefly), then write what is queued."""
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=STOP_WAIT)
            for task in late:
                task.cancel()  # still kept: handled on the next start
            for task in late:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self._finishes.drain()


def _consume(future: asyncio.Future[bool]) -> None:
    # Read by whoever waits on it, if anyone; the failure itself is raised and logged
    # by the first delivery's keep.
    if not future.cancelled():
        future.exception()


def _bind(replayer: Replay, payload: str) -> Translate:
    async def translate() -> Sequence[Event]:
        return await replayer(payload)

    return translate
