"""When a weekly slot falls, in real time: pure functions, so DST and breaks are easy
to test.

A schedule's time is wall-clock time in its own zone: a Monday 19:00 prompt in
America/New_York posts at 19:00 local in summer (23:00 UTC) and in winter (00:00 UTC),
whatever the server's zone. A local time that does not exist on a spring-forward night
(02:30) falls an hour later, as clocks there do.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEK = timedelta(days=7)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def due_at(day: date, at: time, timezone: str) -> datetime:
    """The UTC instant of `at` o'clock on `day` in `timezone`."""
    local = datetime.combine(day, at, tzinfo=ZoneInfo(timezone))
    # Round-trip through UTC so a non-existent local time (a DST gap) lands on a real one.
    return local.astimezone(UTC)


def first_on_or_after(day: date, weekday: int) -> date:
    """The first date on or after `day` that falls on `weekday` (0 = Monday)."""
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def next_slot(after: datetime, weekday: int, at: time, timezone: str, not_before: date) -> date:
    """The first weekly slot date, on or after `not_before`, whose moment is after `after`."""
    local_today = after.astimezone(ZoneInfo(timezone)).date()
    day = first_on_or_after(max(local_today, not_before), weekday)
    while due_at(day, at, timezone) <= after:
        day += WEEK
    return day


def next_posting(day: date, skips: frozenset[date], end: date | None) -> tuple[date, int] | None:
    """The first weekly slot from `day` on that is no break week, and how many break
    weeks come before it; None when no such slot falls on or before `end`."""
    breaks = 0
    while day in skips:
        day += WEEK
        breaks += 1
    if end is not None and day > end:
        return None
    return day, breaks
