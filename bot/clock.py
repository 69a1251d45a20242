"""Time as a dependency, so every timing rule can be tested without sleeping."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back, for pacing."""

    async def sleep(self, seconds: float) -> None:
        """Wait; a fake clock advances instead of waiting."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class FakeClock:
    """Virtual time: `sleep` jumps forward instead of waiting, `advance` moves it by hand.

    Concurrent sleepers each wake at their own deadline measured from when they slept, so
    pacing arithmetic comes out exactly as on a real clock, only instantly.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 9, 7, 16, 0, tzinfo=UTC)
        self._mono = 0.0
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float = 0.0, **delta: float) -> None:
        step = seconds + timedelta(**delta).total_seconds()
        self._now += timedelta(seconds=step)
        self._mono += step

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.slept.append(seconds)
        wake = self._mono + seconds
        await asyncio.sleep(0)
        if wake > self._mono:
            self.advance(wake - self._mono)


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
