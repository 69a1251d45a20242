"""`/healthz` and `/readyz` for a load balancer or an orchestrator, on `HEALTH_PORT`.

- `/healthz` (liveness): 200 while the process's event loop answers and no background
  task has given up; restart the process when it fails.
- `/readyz` (readiness): 200 once Homeroom has started, while the database answers
  within two seconds and every platform it runs is connected; 503 with the reason as
  one line otherwise, and from the moment a stop is asked for (SIGTERM), so the load
  balancer sends nothing more while the replica finishes what it holds.

The server lives in the adapters' layer because it is aiohttp's; the core knows nothing
of HTTP.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from aiohttp import web
from sqlalchemy import text

from adapters.ports import port_problem
from bot.app import Homeroom
from bot.settings import StartFailure

log = logging.getLogger(__name__)

DATABASE_TIMEOUT = 2.0


class Health:
    """Answers the two probes from what the running process knows of itself."""

    def __init__(
        self,
        app: Homeroom,
        platforms: Sequence[object],
        stopping: Callable[[], bool],
    ) -> None:
        self._app = app
        self._platforms = platforms
        self._stopping = stopping
        self.ready = False  # set once every platform has started
        self._runner: web.AppRunner | None = None

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/healthz", self.healthz)
        router.add_get("/readyz", self.readyz)

    async def healthz(self, request: web.Request) -> web.Response:
        if self._app.supervisor.failed.is_set():
            return _no(f"the background task {self._app.supervisor.gave_up} gave up")
        return web.Response(text="ok\n")

    async def readyz(self, request: web.Request) -> web.Response:
        if self._stopping():
            return _no("stopping")
        if not self.ready:
            return _no("starting")
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT):
                async with self._app.db.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
        except Exception as error:  # any failure means "not ready", said in one line
            return _no(f"the database does not answer ({type(error).__name__})")
        for platform in self._platforms:
            connected = getattr(platform, "connected", None)
            if connected is not None and not connected():
                return _no(f"{getattr(platform, 'platform', 'a platform')} is not connected")
        return web.Response(text="ready\n")

    async def serve(self, port: int) -> None:
        """Listen on `port` (all interfaces); a port that cannot be had stops the start."""
        server = web.Application()
        self.add_routes(server.router)
        self._runner = web.AppRunner(server, access_log=None)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, "0.0.0.0", port).start()
        except OSError as error:
            await self._runner.cleanup()
            raise StartFailure(port_problem(port, error, "HEALTH_PORT")) from None
        log.info("event=health_listening port=%d", port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def _no(reason: str) -> web.Response:
    return web.Response(status=503, text=f"not ready: {reason}\n")
