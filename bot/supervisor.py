"""Background tasks never die silently: a failure is logged and the task restarts with
backoff; only a task that keeps failing is given up, and that stops the whole bot.

Failures are counted within a sliding window, and a long healthy run forgets the ones
before it: a task that fails once a day is restarted every day, for ever, while one that
fails more than MAX_FAILURES times within WINDOW is given up (one ERROR line naming it)
and `homeroom run` exits non-zero, so that a process manager starts it afresh.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

from bot.clock import Clock

log = logging.getLogger(__name__)

MAX_FAILURES = 5  # more failures than this within WINDOW gives the task up
WINDOW = 600.0  # seconds
HEALTHY_RUN = 300.0  # seconds of running without failing that forget earlier failures
FIRST_BACKOFF = 1.0  # seconds before the first restart; doubles with each failure
MAX_BACKOFF = 60.0


class Supervisor:
    def __init__(
        self,
        clock: Clock,
        *,
        max_failures: int = MAX_FAILURES,
        window: float = WINDOW,
        healthy_run: float = HEALTHY_RUN,
    ) -> None:
        self._clock = clock
        self._max_failures = max_failures
        self._window = window
        self._healthy_run = healthy_run
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self.failed = asyncio.Event()
        self.gave_up: str | None = None  # the task given up on, for `homeroom run` to name

    def run(self, name: str, factory: Callable[[], Awaitable[None]]) -> None:
        """Keep `factory()` running under `name` until stop()."""
        self._tasks[name] = asyncio.get_running_loop().create_task(
            self._keep(name, factory), name=name
        )

    async def _keep(self, name: str, factory: Callable[[], Awaitable[None]]) -> None:
        failures: deque[float] = deque()  # when each recent failure happened (monotonic)
        while True:
            started = self._clock.monotonic()
            try:
                await factory()
                log.info("event=task_finished task=%s", name)
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                now = self._clock.monotonic()
                if now - started >= self._healthy_run:
                    failures.clear()  # it ran well for long: what came before is forgiven
                while failures and failures[0] <= now - self._window:
                    failures.popleft()
                failures.append(now)
                # A restarted task that fails again is a warning; giving up is the error.
                log.warning(
                    "event=task_failed task=%s failures_in_window=%d",
                    name,
                    len(failures),
                    exc_info=True,
                )
                if len(failures) > self._max_failures:
                    log.error(
                        "event=task_gave_up task=%s failures=%d within_s=%.0f; stopping Homeroom",
                        name,
                        len(failures),
                        self._window,
                    )
                    self.gave_up = name
                    self.failed.set()
                    return
                await self._clock.sleep(
                    min(MAX_BACKOFF, FIRST_BACKOFF * 2.0 ** (len(failures) - 1))
                )

    async def stop(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        self._tasks.clear()
