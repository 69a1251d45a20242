"""Where office hours and time away are kept, and the reads other features use.

`hours_of` and `away_of` are what the questions feature reads (inside its own
transaction) to make an honest answer-by promise with `bot.features.office_hours.calendar`.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features.office_hours.calendar import Away, OfficeHours
from bot.privacy import Held, member_privacy
from bot.storage.tables import MEMBER, UTCDateTime, metadata
from bot.storage.upsert import insert_ignoring_duplicates

# One row a liaison: the same hours on each of `days` ("0,1,2,3,4": Monday is 0), from
# `opens` to `closes` ("08:00", wall-clock in `timezone`).
office_hours = Table(
    "office_hours",
    metadata,
    Column("community_id", Integer, ForeignKey("communities.id"), primary_key=True),
    Column("member", String(64), primary_key=True, info=MEMBER),
    Column("days", String(16), nullable=False),
    Column("opens", String(5), nullable=False),
    Column("closes", String(5), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# A liaison's time away, from `starts` until `until` (excluded), and who answers meanwhile.
away_periods = Table(
    "away_periods",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("member", String(64), nullable=False, info=MEMBER),
    Column("starts", UTCDateTime(), nullable=False),
    Column("until", UTCDateTime(), nullable=False),
    Column("backup", String(64), nullable=True, info=MEMBER),
    Index(None, "community_id", "member"),
)


def _days_text(days: frozenset[int]) -> str:
    return ",".join(str(day) for day in sorted(days))


def _hours(row: Any) -> OfficeHours:
    return OfficeHours(
        days=frozenset(int(day) for day in row.days.split(",")),
        opens=time.fromisoformat(row.opens),
        closes=time.fromisoformat(row.closes),
        timezone=row.timezone,
    )


def _periods(found: Any) -> list[Away]:
    return [Away(row.starts, row.until, row.backup) for row in found]


def _mine(table: Table, community_id: int, member_id: str) -> Any:
    return (table.c.community_id == community_id) & (table.c.member == member_id)


async def hours_of(conn: AsyncConnection, community_id: int, member_id: str) -> OfficeHours | None:
    """The member's office hours, or None when they set none (their clock always runs)."""
    row = (
        await conn.execute(select(office_hours).where(_mine(office_hours, community_id, member_id)))
    ).first()
    return None if row is None else _hours(row)


async def away_of(
    conn: AsyncConnection, community_id: int, member_id: str, *, now: datetime | None = None
) -> list[Away]:
    """The member's time away, earliest first: those not over at `now` (current and
    future). Without `now`, every period kept, ended ones too (for `KEEP_ENDED`): they
    change no computation that starts after them, and keep a clock measured across
    them honest."""
    query = select(away_periods).where(_mine(away_periods, community_id, member_id))
    if now is not None:
        query = query.where(away_periods.c.until > now)
    return _periods(await conn.execute(query.order_by(away_periods.c.starts, away_periods.c.id)))


async def community_calendars(
    conn: AsyncConnection, community_id: int
) -> tuple[dict[str, OfficeHours], dict[str, list[Away]]]:
    """Every member's office hours and time away in the community (each member's periods
    earliest first), in two queries: what a cache of the community's calendars holds
    (the questions feature's routing book), so a promise reads no rows of its own."""
    found = await conn.execute(
        select(office_hours).where(office_hours.c.community_id == community_id)
    )
    hours = {str(row.member): _hours(row) for row in found}
    away: dict[str, list[Away]] = {}
    periods = await conn.execute(
        select(away_periods)
        .where(away_periods.c.community_id == community_id)
        .order_by(away_periods.c.starts, away_periods.c.id)
    )
    for row in periods:
        away.setdefault(str(row.member), []).append(Away(row.starts, row.until, row.backup))
    return hours, away


async def set_hours(
    conn: AsyncConnection, community_id: int, member_id: str, hours: OfficeHours, now: datetime
) -> None:
    """Keep `hours` as the member's office hours, replacing any they had."""
    values = {
        "days": _days_text(hours.days),
        "opens": hours.opens.strftime("%H:%M"),
        "closes": hours.closes.strftime("%H:%M"),
        "timezone": hours.timezone,
        "updated_at": now,
    }
    mine = _mine(office_hours, community_id, member_id)
    changed = (await conn.execute(update(office_hours).where(mine).values(**values))).rowcount
    if not changed:  # two first `hours set` at once: the second write wins either way
        await insert_ignoring_duplicates(
            conn, office_hours, [{"community_id": community_id, "member": member_id, **values}]
        )
        await conn.execute(update(office_hours).where(mine).values(**values))


# Ended time away is kept this long, so a question's clock measured across it later
# still skips it; older rows go whenever the member changes their time away.
KEEP_ENDED = timedelta(days=90)


async def add_away(
    conn: AsyncConnection, community_id: int, member_id: str, away: Away, now: datetime
) -> list[Away]:
    """Keep a new time away. The latest word wins from its start on: periods of the
    member's that it overlaps end where it starts (or go, when they start no earlier).
    Returns the periods it changed, as they were."""
    mine = _mine(away_periods, community_id, member_id)
    await conn.execute(delete(away_periods).where(mine & (away_periods.c.until < now - KEEP_ENDED)))
    overlap = mine & (away_periods.c.starts < away.until) & (away_periods.c.until > away.starts)
    replaced = _periods(
        await conn.execute(select(away_periods).where(overlap).order_by(away_periods.c.starts))
    )
    earlier = away_periods.c.starts < away.starts
    await conn.execute(update(away_periods).where(overlap & earlier).values(until=away.starts))
    await conn.execute(delete(away_periods).where(overlap & ~earlier))
    await conn.execute(
        insert(away_periods).values(
            community_id=community_id,
            member=member_id,
            starts=away.starts,
            until=away.until,
            backup=away.backup,
        )
    )
    return replaced


async def end_away(
    conn: AsyncConnection, community_id: int, member_id: str, now: datetime
) -> tuple[Away | None, list[Away]]:
    """The member is back: the time away running at `now` ends now (what has passed of
    it stays, so clocks measured across it do not change), or, when none runs, the
    planned ones are called off. Returns (the one ended, as it was; those called off)."""
    mine = _mine(away_periods, community_id, member_id) & (away_periods.c.until > now)
    running = mine & (away_periods.c.starts <= now)
    current = _periods(await conn.execute(select(away_periods).where(running)))
    if current:
        await conn.execute(
            update(away_periods).where(running & (away_periods.c.starts < now)).values(until=now)
        )
        await conn.execute(delete(away_periods).where(running & (away_periods.c.starts == now)))
        return max(current, key=lambda a: a.until), []
    planned = _periods(
        await conn.execute(select(away_periods).where(mine).order_by(away_periods.c.starts))
    )
    await conn.execute(delete(away_periods).where(mine))
    return None, planned


# Their office hours, their time away, and the times they stand in as someone's backup
# (when, not whose: that is the other liaison's record). On deletion their hours and
# time away go; where they were someone's backup, that period stays (the other liaison
# is still away) without a backup.
PRIVACY = member_privacy(
    Held(
        office_hours,
        "member",
        shows=("days", "opens", "closes", "timezone", "updated_at"),
    ),
    Held(away_periods, "member", shows=("starts", "until", "backup"), order_by="starts"),
    Held(
        away_periods,
        "backup",
        shows=("starts", "until"),
        name="away_periods_as_backup",
        order_by="starts",
        goes=False,
    ),
)
