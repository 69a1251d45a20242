"""One platform budget across replicas (PostgreSQL): each live replica paces a
platform's overall limits at its share, and a platform-wide 429 seen by one pauses all.

- Every BEAT each replica writes its heartbeat in `replicas` and counts the replicas
  seen within ALIVE: N. It paces every platform's overall buckets (shared posts and
  private answers) at 1/N of `RateLimits.overall` (and of `private`), bursts included,
  so N replicas together never send faster than the platform allows. A replica that
  dies stops beating and drops out of the count within ALIVE; until then the others
  pace a share too small, never too large. A replica that just started beats before
  it sends anything.
- A 429 whose scope is the whole platform (Discord's global limit) is written to
  `platform_pauses`, and every replica pauses that platform until then at its next
  beat: the replica that got it at once, the others within BEAT.

SQLite has one process: nothing here runs there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock
from bot.storage.tables import platform_pauses, replicas

log = logging.getLogger(__name__)

BEAT = 1.0  # seconds between heartbeats (and looks at the platforms' pauses)
ALIVE = 5.0  # a replica not seen for this long is counted out


class Budget:
    """This replica's heartbeat, the count of live replicas, and the shared pauses."""

    def __init__(self, engine: AsyncEngine, clock: Clock, owner: str) -> None:
        self._engine = engine
        self._clock = clock
        self._owner = owner
        self.replicas = 1
        self.pauses: dict[str, datetime] = {}  # platform -> until when it waits

    async def beat(self) -> int:
        """Write this replica's heartbeat, forget replicas long gone, and read how many
        live and which platforms wait; returns how many replicas live."""
        now = self._clock.now()
        seen = postgresql.insert(replicas).values(owner=self._owner, seen_at=now)
        async with self._engine.begin() as conn:
            await conn.execute(
                seen.on_conflict_do_update(index_elements=[replicas.c.owner], set_={"seen_at": now})
            )
            await conn.execute(
                delete(replicas).where(replicas.c.seen_at < now - timedelta(seconds=ALIVE * 60))
            )
            alive = now - timedelta(seconds=ALIVE)
            count = (
                await conn.execute(
                    select(func.count()).select_from(replicas).where(replicas.c.seen_at > alive)
                )
            ).scalar_one()
            waits = await conn.execute(
                select(platform_pauses.c.platform, platform_pauses.c.until).where(
                    platform_pauses.c.until > now
                )
            )
            self.pauses = {platform: until for platform, until in waits}
        if count != self.replicas:
            log.info("event=replicas_counted replicas=%d", count)
        self.replicas = max(1, int(count))
        return self.replicas

    async def pause(self, platform: str, seconds: float) -> None:
        """Tell every replica that `platform` holds everything for `seconds` from now."""
        until = self._clock.now() + timedelta(seconds=seconds)
        values = postgresql.insert(platform_pauses).values(platform=platform, until=until)
        async with self._engine.begin() as conn:
            await conn.execute(
                values.on_conflict_do_update(
                    index_elements=[platform_pauses.c.platform],
                    set_={"until": func.greatest(platform_pauses.c.until, values.excluded.until)},
                )
            )

    async def leave(self) -> None:
        """A clean stop: counted out at once, so the others take up its share."""
        async with self._engine.begin() as conn:
            await conn.execute(delete(replicas).where(replicas.c.owner == self._owner))

    async def beating(self, apply: Callable[[], None]) -> None:
        """Beat every BEAT and `apply` what it read; runs until cancelled."""
        while True:
            try:
                await self.beat()
            except Exception as error:  # the database blinked: the last count stands
                log.warning("event=heartbeat_failed error=%s", type(error).__name__)
            else:
                apply()
            await self._clock.sleep(BEAT)
