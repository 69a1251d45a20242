"""Inbound de-duplication: a platform's redelivery of one event has one effect.

Slack redelivers an event it thinks we missed (at once, after 1 and after 5 minutes),
so the check must be instant and survive a restart. Seen IDs are kept in memory for
the redelivery window and written to the database in group commits; on start the
window's IDs are loaded back, so a redelivery that spans a restart is still caught.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.clock import Clock
from bot.storage.batcher import Batcher
from bot.storage.tables import processed_events
from bot.storage.upsert import insert_ignoring_duplicates

WINDOW = timedelta(minutes=15)


class InboundDedupe:
    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        write_turn: asyncio.Lock | None = None,
        *,
        shared: bool = False,
    ) -> None:
        self._shared = shared
        self._engine = engine
        self._clock = clock
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._batcher: Batcher[dict[str, object], None] = Batcher(
            engine, _write, "inbound", clock, write_turn
        )

    async def prune(self) -> int:
        """Forget IDs older than the redelivery window; returns how many rows went."""
        since = self._clock.now() - WINDOW
        async with self._engine.begin() as conn:
            result = await conn.execute(
                delete(processed_events).where(processed_events.c.received_at < since)
            )
        return int(result.rowcount or 0)

    async def load_recent(self) -> int:
        """Reload the IDs seen within the redelivery window; returns how many."""
        await self.prune()
        since = self._clock.now() - WINDOW
        async with self._engine.begin() as conn:
            rows = await conn.execute(
                select(processed_events.c.platform, processed_events.c.event_id)
                .where(processed_events.c.received_at >= since)
                .order_by(processed_events.c.received_at)
            )
            stamp = self._clock.monotonic()
            for platform, event_id in rows:
                self._seen[(platform, event_id)] = stamp
        return len(self._seen)

    async def claim(self, platform: str, event_id: str) -> bool:
        """True the first time an event ID is seen; False for a redelivery.

        With `shared` (PostgreSQL: several replicas may receive the same redelivery) the
        database decides at once; otherwise (SQLite: one process) memory decides and the
        ID is written in the next group commit. An ID is remembered for exactly WINDOW,
        which covers Slack's last retry (about 5 minutes after the first delivery)."""
        key = (platform, event_id)
        now = self._clock.monotonic()
        self._forget_older_than(now - WINDOW.total_seconds())
        if key in self._seen:
            return False
        self._seen[key] = now
        row = {"platform": platform, "event_id": event_id, "received_at": self._clock.now()}
        if not self._shared:
            self._batcher.submit(row)
            return True
        async with self._engine.begin() as conn:
            insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
            statement = insert(processed_events).values(**row)
            # A row older than the window (not yet pruned) counts as new, as it does in
            # memory: the ID is remembered for exactly WINDOW on every replica.
            statement = statement.on_conflict_do_update(
                index_elements=[processed_events.c.platform, processed_events.c.event_id],
                set_={"received_at": statement.excluded.received_at},
                where=processed_events.c.received_at < self._clock.now() - WINDOW,
            )
            won = (await conn.execute(statement.returning(processed_events.c.event_id))).first()
        return won is not None

    def _forget_older_than(self, horizon: float) -> None:
        while self._seen:
            key, stamp = next(iter(self._seen.items()))
            if stamp >= horizon:
                return
            del self._seen[key]

    async def flush(self) -> None:
        await self._batcher.drain()


async def _write(conn: AsyncConnection, rows: Sequence[dict[str, object]]) -> list[None]:
    await insert_ignoring_duplicates(conn, processed_events, rows)
    return [None] * len(rows)
