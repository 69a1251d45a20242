"""Per-channel order across replicas: one replica at a time owns a lane (a channel's
posts, one member's answers, one message's edits), by a lease in `outbox_lanes`.

Only on PostgreSQL, where several replicas share the outbox; SQLite has one process.

- A replica writing rows takes their lanes in the same transaction when they are free,
  expired or already its own, and leases the rows to itself; a row whose lane another
  live replica owns is written unleased, and the owner takes it on its next claim pass
  (`Outbox.reclaiming`, every second under `homeroom run`), behind that lane's earlier
  rows. So two replicas never interleave one channel's posts, and the channel's pace is
  kept by one bucket.
- A claim pass first takes the free lanes that have rows waiting, then only rows of the
  lanes it owns (oldest first).
- The owner renews the lanes it still has rows in with its row leases; a lane it has
  nothing left in lapses when its lease runs out, for whichever replica writes there
  next. A clean stop releases its lanes at once; a killed replica's lapse after LEASE.

Statements lock lanes before rows, and lanes in sorted order, so no two transactions
wait for each other in a cycle.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from bot.storage.tables import outbox, outbox_lanes


async def take(
    conn: AsyncConnection, lanes: Iterable[str], owner: str, now: datetime, until: datetime
) -> set[str]:
    """Lease `lanes` to `owner` where free, expired or already its own (until `until`);
    the ones it holds now."""
    wanted = sorted(set(lanes))
    if not wanted:
        return set()
    from sqlalchemy.dialects import postgresql  # lanes are leased on PostgreSQL only

    values = postgresql.insert(outbox_lanes).values(
        [{"lane": lane, "owner": owner, "until": until} for lane in wanted]
    )
    statement = values.on_conflict_do_update(
        index_elements=[outbox_lanes.c.lane],
        set_={"owner": values.excluded.owner, "until": values.excluded.until},
        where=(outbox_lanes.c.until <= now) | (outbox_lanes.c.owner == owner),
    ).returning(outbox_lanes.c.lane)
    return set((await conn.execute(statement)).scalars().all())


async def take_waiting(
    conn: AsyncConnection,
    waiting: ColumnElement[bool],
    owner: str,
    now: datetime,
    until: datetime,
) -> None:
    """Take every lane that has rows matching `waiting` and is free (or ours)."""
    lanes = (await conn.execute(select(outbox.c.lane).where(waiting).distinct())).scalars()
    await take(conn, lanes.all(), owner, now, until)


def owned_by(owner: str, now: datetime) -> ColumnElement[bool]:
    """Rows whose lane `owner` holds a live lease on."""
    mine = select(outbox_lanes.c.lane).where(
        (outbox_lanes.c.owner == owner) & (outbox_lanes.c.until > now)
    )
    return outbox.c.lane.in_(mine)


async def renew(conn: AsyncConnection, owner: str, until: datetime) -> None:
    """Extend `owner`'s leases on the lanes it still has pending rows in."""
    busy = select(outbox.c.lane).where(
        (outbox.c.lease_owner == owner) & (outbox.c.status == "pending")
    )
    locked = (
        select(outbox_lanes.c.lane)
        .where((outbox_lanes.c.owner == owner) & outbox_lanes.c.lane.in_(busy))
        .order_by(outbox_lanes.c.lane)
        .with_for_update()
    )
    await conn.execute(
        update(outbox_lanes).where(outbox_lanes.c.lane.in_(locked)).values(until=until)
    )


async def release(conn: AsyncConnection, owner: str) -> None:
    """Give up every lane `owner` holds (a clean stop)."""
    await conn.execute(delete(outbox_lanes).where(outbox_lanes.c.owner == owner))


async def lock(conn: AsyncConnection, owner: str, wanted: set[str]) -> None:
    """Lock `owner`'s lanes among `wanted`, in sorted order, before a transaction that may
    `let_go` of them after updating rows: lanes before rows, as the renewal takes them."""
    await conn.execute(
        select(outbox_lanes.c.lane)
        .where((outbox_lanes.c.owner == owner) & outbox_lanes.c.lane.in_(sorted(wanted)))
        .order_by(outbox_lanes.c.lane)
        .with_for_update()
    )


async def let_go(conn: AsyncConnection, owner: str, wanted: set[str]) -> None:
    """Give up those of `owner`'s lanes in `wanted` that no pending row waits in any more."""
    waiting = select(outbox.c.lane).where(
        outbox.c.lane.in_(sorted(wanted)) & (outbox.c.status == "pending")
    )
    await conn.execute(
        delete(outbox_lanes).where(
            (outbox_lanes.c.owner == owner)
            & outbox_lanes.c.lane.in_(sorted(wanted))
            & outbox_lanes.c.lane.not_in(waiting)
        )
    )
