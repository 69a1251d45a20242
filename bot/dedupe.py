"""The inbox's table: a platform's redelivery of one event has one effect, and an event
acknowledged to its platform is kept until it is handled.

An adapter calls `keep` before it acknowledges an event: the event's ID (its
de-duplication claim) and the platform's payload are committed together, in one group
commit shared with whatever else arrived within the same few milliseconds. Only then
does the platform hear "got it". If that commit fails, nothing is claimed either (not
in memory, not in the database), the event is not acknowledged, and the platform's
retry is accepted as new. Once handled, the row keeps only the ID (`handled_at` set,
payload dropped): an anonymous suggestion's text does not outlive its handling.

Slack redelivers an event it thinks we missed (at once, after 1 and after 5 minutes),
so the check must be instant and survive a restart. Seen IDs are kept in memory for
the redelivery window (a quick answer for a redelivery, and no ID twice in one batch);
the database decides whether a kept event is new, so a second process or replica on
the same database agrees. A handled ID is remembered for exactly WINDOW; a kept but
unhandled one for as long as it waits (bot.inbox handles it).

`claim` is the older path for adapters that acknowledge nothing (the console): the ID
alone, written in the next group commit.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.clock import Clock
from bot.storage.backlog import Backlog
from bot.storage.batcher import Batcher
from bot.storage.pgbatch import utc
from bot.storage.sqlite_steps import Values, as_sqlite_text
from bot.storage.tables import UTCDateTime, processed_events
from bot.storage.upsert import (
    dialect_module,
    ignoring_duplicates_step,
    insert_ignoring_duplicates,
)
from bot.storage.writer import Plan, compiled
from bot.unavailable import Unavailable

WINDOW = timedelta(minutes=15)

_t = processed_events.c

# Claims of a batch of IDs on PostgreSQL, one statement (bot.storage.pgbatch). A handled
# row older than the window (not yet pruned) counts as new, as it does in memory: the ID
# is remembered for exactly WINDOW on every replica. RETURNING names the IDs taken.
_CLAIMS = text(
    "INSERT INTO processed_events (platform, event_id, received_at, handled_at) "
    "SELECT p, e, t, t FROM unnest(CAST(:platforms AS VARCHAR[]), "
    "CAST(:event_ids AS VARCHAR[]), CAST(:ats AS TIMESTAMP[])) AS v(p, e, t) "
    "ON CONFLICT (platform, event_id) DO UPDATE SET received_at = excluded.received_at "
    "WHERE processed_events.handled_at IS NOT NULL "
    "AND processed_events.received_at < excluded.received_at - CAST(:window AS INTERVAL) "
    "RETURNING platform, event_id"
)
# Handled events of a batch on PostgreSQL, one statement: their payloads dropped. The
# rows are locked in key order first, so two replicas' batches never wait in a cycle.
_HANDLED = text(
    "UPDATE processed_events SET handled_at = CAST(:at AS TIMESTAMP), payload = NULL "
    "WHERE (platform, event_id) IN (SELECT platform, event_id FROM processed_events "
    "WHERE (platform, event_id) IN (SELECT * FROM unnest(CAST(:platforms AS VARCHAR[]), "
    "CAST(:event_ids AS VARCHAR[]))) ORDER BY platform, event_id FOR UPDATE)"
)
# Keeps of a batch of events (ID and payload, not yet handled) on PostgreSQL, one
# statement: a handled row older than the window counts as new; one still waiting never.
_KEEPS = text(
    "INSERT INTO processed_events (platform, event_id, received_at, payload, handled_at, "
    "attempts) SELECT p, e, t, d, NULL, a FROM unnest(CAST(:platforms AS VARCHAR[]), "
    "CAST(:event_ids AS VARCHAR[]), CAST(:ats AS TIMESTAMP[]), CAST(:payloads AS TEXT[]), "
    "CAST(:attempts AS INTEGER[])) AS v(p, e, t, d, a) "
    "ON CONFLICT (platform, event_id) DO UPDATE SET received_at = excluded.received_at, "
    "payload = excluded.payload, handled_at = excluded.handled_at, "
    "attempts = excluded.attempts "
    "WHERE processed_events.handled_at IS NOT NULL "
    "AND processed_events.received_at < CAST(:horizon AS TIMESTAMP) "
    "RETURNING platform, event_id"
)


class InboundDedupe:
    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        write_turn: asyncio.Lock | None = None,
        *,
        shared: bool = False,
        backlog: Backlog | None = None,
    ) -> None:
        self._shared = shared
        self._engine = engine
        self._clock = clock
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._batcher: Batcher[dict[str, object], None] = Batcher(
            engine, _write, "inbound", clock, write_turn, backlog=backlog, sync=_write_sqlite
        )
        # With `shared`: each command waits for its claim, so a claim that finds the
        # database idle goes at once (`eager`), and those that come while one is written
        # share the next statement (one statement for the batch on PostgreSQL).
        self._claims: Batcher[tuple[str, str, datetime], bool] = Batcher(
            engine, self._write_claims, "claims", clock, write_turn, eager=True, single=True
        )
        # Urgent: an acknowledgement waits for this commit (see WriteTurn).
        self._keeps: Batcher[dict[str, Any], bool] = Batcher(
            engine,
            self._write_kept,
            "inbox",
            clock,
            write_turn,
            urgent=True,
            sync=self._write_kept_sqlite,
            # PostgreSQL: one statement per batch, gone at once when the database is idle.
            eager=engine.dialect.name == "postgresql",
            single=True,
        )

    async def prune(self) -> int:
        """Forget handled IDs older than the redelivery window; returns how many rows went.
        An event still waiting to be handled is never pruned."""
        since = self._clock.now() - WINDOW
        async with self._engine.begin() as conn:
            result = await conn.execute(
                delete(processed_events).where(_t.received_at < since, _t.handled_at.is_not(None))
            )
        return int(result.rowcount or 0)

    async def load_recent(self) -> int:
        """Reload the IDs seen within the redelivery window; returns how many."""
        await self.prune()
        since = self._clock.now() - WINDOW
        async with self._engine.begin() as conn:
            rows = await conn.execute(
                select(_t.platform, _t.event_id)
                .where(_t.received_at >= since)
                .order_by(_t.received_at)
            )
            stamp = self._clock.monotonic()
            for platform, event_id in rows:
                self._seen[(platform, event_id)] = stamp
        return len(self._seen)

    async def keep(self, platform: str, event_id: str, payload: str) -> bool:
        """Commit the event (its ID and payload) before it is acknowledged.

        True: new, and now kept (acknowledge it, then handle it). False: a redelivery of
        an event already kept (acknowledge it, do nothing else). Raises `Unavailable`
        when the commit failed: nothing was claimed, so do not acknowledge; the
        platform's retry will be accepted."""
        key = (platform, event_id)
        self._forget_older_than(self._clock.monotonic() - WINDOW.total_seconds())
        if key in self._seen:
            return False
        self._seen[key] = self._clock.monotonic()
        row = {
            "platform": platform,
            "event_id": event_id,
            "received_at": self._clock.now(),
            "payload": payload,
            "handled_at": None,
            "attempts": 1,  # the attempt that follows the acknowledgement
        }
        try:
            return await self._keeps.write(row)
        except BaseException as error:
            self._seen.pop(key, None)  # not kept, so not claimed: the retry is new
            if isinstance(error, Exception):
                raise Unavailable(f"could not keep {platform} event {event_id}") from error
            raise

    async def _write_kept(
        self, conn: AsyncConnection, rows: Sequence[dict[str, Any]]
    ) -> list[bool]:
        if conn.dialect.name != "postgresql":
            result = await conn.execute(self._keeping(conn.dialect.name), list(rows))
            won = {(platform, event_id) for platform, event_id in result}
            return [(row["platform"], row["event_id"]) in won for row in rows]
        first: dict[tuple[str, str], dict[str, Any]] = {}
        for row in rows:  # ON CONFLICT may meet a key only once
            first.setdefault((row["platform"], row["event_id"]), row)
        kept = list(first.values())
        result = await conn.execute(
            _KEEPS,
            {
                "platforms": [row["platform"] for row in kept],
                "event_ids": [row["event_id"] for row in kept],
                "ats": utc([row["received_at"] for row in kept]),
                "payloads": [row["payload"] for row in kept],
                "attempts": [row["attempts"] for row in kept],
                "horizon": utc([self._clock.now() - WINDOW])[0],
            },
        )
        won = {(str(platform), str(event_id)) for platform, event_id in result}
        taken: list[bool] = []
        for row in rows:
            key = (row["platform"], row["event_id"])
            taken.append(key in won)
            won.discard(key)  # the same ID twice in a batch: kept once
        return taken

    def _write_kept_sqlite(self, rows: Sequence[dict[str, Any]]) -> Plan:
        """`_write_kept` planned for SQLite's writer (bot.storage.writer)."""
        columns = tuple(rows[0])
        values = _KEEPING_SQLITE.get(columns)
        if values is None:
            statement = self._keeping("sqlite", horizon=bindparam("horizon", type_=UTCDateTime))
            values = _KEEPING_SQLITE[columns] = compiled(statement, columns)
        horizon = as_sqlite_text(self._clock.now() - WINDOW)

        def won(results: list[Any]) -> list[bool]:
            taken = {(platform, event_id) for platform, event_id in results[0]}
            return [(row["platform"], row["event_id"]) in taken for row in rows]

        return [("values", values, rows, (horizon,))], won

    def _keeping(self, dialect: str, horizon: Any = None) -> Any:
        """The upsert that keeps events, returning the keys it took (`horizon`: where a
        handled row counts as new again; by default the clock's now less WINDOW)."""
        insert = dialect_module(dialect).insert
        statement = insert(processed_events)
        # A handled row older than the window counts as new, as it does in memory; a
        # row still waiting to be handled never does.
        statement = statement.on_conflict_do_update(
            index_elements=[_t.platform, _t.event_id],
            set_={
                name: statement.excluded[name]
                for name in ("received_at", "payload", "handled_at", "attempts")
            },
            where=and_(
                _t.handled_at.is_not(None),
                _t.received_at < (self._clock.now() - WINDOW if horizon is None else horizon),
            ),
        )
        return statement.returning(_t.platform, _t.event_id)

    async def claim(self, platform: str, event_id: str) -> bool:
        """True the first time an event ID is seen; False for a redelivery. For events
        that are not kept (the console's): the ID alone, handled at once.

        With `shared` (PostgreSQL: several replicas may receive the same redelivery) the
        database decides before this returns: the claims that arrive together share one
        statement (`_write_claims`), which goes at once when none is under way; otherwise
        (SQLite: one process) memory decides and the ID is written in the next group
        commit. An ID is remembered for exactly WINDOW,
        which covers Slack's last retry (about 5 minutes after the first delivery)."""
        key = (platform, event_id)
        now = self._clock.monotonic()
        self._forget_older_than(now - WINDOW.total_seconds())
        if key in self._seen:
            return False
        self._seen[key] = now
        at = self._clock.now()
        row = {"platform": platform, "event_id": event_id, "received_at": at, "handled_at": at}
        if not self._shared:
            self._batcher.submit(row)
            return True
        try:
            return await self._claims.write((platform, event_id, at))
        except BaseException:
            self._seen.pop(key, None)  # not claimed after all: a retry is new
            raise

    async def _write_claims(
        self, conn: AsyncConnection, rows: Sequence[tuple[str, str, datetime]]
    ) -> list[bool]:
        """Claim a batch of IDs in one statement (PostgreSQL: `unnest`, bot.storage.pgbatch);
        True for each ID this claim took, False for one already claimed (by a replica, or
        earlier in the same batch)."""
        if conn.dialect.name == "postgresql":
            first: dict[tuple[str, str], datetime] = {}
            for platform, event_id, at in rows:  # ON CONFLICT may meet a key only once
                first.setdefault((platform, event_id), at)
            result = await conn.execute(
                _CLAIMS,
                {
                    "platforms": [p for p, _ in first],
                    "event_ids": [e for _, e in first],
                    "ats": utc(list(first.values())),
                    "window": WINDOW,
                },
            )
            won = {(str(p), str(e)) for p, e in result}
        else:
            won = set()
            for platform, event_id, at in rows:
                statement = (
                    dialect_module("sqlite")
                    .insert(processed_events)
                    .values(platform=platform, event_id=event_id, received_at=at, handled_at=at)
                )
                # A row older than the window (not yet pruned) counts as new, as it does
                # in memory: the ID is remembered for exactly WINDOW on every replica.
                statement = statement.on_conflict_do_update(
                    index_elements=[_t.platform, _t.event_id],
                    set_={"received_at": statement.excluded.received_at},
                    where=and_(_t.handled_at.is_not(None), _t.received_at < at - WINDOW),
                )
                if (await conn.execute(statement.returning(_t.event_id))).first() is not None:
                    won.add((platform, event_id))
        taken: list[bool] = []
        for platform, event_id, _ in rows:
            taken.append((platform, event_id) in won)
            won.discard((platform, event_id))  # the same ID twice in a batch: once new
        return taken

    # -- what the inbox replays ------------------------------------------------------------
    async def waiting(self, *, idle_for: float, limit: int) -> list[tuple[str, str, int]]:
        """Kept events not yet handled whose last attempt began at least `idle_for`
        seconds ago, oldest first: (platform, event_id, attempts)."""
        before = self._clock.now() - timedelta(seconds=idle_for)
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                select(_t.platform, _t.event_id, _t.attempts)
                .where(_t.handled_at.is_(None), _t.received_at <= before)
                .order_by(_t.received_at)
                .limit(limit)
            )
            return [(str(p), str(e), int(a)) for p, e, a in rows]

    async def retake(
        self, platform: str, event_id: str, attempts: int, *, idle_for: float
    ) -> str | None:
        """Begin one more attempt at a waiting event; its payload, or None when someone
        else (another replica, or this process's own first attempt) took it meanwhile."""
        now = self._clock.now()
        async with self._engine.begin() as conn:
            taken = await conn.execute(
                update(processed_events)
                .where(
                    _t.platform == platform,
                    _t.event_id == event_id,
                    _t.handled_at.is_(None),
                    _t.attempts == attempts,
                    _t.received_at <= now - timedelta(seconds=idle_for),
                )
                .values(attempts=attempts + 1, received_at=now)
                .returning(_t.payload)
            )
            row = taken.first()
        return None if row is None or row[0] is None else str(row[0])

    async def give_up(self, platform: str, event_id: str) -> None:
        """Stop trying an event: drop its payload and count it as handled."""
        async with self._engine.begin() as conn:
            await mark_handled(conn, [(platform, event_id)], self._clock.now())

    def _forget_older_than(self, horizon: float) -> None:
        while self._seen:
            key, stamp = next(iter(self._seen.items()))
            if stamp >= horizon:
                return
            del self._seen[key]

    async def flush(self) -> None:
        await self._batcher.drain()
        await self._keeps.drain()
        await self._claims.drain()


async def mark_handled(
    conn: AsyncConnection, keys: Sequence[tuple[str, str]], at: datetime
) -> None:
    """Mark kept events handled and drop their payloads, inside the caller's transaction."""
    if not keys:
        return
    if conn.dialect.name == "postgresql":  # one statement for the batch, rows locked in order
        unique = sorted(set(keys))
        await conn.execute(
            _HANDLED,
            {
                "platforms": [p for p, _ in unique],
                "event_ids": [e for _, e in unique],
                "at": utc([at])[0],
            },
        )
        return
    statement = (
        update(processed_events)
        .where(_t.platform == bindparam("key_platform"), _t.event_id == bindparam("key_event"))
        .values(handled_at=at, payload=None)
    )
    await conn.execute(statement, [{"key_platform": p, "key_event": e} for p, e in keys])


async def _write(conn: AsyncConnection, rows: Sequence[dict[str, object]]) -> list[None]:
    await insert_ignoring_duplicates(conn, processed_events, rows)
    return [None] * len(rows)


def _write_sqlite(rows: Sequence[dict[str, object]]) -> Plan:
    """`_write` planned for SQLite's writer (bot.storage.writer)."""
    return [ignoring_duplicates_step(processed_events, rows)], lambda _: [None] * len(rows)


# The keeping upsert compiled for SQLite's writer, per set of columns its rows give.
_KEEPING_SQLITE: dict[tuple[str, ...], Values] = {}
