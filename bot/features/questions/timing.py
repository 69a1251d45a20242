"""When an answer is due: the liaison's office hours and away periods (wt-hours'
`bot.features.office_hours`) turned into a promised time. Until that feature is in
the build, working time is plain time (said in the report; removed on merge)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

DEFAULT_REPLY_WITHIN = timedelta(hours=16)  # two working days of eight hours
WORKING_DAY = timedelta(hours=8)

try:  # pragma: no cover - which branch runs depends on the build
    from bot.features.office_hours import (  # type: ignore[import-not-found]
        calendar as _calendar,
    )
    from bot.features.office_hours import (
        store as _hours_store,
    )
except ImportError:  # pragma: no cover
    _calendar = None
    _hours_store = None


def working_within(raw: timedelta) -> timedelta:
    """A `reply-within` as working time: each whole day counts as one working day of
    eight hours ("2 days" is 16 working hours), hours and minutes as they are."""
    return raw.days * WORKING_DAY + timedelta(seconds=raw.seconds)


async def _calendar_of(conn: AsyncConnection, community_id: int, member_id: str) -> Any:
    if _hours_store is None:
        return None, ()
    hours = await _hours_store.hours_of(conn, community_id, member_id)
    away = await _hours_store.away_of(conn, community_id, member_id)
    return hours, tuple(away)


async def add_working(
    conn: AsyncConnection, community_id: int, member_id: str, start: datetime, amount: timedelta
) -> datetime:
    """`start` plus `amount` of the member's working time."""
    hours, away = await _calendar_of(conn, community_id, member_id)
    if _calendar is None or hours is None:
        return start + amount
    result: datetime = _calendar.add_working_time(start, amount, hours, away)
    return result


async def working_between(
    conn: AsyncConnection, community_id: int, member_id: str, start: datetime, end: datetime
) -> timedelta:
    """How much of the member's working time lies between two instants."""
    hours, away = await _calendar_of(conn, community_id, member_id)
    if end <= start:
        return timedelta(0)
    if _calendar is None or hours is None:
        return end - start
    result: timedelta = _calendar.working_time_between(start, end, hours, away)
    return result


async def away_backup(
    conn: AsyncConnection, community_id: int, member_id: str, now: datetime
) -> str | None:
    """The backup a member named for an away period that covers `now`, if any."""
    if _hours_store is None:
        return None
    for away in await _hours_store.away_of(conn, community_id, member_id):
        start = getattr(away, "start", None) or getattr(away, "starts", None)
        end = getattr(away, "until", None) or getattr(away, "end", None)
        if (start is None or start <= now) and (end is None or now < end):
            backup = getattr(away, "backup", None)
            return str(backup) if backup else ""
    return None
