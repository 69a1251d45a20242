"""Working time: when does a liaison's clock run, and when has enough of it passed?

Pure functions, no I/O. A liaison's office hours are wall-clock times on weekdays in
their own zone (08:00-15:30, Monday to Friday, America/Chicago); each day's opening and
closing are turned into instants with zoneinfo, so a day keeps its hours across both DST
changes, whatever zone the asker is in. Time away (a holiday, a course) stops the clock
whatever the hours say.

A window never crosses midnight (`opens < closes` is checked when hours are made), so
each local day has at most one. On the rare day a window straddles a DST change
(01:00-04:00 on the night clocks jump) it counts the time that really passes (2 hours
that night): a promise is about real time, not the hands of a clock. A wall time that
does not exist that night (02:30 on spring-forward) is read with the offset before the
change, as zoneinfo does for `fold=0`.

Every function takes and returns aware datetimes; what it returns is in UTC.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ZERO = timedelta(0)
# Far enough for any promise; an amount of working time that would reach past it is an
# error rather than an overflow deep inside date arithmetic.
LAST_INSTANT = datetime(9000, 1, 1, tzinfo=UTC)
# Each stretch walked costs ~30 µs; this many is ten years of school days, and about 80 ms
# at most on the event loop. A computation that would walk more is refused (ValueError):
# no promise or paused clock honestly reaches that far.
MAX_STRETCHES = 2500


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """When a liaison works: the same hours on each of `days` (0 = Monday .. 6 = Sunday),
    from `opens` to `closes` (wall-clock, in `timezone`, an IANA name).

    Made only valid: at least one day, `opens` before `closes` (a window never crosses
    midnight), and a zone zoneinfo knows; anything else raises ValueError, so a calendar
    computation over these hours always has working time ahead and ends."""

    days: frozenset[int]
    opens: time
    closes: time
    timezone: str

    def __post_init__(self) -> None:
        if not self.days:
            raise ValueError("office hours need at least one day")
        if any(not isinstance(d, int) or not 0 <= d <= 6 for d in self.days):
            raise ValueError(f"days are 0 (Monday) to 6 (Sunday), not {sorted(self.days)}")
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise ValueError("opens and closes are wall-clock times, without a zone")
        if not self.opens < self.closes:
            raise ValueError(f"office hours must open before they close ({self})")
        zone(self.timezone)

    @property
    def zone(self) -> ZoneInfo:
        return zone(self.timezone)

    @property
    def length(self) -> timedelta:
        """A day's hours on the wall clock (7:30 for 08:00-15:30)."""
        return datetime.combine(date.min, self.closes) - datetime.combine(date.min, self.opens)


@dataclass(frozen=True, slots=True)
class Away:
    """A stretch of time away, from `starts` until `until` (aware; `until` excluded), and
    who answers meanwhile (`backup`, a member ID, or None)."""

    starts: datetime
    until: datetime
    backup: str | None = None

    def __post_init__(self) -> None:
        if self.starts.tzinfo is None or self.until.tzinfo is None:
            raise ValueError("away periods need aware datetimes")
        if not self.starts < self.until:
            raise ValueError("an away period must start before it ends")

    def covers(self, at: datetime) -> bool:
        return self.starts <= at < self.until


def zone(name: str) -> ZoneInfo:
    """The zone called `name`, or ValueError (never ZoneInfoNotFoundError or OSError)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {name!r}") from None


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware one")
    return at.astimezone(UTC)


def _window(day: date, hours: OfficeHours) -> tuple[datetime, datetime] | None:
    """The day's working window as UTC instants, or None when it is not a working day."""
    if day.weekday() not in hours.days:
        return None
    tz = hours.zone
    opens = datetime.combine(day, hours.opens, tz).astimezone(UTC)
    closes = datetime.combine(day, hours.closes, tz).astimezone(UTC)
    return (opens, closes) if opens < closes else None


def _hours_from(at: datetime, hours: OfficeHours | None) -> tuple[datetime, datetime | None]:
    """The first stretch of office hours that ends after `at`, clipped to start no earlier
    than `at` (None as its end: open for good, when there are no hours)."""
    if hours is None:
        return at, None
    day = at.astimezone(hours.zone).date() - timedelta(days=1)
    for _ in range(9):  # every day of a week and a day either side: a window is found
        found = _window(day, hours)
        if found is not None and found[1] > at:
            return max(found[0], at), found[1]
        day += timedelta(days=1)
    raise AssertionError("valid office hours have a window every week")  # pragma: no cover


def _in_away(at: datetime, away: Sequence[Away]) -> Away | None:
    """The away period covering `at` that lasts longest (None when none covers it)."""
    covering = [a for a in away if a.covers(at)]
    return max(covering, key=lambda a: a.until) if covering else None


def working_stretches(
    start: datetime, hours: OfficeHours | None, away: Sequence[Away] = ()
) -> Iterator[tuple[datetime, datetime | None]]:
    """The stretches of working time from `start` on, in order, as UTC (start, end)
    pairs; an end of None means it never ends (no hours, no more time away). Time away
    is cut out, and a long one is jumped over at once, not day by day. ValueError past
    `MAX_STRETCHES` stretches or the year 9000."""
    away = [Away(_utc(a.starts), _utc(a.until), a.backup) for a in away]
    cursor = _utc(start)
    for _ in range(MAX_STRETCHES):
        if cursor >= LAST_INSTANT:
            break
        opens, closes = _hours_from(cursor, hours)
        if (gone := _in_away(opens, away)) is not None:
            cursor = gone.until
            continue
        later = [
            a.starts for a in away if opens < a.starts and (closes is None or a.starts < closes)
        ]
        end = min(later) if later else closes
        yield opens, end
        if end is None:
            return
        cursor = end
    raise ValueError("that is further ahead than any promise reaches")


def add_working_time(
    start: datetime,
    amount: timedelta,
    hours: OfficeHours | None,
    away: Sequence[Away] = (),
) -> datetime:
    """The instant (UTC) when `amount` of working time has passed after `start`, counting
    only office hours (None: always working) and skipping time away. A `start` outside
    hours starts the clock at the next opening; an amount of zero is `start` itself."""
    if amount < ZERO:
        raise ValueError("an amount of working time cannot be negative")
    if amount == ZERO:
        return _utc(start)
    left = amount
    for opens, closes in working_stretches(start, hours, away):
        if closes is None or closes - opens >= left:
            return opens + left
        left -= closes - opens
    raise AssertionError("working stretches never run out")  # pragma: no cover


def working_time_between(
    start: datetime,
    end: datetime,
    hours: OfficeHours | None,
    away: Sequence[Away] = (),
) -> timedelta:
    """How much working time passes from `start` to `end` (none when `end` is not after
    `start`): what a paused clock had run, or has left to run."""
    start, end = _utc(start), _utc(end)
    total = ZERO
    if end <= start:
        return total
    for opens, closes in working_stretches(start, hours, away):
        if opens >= end:
            break
        total += min(end, closes or end) - opens
        if closes is None or closes >= end:
            break
    return total


def is_open(at: datetime, hours: OfficeHours | None, away: Sequence[Away] = ()) -> bool:
    """Whether the clock runs at `at`: within office hours and not away."""
    return next_open(at, hours, away) == _utc(at)


def next_open(at: datetime, hours: OfficeHours | None, away: Sequence[Away] = ()) -> datetime:
    """`at` itself (in UTC) when open then, else the next instant the clock starts."""
    opens, _ = next(working_stretches(at, hours, away))
    return opens


def next_close(
    at: datetime, hours: OfficeHours | None, away: Sequence[Away] = ()
) -> datetime | None:
    """When the stretch of working time running at or next after `at` ends (None: never)."""
    _, closes = next(working_stretches(at, hours, away))
    return closes


def away_at(at: datetime, away: Sequence[Away]) -> Away | None:
    """The time away that covers `at` (the longest, when several do), if any: whose
    `backup` answers meanwhile."""
    return _in_away(_utc(at), [Away(_utc(a.starts), _utc(a.until), a.backup) for a in away])
