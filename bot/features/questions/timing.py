"""When an answer is due: the liaison's office hours and time away
(`bot.features.office_hours`) turned into a promised time.

A liaison who set no hours is taken to work school hours, Monday to Friday 08:00 to
16:00 in the community's zone, so "two working days" never means two nights; a
question nobody holds yet is counted the same way."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features.office_hours import calendar
from bot.features.office_hours import store as hours_store
from bot.features.office_hours.calendar import Away, OfficeHours

DEFAULT_REPLY_WITHIN = timedelta(hours=16)  # two working days of eight hours
WORKING_DAY = timedelta(hours=8)
SCHOOL_DAYS = frozenset(range(5))
SCHOOL_OPENS, SCHOOL_CLOSES = time(8, 0), time(16, 0)


def working_within(raw: timedelta) -> timedelta:
    """A `reply-within` as working time: each whole day counts as one working day of
    eight hours ("2 days" is 16 working hours), hours and minutes as they are."""
    return raw.days * WORKING_DAY + timedelta(seconds=raw.seconds)


def school_hours(zone: str) -> OfficeHours:
    return OfficeHours(SCHOOL_DAYS, SCHOOL_OPENS, SCHOOL_CLOSES, zone)


async def _calendar_of(
    conn: AsyncConnection, community_id: int, member_id: str | None, zone: str
) -> tuple[OfficeHours, list[Away]]:
    if member_id is None:
        return school_hours(zone), []
    hours = await hours_store.hours_of(conn, community_id, member_id)
    away = await hours_store.away_of(conn, community_id, member_id)
    return hours or school_hours(zone), away


def add_working_in(
    hours: OfficeHours | None,
    away: Sequence[Away],
    start: datetime,
    *amounts: timedelta,
    zone: str,
) -> list[datetime]:
    """`start` plus each of `amounts` of working time in `hours` (school hours in `zone`
    when None), `away` skipped: `add_working` over a calendar already read."""
    hours = hours or school_hours(zone)
    return [calendar.add_working_time(start, amount, hours, list(away)) for amount in amounts]


async def add_working(
    conn: AsyncConnection,
    community_id: int,
    member_id: str | None,
    start: datetime,
    *amounts: timedelta,
    zone: str,
) -> list[datetime]:
    """`start` plus each of `amounts` of the member's working time (time away skipped),
    their calendar read once."""
    hours, away = await _calendar_of(conn, community_id, member_id, zone)
    return [calendar.add_working_time(start, amount, hours, away) for amount in amounts]


async def working_between(
    conn: AsyncConnection,
    community_id: int,
    member_id: str | None,
    start: datetime,
    end: datetime,
    zone: str,
) -> timedelta:
    """How much of the member's working time lies between two instants."""
    hours, away = await _calendar_of(conn, community_id, member_id, zone)
    return calendar.working_time_between(start, end, hours, away)


async def away_backup(
    conn: AsyncConnection, community_id: int, member_id: str, now: datetime
) -> str | None:
    """None when the member is not away at `now`; else the backup they named for it
    ('' when they named none)."""
    away = calendar.away_at(now, await hours_store.away_of(conn, community_id, member_id, now=now))
    if away is None:
        return None
    return away.backup or ""
