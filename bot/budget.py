"""One platform budget across replicas (PostgreSQL): each live replica paces a
platform's overall limits at its share, and a platform-wide 429 seen by one pauses all.

- Every BEAT each replica writes its heartbeat in `replicas`, with how many rows it
  holds to send, and reads every live replica's (seen within ALIVE). Its share of each
  platform's overall limits (shared posts and private answers, bursts included) is
  (its rows + 1) / (all rows + N): the shares of N replicas add up to one, a replica
  with the fan-out gets most of the rate instead of a third of it while the others
  idle, and an idle replica keeps a little, so a member's answer never waits a beat.
  With nothing waiting anywhere that is 1/N.
- Each replica's row also holds the share it paces at. Beats run one after another
  (a transaction-level advisory lock), and takes at most what the others'
  shares leave: a share shrinks at once and grows only into room another has given
  up, so the shares in force never add up to more than one, and the replicas together
  never send faster than the platform allows. A replica that starts takes what room
  there is (perhaps none until the others' next beats), and sends nothing for its
  first BEAT (`Outbox.join`). A replica that dies stops beating; its share is freed
  once it has not been seen for ALIVE (it sends nothing meanwhile).
- A 429 whose scope is the whole platform (Discord's global limit) is written to
  `platform_pauses`, and every replica pauses that platform until then at its next
  beat: the replica that got it at once, the others within BEAT.

SQLite has one process: nothing here runs there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock
from bot.storage.tables import platform_pauses, replicas

log = logging.getLogger(__name__)

BEAT = 1.0  # seconds between heartbeats (and looks at the platforms' pauses)
ALIVE = 5.0  # a replica not seen for this long is counted out
BEAT_LOCK = 0x486F6D6572  # the advisory lock beats take turns by ("Homer")
FORGET = 3600.0  # a replica's row is deleted this long after it was last seen


class Budget:
    """This replica's heartbeat, its share of the platforms' limits, and the pauses."""

    def __init__(self, engine: AsyncEngine, clock: Clock, owner: str) -> None:
        self._engine = engine
        self._clock = clock
        self._owner = owner
        self.replicas = 1
        self.share = 1.0  # the fraction of each platform's overall limits this one paces
        self.pauses: dict[str, datetime] = {}  # platform -> until when it waits

    async def beat(self, waiting: int = 0) -> float:
        """Write this replica's heartbeat and its `waiting` rows, forget replicas long
        gone, read every live replica's rows and which platforms wait; returns the
        share to pace at now."""
        from sqlalchemy.dialects import postgresql  # replicas share PostgreSQL only

        now = self._clock.now()
        seen = postgresql.insert(replicas).values(
            owner=self._owner, seen_at=now, waiting=waiting, share=0.0
        )
        async with self._engine.begin() as conn:
            # One beat at a time, across replicas: each sees the shares in force.
            await conn.execute(select(func.pg_advisory_xact_lock(BEAT_LOCK)))
            await conn.execute(
                seen.on_conflict_do_update(
                    index_elements=[replicas.c.owner], set_={"seen_at": now, "waiting": waiting}
                )
            )
            alive = now - timedelta(seconds=ALIVE)
            live = (
                await conn.execute(
                    select(replicas.c.owner, replicas.c.waiting, replicas.c.share).where(
                        replicas.c.seen_at > alive
                    )
                )
            ).all()
            counts = [int(w) for _, w, _ in live]
            others = sum(float(s) for owner, _, s in live if owner != self._owner)
            wanted = (waiting + 1) / (sum(counts) + len(counts))
            self.share = max(0.0, min(wanted, 1.0 - others))
            await conn.execute(
                update(replicas).where(replicas.c.owner == self._owner).values(share=self.share)
            )
            await conn.execute(
                delete(replicas).where(replicas.c.seen_at < now - timedelta(seconds=FORGET))
            )
            waits = await conn.execute(
                select(platform_pauses.c.platform, platform_pauses.c.until).where(
                    platform_pauses.c.until > now
                )
            )
            self.pauses = {platform: until for platform, until in waits}
        count = max(1, len(counts))
        if count != self.replicas:
            log.info("event=replicas_counted replicas=%d", count)
        self.replicas = count
        return self.share

    async def pause(self, platform: str, seconds: float) -> None:
        """Tell every replica that `platform` holds everything for `seconds` from now."""
        from sqlalchemy.dialects import postgresql

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

    async def beating(self, waiting: Callable[[], int], apply: Callable[[], None]) -> None:
        """Beat every BEAT with `waiting()` rows and `apply` what it read; runs until
        cancelled."""
        while True:
            try:
                await self.beat(waiting())
            except Exception as error:  # the database blinked: the last share stands
                log.warning("event=heartbeat_failed error=%r", error)
            else:
                apply()
            await self._clock.sleep(BEAT)
