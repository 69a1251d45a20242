"""Time as a dependency, so every timing rule can be tested without sleeping."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

T = TypeVar("T")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back, for pacing."""

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of this clock's time (a fake clock: until a test moves it)."""

    async def linger(self, seconds: float) -> None:
        """A short pause that lets concurrent work gather (a group commit's window); not
        a timer. A fake clock lets every ready task run instead and moves nothing."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    async def linger(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class FakeClock:
    """Virtual time that moves only when a test moves it.

    How tests move time:

    - `advance(seconds, **delta)` moves the clock forward at once (`advance(60)`,
      `advance(days=3)`). Every sleeper whose deadline has come wakes and sees the new
      time; the others keep sleeping.
    - `await run_until(goal, asleep=...)` runs `goal` (an awaitable) and, each time the
      loop has nothing left to run and `asleep()` says everyone is waiting only for time,
      moves the clock to the next sleeper's deadline exactly, so each sleeper sees the
      time it asked for. `bot.testing.run_until(app, goal)` passes the outbox's own test.
    - Nothing else moves it: `sleep` waits for the clock, and a sleep cut short (the
      sleeper cancelled when something else woke its task) leaves the clock where it was,
      so a task woken early sees the time at which it was woken.

    `linger` (a group commit's window) lets every ready task run once and moves nothing.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 9, 7, 16, 0, tzinfo=UTC)
        self._mono = 0.0
        self._order = itertools.count()
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []  # a heap
        self.slept: list[float] = []  # every sleep asked for, in seconds

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float = 0.0, **delta: float) -> None:
        step = seconds + timedelta(**delta).total_seconds()
        if step < 0:
            raise ValueError("a clock never goes back")
        self._now += timedelta(seconds=step)
        self._mono += step
        while self._sleepers and self._sleepers[0][0] <= self._mono:
            _, _, woken = heapq.heappop(self._sleepers)
            if not woken.done():
                woken.set_result(None)

    def next_deadline(self) -> float | None:
        """When the earliest sleeper wakes (on the `monotonic` scale), or None."""
        while self._sleepers and self._sleepers[0][2].done():
            heapq.heappop(self._sleepers)  # cancelled sleepers
        return self._sleepers[0][0] if self._sleepers else None

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.slept.append(seconds)
        if seconds == 0:
            await asyncio.sleep(0)
            return
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._mono + seconds, next(self._order), woken))
        try:
            await woken
        finally:
            woken.cancel()  # cut short: the entry is dropped lazily, time stays put

    async def linger(self, seconds: float) -> None:
        for _ in range(LINGER_TURNS):
            await asyncio.sleep(0)

    async def run_until(
        self, goal: Awaitable[T], *, asleep: Callable[[], bool] = lambda: True
    ) -> T:
        """Await `goal`, moving time to the next deadline whenever everyone is asleep.

        `asleep()` says that nothing but time can move the system on (no network call or
        database write under way); while it is False this waits for that work instead."""
        task = asyncio.ensure_future(goal)
        try:
            while not task.done():
                await _quiesce()
                if task.done():
                    break
                deadline = self.next_deadline()
                if deadline is None or not asleep():
                    # Something other than time is under way (a thread, a socket).
                    await asyncio.wait({task}, timeout=IO_POLL)
                    continue
                self.advance(max(0.0, deadline - self._mono))
            return task.result()
        finally:
            task.cancel()


LINGER_TURNS = 3
IO_POLL = 0.001  # seconds of real time between looks while real I/O is under way


async def sleep_unless_woken(clock: Clock, seconds: float, wake: asyncio.Event) -> None:
    """Sleep `seconds` on `clock`, or less if `wake` is set meanwhile: how a loop waits
    for its next due time yet answers new work at once (the outbox, the timers)."""
    sleeper = asyncio.ensure_future(clock.sleep(seconds))
    waker = asyncio.ensure_future(wake.wait())
    try:
        await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        sleeper.cancel()
        waker.cancel()


async def _quiesce(limit: int = 1000) -> None:
    """Yield until the loop has no callbacks ready to run (or `limit` turns)."""
    loop = asyncio.get_running_loop()
    for _ in range(limit):
        await asyncio.sleep(0)
        if not getattr(loop, "_ready", None):
            return


class ShiftableClock(SystemClock):
    """Real time, which the console can move forward (`:next`) to show what a week
    brings without waiting a week. Sleeping still takes real time."""

    def __init__(self) -> None:
        self._offset = 0.0

    def now(self) -> datetime:
        return super().now() + timedelta(seconds=self._offset)

    def monotonic(self) -> float:
        return super().monotonic() + self._offset

    def shift(self, seconds: float) -> None:
        self._offset += max(0.0, seconds)
