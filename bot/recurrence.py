"""Recurrences: which days a series of posts falls on, and the instant each one goes out.

A recurrence is weekly, every N weeks (counted from the first slot on or after its start
date, so the weeks it posts in never drift, across restarts or year ends), or monthly on
the 1st to 4th or last weekday of the month. APScheduler 3.x's trigger classes compute
the calendar, called as pure functions of the previous occurrence and now; its scheduler
and job stores are never used, because the database is the truth (README, architecture).

The triggers only ever see calendar days (noon, in UTC, where no clock changes), and this
module turns a day into an instant with Homeroom's own DST rules, because left to
themselves they get both edges wrong for us: `CalendarIntervalTrigger` drops a day whose
time falls in a spring-forward gap, and `CronTrigger` fires an autumn time that happens
twice, twice. Homeroom's rules: a time is wall-clock time in the schedule's zone; a time
that does not exist (02:30 on a spring-forward night) posts at the first minute that does
(03:00), never skipped; a time that happens twice (01:30 on an autumn night) posts once,
at the first of the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.commands import Option
from bot.i18n import N_, NP_, WEEKDAY_CODES, Translator

if TYPE_CHECKING:
    from apscheduler.triggers.base import BaseTrigger
    from apscheduler.triggers.calendarinterval import CalendarIntervalTrigger
    from apscheduler.triggers.cron import CronTrigger

LAST = -1  # `month_week` of the last weekday of the month
MONTH_WEEKS = (1, 2, 3, 4, LAST)
_CRON_POSITIONS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", LAST: "last"}
_NOON = time(12)
_LONGEST_GAP = timedelta(days=1)  # Samoa skipped 30 December 2011 whole


def wall_instant(day: date, at: time, timezone: str) -> datetime:
    """The UTC instant of `at` o'clock on `day` in `timezone`, by Homeroom's DST rules: the
    first of a time that happens twice, the first minute after a time that never happens."""
    zone = ZoneInfo(timezone)
    wall = datetime.combine(day, at)
    step = timedelta()
    while step <= _LONGEST_GAP:
        local = (wall + step).replace(tzinfo=zone)  # fold=0: the first of two
        instant = local.astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == wall + step:  # it exists
            return instant
        step += timedelta(minutes=1)
    return wall.replace(tzinfo=zone).astimezone(UTC)  # no zone has a gap this long


@dataclass(frozen=True, slots=True)
class Recurrence:
    """When a series posts: `weekday` (0 = Monday) at `at` in `timezone`, from `start` on.

    `month_week` set (1-4, or LAST) makes it monthly; otherwise it posts every
    `every_weeks` weeks."""

    weekday: int
    at: time
    timezone: str
    start: date
    every_weeks: int = 1
    month_week: int | None = None

    def as_columns(self) -> dict[str, object]:
        """The rhythm as a recurring poll's or chat's series row keeps it."""
        return {
            "weekday": self.weekday,
            "at_time": self.at.strftime("%H:%M"),
            "timezone": self.timezone,
            "start_date": self.start.isoformat(),
            "every_weeks": self.every_weeks,
            "month_week": self.month_week,
        }

    @classmethod
    def from_columns(cls, row: object) -> Recurrence:
        """The rhythm a series row keeps (`as_columns`): recurring polls' and chats'."""
        r = row._mapping  # type: ignore[attr-defined]
        hour, minute = (int(x) for x in r["at_time"].split(":"))
        return cls(
            r["weekday"],
            time(hour, minute),
            r["timezone"],
            date.fromisoformat(r["start_date"]),
            every_weeks=r["every_weeks"],
            month_week=r["month_week"],
        )

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6 or self.every_weeks < 1:
            raise ValueError(f"no such recurrence: {self!r}")
        if self.month_week is not None and self.month_week not in MONTH_WEEKS:
            raise ValueError(f"no such week of the month: {self.month_week}")

    @property
    def weekly(self) -> bool:
        """Every week, as every schedule was before other rhythms existed."""
        return self.month_week is None and self.every_weeks == 1

    def due(self, day: date) -> datetime:
        """The instant the occurrence on `day` goes out."""
        return wall_instant(day, self.at, self.timezone)

    def following(self, day: date) -> date:
        """The occurrence after the one on `day`."""
        return _following(self.month_week, self.weekday, self.every_weeks, self.start, day)

    def first_from(self, day: date) -> date:
        """The first occurrence on or after `day` (and never before `start`)."""
        if self.month_week is not None:
            now = datetime.combine(max(day, self.start), time(0), UTC)
            return _day(self._trigger().get_next_fire_time(None, now))
        first = self._first_week()
        if day <= first:
            return first
        # Whole periods from the first slot, so every-N-weeks keeps its weeks: the last
        # slot before `day`, then the trigger's next.
        period = 7 * self.every_weeks
        behind = ((day - first).days - 1) // period * period
        return self.following(first + timedelta(days=behind))

    def next_slot(self, after: datetime, not_before: date) -> date:
        """The first occurrence, on or after `not_before`, whose instant is after `after`."""
        local_today = after.astimezone(ZoneInfo(self.timezone)).date()
        day = self.first_from(max(local_today, not_before))
        while self.due(day) <= after:
            day = self.following(day)
        return day

    def first_free(
        self, day: date, skips: frozenset[date], end: date | None
    ) -> tuple[date, int] | None:
        """The first occurrence from `day` on that is no break date, and how many break
        dates come before it; None when none falls on or before `end`."""
        breaks = 0
        while day in skips:
            day = self.following(day)
            breaks += 1
        if end is not None and day > end:
            return None
        return day, breaks

    def count_through(self, first: date, last: date) -> int:
        """How many occurrences fall from `first` (an occurrence) to `last`, both
        included: what stopping a series with a last date calls off."""
        count = 0
        while first <= last:
            count += 1
            first = self.following(first)
        return count

    def describe(self, t: Translator) -> str:
        """The rhythm in plain words, in the reader's language: "every 2 weeks on Tuesday
        at 19:00", "the first Tuesday of each month at 19:00"."""
        values = {"weekday": t.weekday(self.weekday), "time": self.at.strftime("%H:%M")}
        if self.month_week is not None:
            return t._(_MONTHLY[self.month_week], **values)
        if self.every_weeks == 1:
            return t._(N_("every {weekday} at {time}"), **values)
        return t._(N_("every {n} weeks on {weekday} at {time}"), n=self.every_weeks, **values)

    def _first_week(self) -> date:
        return self.start + timedelta(days=(self.weekday - self.start.weekday()) % 7)

    def _trigger(self) -> BaseTrigger:
        if self.month_week is not None:
            return _monthly(self.month_week, self.weekday)
        return _every_weeks(self.every_weeks, self._first_week())


_MONTHLY = {
    1: N_("the first {weekday} of each month at {time}"),
    2: N_("the second {weekday} of each month at {time}"),
    3: N_("the third {weekday} of each month at {time}"),
    4: N_("the fourth {weekday} of each month at {time}"),
    LAST: N_("the last {weekday} of each month at {time}"),
}


@lru_cache(maxsize=64)
def _monthly(month_week: int, weekday: int) -> CronTrigger:
    # APScheduler (~45 ms and 11 MB, tzlocal with it) loads with the first recurrence
    # asked, not at start.
    from apscheduler.triggers.cron import CronTrigger

    position = f"{_CRON_POSITIONS[month_week]} {WEEKDAY_CODES[weekday]}"
    return CronTrigger(day=position, hour=12, minute=0, second=0, timezone=UTC)


@lru_cache(maxsize=1024)
def _every_weeks(weeks: int, first: date) -> CalendarIntervalTrigger:
    from apscheduler.triggers.calendarinterval import CalendarIntervalTrigger

    return CalendarIntervalTrigger(weeks=weeks, start_date=first, hour=12, timezone=UTC)


@lru_cache(maxsize=4096)
def _following(
    month_week: int | None, weekday: int, every_weeks: int, start: date, day: date
) -> date:
    """The trigger's next day after `day`; cached, since a pass over due schedules asks
    the same few questions many times (a CronTrigger answers in ~0.1 ms)."""
    recurrence = Recurrence(weekday, time(0), "UTC", start, every_weeks, month_week)
    previous = _noon(day)
    return _day(recurrence._trigger().get_next_fire_time(previous, previous))


def _noon(day: date) -> datetime:
    return datetime.combine(day, _NOON, UTC)


def _day(fire_time: datetime | None) -> date:
    if fire_time is None:  # neither trigger has an end date, so both always go on
        raise RuntimeError("a recurrence without an end ran out")
    return fire_time.date()


# How often a thing repeats, in the words members choose (`every=2 weeks`): weeks
# apart, 0 for monthly. Prompts' schedules, recurring polls and recurring chats share it.
EVERY_WEEKS = {"week": 1, "2 weeks": 2, "3 weeks": 3, "month": 0}


def every_option(description: str) -> Option:
    """The `every` option of whatever repeats: week, 2 or 3 weeks, or month (digits too)."""
    return Option(
        NP_("option", "every"),
        "choice",
        description,
        choices=(
            NP_("choice", "week"),
            NP_("choice", "2 weeks"),
            NP_("choice", "3 weeks"),
            NP_("choice", "month"),
        ),
        aliases=(("1", "week"), ("2", "2 weeks"), ("3", "3 weeks")),
    )


def repeating_from(start: datetime, zone: str, every: str) -> Recurrence:
    """The rhythm of something that repeats from `start` (a poll asked now, a chat's
    first time): its weekday and time in `zone`, `every` weeks apart; monthly on the
    same weekday of the month (the last, when `start` is in a fifth week)."""
    local = start.astimezone(ZoneInfo(zone))
    at = time(local.hour, local.minute)
    weeks = EVERY_WEEKS[every]
    if weeks == 0:
        week = (local.day - 1) // 7 + 1
        return Recurrence(
            local.weekday(), at, zone, local.date(), month_week=week if week <= 4 else LAST
        )
    return Recurrence(local.weekday(), at, zone, local.date(), every_weeks=weeks)
