"""The working-time calendar behind honest answer-by promises: office hours in the
liaison's zone, across both DST changes, time zones, time away and weekends."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.features.office_hours.calendar import (
    MAX_STRETCHES,
    Away,
    OfficeHours,
    add_working_time,
    away_at,
    is_open,
    next_close,
    next_open,
    working_time_between,
)

CHICAGO, MADRID = ZoneInfo("America/Chicago"), ZoneInfo("Europe/Madrid")
EVERY_DAY = frozenset(range(7))
WEEKDAYS = frozenset(range(5))
H, M = timedelta(hours=1), timedelta(minutes=1)


def chicago(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=CHICAGO)  # type: ignore[misc]


def madrid(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=MADRID)  # type: ignore[misc]


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def hours(days: frozenset[int], opens: str, closes: str, zone: str) -> OfficeHours:
    return OfficeHours(days, time.fromisoformat(opens), time.fromisoformat(closes), zone)


SCHOOL_DAY = hours(EVERY_DAY, "08:00", "15:30", "America/Chicago")


def test_a_school_day_is_seven_and_a_half_hours_on_the_spring_forward_day() -> None:
    # 2026-03-08, a Sunday: Chicago goes from UTC-6 to UTC-5 at 02:00.
    day = working_time_between(chicago(2026, 3, 8), chicago(2026, 3, 9), SCHOOL_DAY)
    assert day == 7.5 * H
    # Saturday 15:00 CST: half an hour left that day, then Sunday from 08:00 CDT.
    start = chicago(2026, 3, 7, 15, 0)
    assert add_working_time(start, 1 * H, SCHOOL_DAY) == utc(2026, 3, 8, 13, 30)  # 08:30 CDT
    assert add_working_time(start, 8 * H, SCHOOL_DAY) == utc(2026, 3, 8, 20, 30)  # 15:30 CDT
    assert next_open(start + H, SCHOOL_DAY) == utc(2026, 3, 8, 13, 0)  # 08:00 CDT
    assert next_close(start + H, SCHOOL_DAY) == utc(2026, 3, 8, 20, 30)


def test_a_school_day_is_seven_and_a_half_hours_on_the_fall_back_day() -> None:
    # 2026-11-01, a Sunday: Chicago goes from UTC-5 back to UTC-6 at 02:00.
    day = working_time_between(chicago(2026, 11, 1), chicago(2026, 11, 2), SCHOOL_DAY)
    assert day == 7.5 * H
    start = chicago(2026, 10, 31, 15, 0)  # Saturday, CDT
    assert add_working_time(start, 1 * H, SCHOOL_DAY) == utc(2026, 11, 1, 14, 30)  # 08:30 CST
    assert add_working_time(start, 8 * H, SCHOOL_DAY) == utc(2026, 11, 1, 21, 30)  # 15:30 CST
    # A whole week around the change is seven school days, no more, no less.
    week = working_time_between(chicago(2026, 10, 28), chicago(2026, 11, 4), SCHOOL_DAY)
    assert week == 7 * 7.5 * H


def test_friday_afternoon_to_monday_across_madrids_spring_change() -> None:
    office = hours(WEEKDAYS, "09:00", "14:00", "Europe/Madrid")
    start = madrid(2026, 3, 27, 13, 0)  # Friday, CET (UTC+1); clocks go forward Sunday
    # One hour on Friday, then Monday from 09:00 CEST (UTC+2).
    assert add_working_time(start, 2 * H, office) == utc(2026, 3, 30, 8, 0)  # 10:00 CEST
    assert working_time_between(start, madrid(2026, 3, 30, 10, 0), office) == 2 * H
    # And back in autumn: Friday 23 October (CEST) to Monday 26 October (CET).
    start = madrid(2026, 10, 23, 13, 30)
    assert add_working_time(start, 1 * H, office) == utc(2026, 10, 26, 8, 30)  # 09:30 CET


def test_friday_evening_to_monday_morning() -> None:
    office = hours(WEEKDAYS, "08:00", "15:30", "America/Chicago")
    start = chicago(2026, 9, 11, 18, 0)  # Friday after hours
    assert not is_open(start, office)
    assert next_open(start, office) == utc(2026, 9, 14, 13, 0)  # Monday 08:00 CDT
    assert add_working_time(start, 2 * H, office) == utc(2026, 9, 14, 15, 0)  # Monday 10:00
    # Two working days from Friday evening: Tuesday at closing, not Sunday evening.
    assert add_working_time(start, 15 * H, office) == utc(2026, 9, 15, 20, 30)
    assert working_time_between(start, chicago(2026, 9, 14, 7, 59), office) == timedelta(0)


def test_a_start_before_opening_starts_the_clock_at_the_opening() -> None:
    office = hours(WEEKDAYS, "08:00", "15:30", "America/Chicago")
    early = chicago(2026, 9, 14, 6, 0)  # Monday, before hours
    assert add_working_time(early, 30 * M, office) == utc(2026, 9, 14, 13, 30)  # 08:30 CDT
    # On the dot of opening and of closing: open at 08:00, closed at 15:30.
    assert is_open(chicago(2026, 9, 14, 8, 0), office)
    assert not is_open(chicago(2026, 9, 14, 15, 30), office)
    assert is_open(chicago(2026, 9, 14, 15, 29), office)
    # A full day's amount from opening ends at that day's closing, not the next morning.
    assert add_working_time(chicago(2026, 9, 14, 8), 7.5 * H, office) == utc(2026, 9, 14, 20, 30)


def test_asker_and_liaison_in_different_zones() -> None:
    office = hours(WEEKDAYS, "08:00", "15:30", "America/Chicago")
    asked = madrid(2026, 9, 14, 10, 0)  # a Madrid morning is 03:00 in Chicago
    due = add_working_time(asked, 1 * H, office)
    assert due == utc(2026, 9, 14, 14, 0)  # 09:00 in Chicago
    assert due.astimezone(MADRID).hour == 16
    # The week Europe has changed back and Chicago not yet: 7 hours apart, not 8 or 6.
    asked = madrid(2026, 10, 26, 10, 0)  # Monday, CET; Chicago still CDT
    assert add_working_time(asked, 1 * H, office) == utc(2026, 10, 26, 14, 0)
    assert add_working_time(asked, 1 * H, office).astimezone(MADRID).hour == 15


def test_time_away_stops_the_clock_and_names_the_backup() -> None:
    office = hours(WEEKDAYS, "08:00", "15:30", "America/Chicago")
    trip = Away(chicago(2026, 9, 15, 0, 0), chicago(2026, 9, 17, 0, 0), backup="lee")
    start = chicago(2026, 9, 14, 15, 0)  # Monday, half an hour before closing
    # Half an hour Monday; Tuesday and Wednesday away; Thursday from 08:00.
    assert add_working_time(start, 1 * H, office, [trip]) == utc(2026, 9, 17, 13, 30)
    assert add_working_time(start, 1 * H, office) == utc(2026, 9, 15, 13, 30)
    assert working_time_between(start, chicago(2026, 9, 18), office, [trip]) == 8 * H
    assert not is_open(chicago(2026, 9, 15, 10), office, [trip])
    assert away_at(chicago(2026, 9, 15, 10), [trip]) == trip
    assert away_at(chicago(2026, 9, 17, 0, 0), [trip]) is None  # `until` is excluded
    # Away from noon: the morning counts, the afternoon does not.
    lunch = Away(chicago(2026, 9, 14, 12), chicago(2026, 9, 15, 0))
    assert working_time_between(chicago(2026, 9, 14), chicago(2026, 9, 15), office, [lunch]) == (
        4 * H
    )
    assert add_working_time(chicago(2026, 9, 14, 11), 2 * H, office, [lunch]) == utc(
        2026, 9, 15, 14, 0
    )
    # Overlapping and nested periods are one stretch away.
    more = [Away(chicago(2026, 9, 14, 9), chicago(2026, 9, 14, 11)), lunch, trip]
    assert add_working_time(chicago(2026, 9, 14, 8), 2 * H, office, more) == utc(2026, 9, 14, 17, 0)


def test_without_office_hours_the_clock_always_runs_except_away() -> None:
    start = madrid(2026, 9, 13, 0, 0)  # a Saturday night, 22:00 UTC
    assert add_working_time(start, 3 * H, None) == utc(2026, 9, 13, 1, 0)
    away = [Away(utc(2026, 9, 13, 0), utc(2026, 9, 14, 0))]
    assert add_working_time(start, 3 * H, None, away) == utc(2026, 9, 14, 1, 0)
    assert is_open(start, None)
    assert next_open(utc(2026, 9, 13, 5), None, away) == utc(2026, 9, 14, 0)
    assert next_close(start, None) is None
    assert working_time_between(start, start + 5 * H, None, away) == 2 * H


def test_a_window_across_a_dst_change_counts_the_time_that_really_passes() -> None:
    night = hours(EVERY_DAY, "01:00", "04:00", "Europe/Madrid")
    # 2026-03-29: 02:00 becomes 03:00, so 01:00-04:00 is two real hours that night.
    assert working_time_between(madrid(2026, 3, 29), madrid(2026, 3, 30), night) == 2 * H
    # 2026-10-25: 03:00 becomes 02:00 again, so it is four real hours.
    assert working_time_between(madrid(2026, 10, 25), madrid(2026, 10, 26), night) == 4 * H


def test_an_amount_of_zero_is_the_start_and_negative_or_naive_input_is_refused() -> None:
    office = hours(WEEKDAYS, "08:00", "15:30", "America/Chicago")
    start = chicago(2026, 9, 12, 10)
    assert add_working_time(start, timedelta(0), office) == start.astimezone(UTC)
    with pytest.raises(ValueError, match="negative"):
        add_working_time(start, -H, office)
    with pytest.raises(ValueError, match="naive"):
        add_working_time(datetime(2026, 9, 12, 10), H, office)
    assert working_time_between(start, start - H, office) == timedelta(0)


@pytest.mark.parametrize(
    ("days", "opens", "closes", "zone", "problem"),
    [
        (frozenset(), "08:00", "15:30", "UTC", "at least one day"),
        (frozenset({7}), "08:00", "15:30", "UTC", "0 .Monday. to 6"),
        (WEEKDAYS, "15:30", "08:00", "UTC", "open before they close"),
        (WEEKDAYS, "08:00", "08:00", "UTC", "open before they close"),
        (WEEKDAYS, "08:00", "15:30", "Mars/Olympus", "unknown time zone"),
        (WEEKDAYS, "08:00", "15:30", "../../etc/passwd", "unknown time zone"),
    ],
)
def test_degenerate_hours_cannot_be_made(
    days: frozenset[int], opens: str, closes: str, zone: str, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        hours(days, opens, closes, zone)


def test_a_bad_away_period_cannot_be_made() -> None:
    with pytest.raises(ValueError, match="start before it ends"):
        Away(utc(2026, 9, 2), utc(2026, 9, 1))
    with pytest.raises(ValueError, match="aware"):
        Away(datetime(2026, 9, 1), utc(2026, 9, 2))


def test_a_long_time_away_is_jumped_over_not_walked_day_by_day() -> None:
    office = hours(frozenset({0}), "08:00", "08:01", "America/Chicago")
    gone = [Away(utc(2026, 9, 1), utc(2099, 12, 31))]
    # 73 years of Mondays would be more stretches than MAX_STRETCHES: it was one jump.
    due = add_working_time(utc(2026, 9, 1), 2 * M, office, gone)
    assert due == utc(2100, 1, 11, 14, 1)  # the second Monday of 2100, 08:01 CST
    # Working time a minute a week, for weeks on end: an error, not a hang.
    with pytest.raises(ValueError, match="further ahead"):
        add_working_time(utc(2026, 9, 1), (MAX_STRETCHES + 1) * M, office)
    assert add_working_time(utc(2026, 9, 1), MAX_STRETCHES * M, office) > utc(2070, 1, 1)
    with pytest.raises(ValueError, match="further ahead"):
        working_time_between(utc(2026, 9, 1), utc(2076, 9, 1), office)
    with pytest.raises(ValueError, match="further ahead"):
        add_working_time(utc(8999, 12, 1), 2 * H, office)


# Property tests: zones with odd offsets and DST rules, any hours, any time away.
ZONES = (
    "America/Chicago",
    "Europe/Madrid",
    "Australia/Lord_Howe",  # a half-hour DST change
    "Asia/Kolkata",
    "Pacific/Chatham",
    "UTC",
)
minutes = st.integers(min_value=0, max_value=24 * 60 - 1)
instants = st.integers(min_value=0, max_value=2 * 366 * 24 * 60).map(
    lambda n: utc(2026, 1, 1) + n * M
)


@st.composite
def office_hours(draw: st.DrawFn) -> OfficeHours | None:
    if draw(st.booleans()) and draw(st.booleans()):
        return None
    days = draw(st.frozensets(st.integers(0, 6), min_size=1))
    a, b = sorted(draw(st.lists(minutes, min_size=2, max_size=2, unique=True)))
    opens, closes = time(a // 60, a % 60), time(b // 60, b % 60)
    return OfficeHours(days, opens, closes, draw(st.sampled_from(ZONES)))


@st.composite
def time_away(draw: st.DrawFn) -> list[Away]:
    periods = []
    for _ in range(draw(st.integers(0, 3))):
        starts = draw(instants)
        length = draw(st.integers(1, 20 * 24 * 60)) * M
        periods.append(Away(starts, starts + length))
    return periods


amounts = st.integers(min_value=1, max_value=10 * 24 * 60).map(lambda n: n * M)


def too_far(amount: timedelta, away: list[Away]) -> bool:
    """Whether refusing `amount` is right: every stretch is a minute or more but where
    time away cuts one short, so walking MAX_STRETCHES of them covers at least this."""
    return amount >= (MAX_STRETCHES - 2 * len(away) - 1) * M


@given(office_hours(), time_away(), instants, amounts)
def test_adding_then_measuring_gives_back_the_amount(
    office: OfficeHours | None, away: list[Away], start: datetime, amount: timedelta
) -> None:
    try:
        due = add_working_time(start, amount, office, away)
    except ValueError:
        assert too_far(amount, away)
        return
    assert due > start
    assert working_time_between(start, due, office, away) == amount
    # The last minute before it was working time: no promise lands in a closed stretch.
    assert is_open(due - M, office, away)


@given(office_hours(), time_away(), instants, amounts, amounts)
def test_working_time_adds_up_in_steps(
    office: OfficeHours | None,
    away: list[Away],
    start: datetime,
    first: timedelta,
    then: timedelta,
) -> None:
    try:
        halfway = add_working_time(start, first, office, away)
        stepped = add_working_time(halfway, then, office, away)
        whole = add_working_time(start, first + then, office, away)
    except ValueError:
        assert too_far(min(first, then), away) or too_far(first + then, away)
        return
    assert stepped == whole


@given(office_hours(), time_away(), instants)
def test_the_clock_starts_at_the_next_opening(
    office: OfficeHours | None, away: list[Away], at: datetime
) -> None:
    opening = next_open(at, office, away)
    assert opening >= at
    assert is_open(opening, office, away)
    assert working_time_between(at, opening, office, away) == timedelta(0)
    assert is_open(at, office, away) == (opening == at)
