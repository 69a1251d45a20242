"""Background tasks never die silently: a failure is logged and the task restarts with
backoff, or, after too many failures in a row, the whole bot stops."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.clock import Clock

log = logging.getLogger(__name__)


class Supervisor:
    def __init__(self, clock: Clock, *, max_restarts: int = 5) -> None:
        self._clock = clock
        self._max_restarts = max_restarts
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self.failed = asyncio.Event()

    def run(self, name: str, factory: Callable[[], Awaitable[None]]) -> None:
        """Keep `factory()` running under `name` until stop()."""
        self._tasks[name] = asyncio.get_running_loop().create_task(
            self._keep(name, factory), name=name
        )

    async def _keep(self, name: str, factory: Callable[[], Awaitable[None]]) -> None:
        failures = 0
        while True:
            try:
                await factory()
                log.info("event=task_finished task=%s", name)
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                failures += 1
                log.exception("event=task_failed task=%s failures=%d", name, failures)
                if failures > self._max_restarts:
                    log.critical("event=task_gave_up task=%s; stopping Homeroom", name)
                    self.failed.set()
                    return
                await self._clock.sleep(min(60.0, 2.0**failures))

    async def stop(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        self._tasks.clear()
