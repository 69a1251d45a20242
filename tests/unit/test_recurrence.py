"""Recurrences (bot/recurrence.py): which days, and which instant on each, by our DST rules.

DST in New York ends on Sunday 1 November 2026 and starts on Sunday 14 March 2027; in
Madrid it ends on Sunday 25 October 2026 and starts on Sunday 28 March 2027.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.calendarinterval import CalendarIntervalTrigger
from apscheduler.triggers.cron import CronTrigger

from bot.commands import CommandError, parse_time
from bot.i18n import translator
from bot.recurrence import LAST, Recurrence, wall_instant

NEW_YORK = "America/New_York"
MADRID = "Europe/Madrid"
TUE, FRI, SUN = 1, 4, 6


def z(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def occurrences(recurrence: Recurrence, after: datetime, count: int) -> list[datetime]:
    """The next `count` instants, as the scheduler walks them: one slot, then the next."""
    day = recurrence.next_slot(after, recurrence.start)
    found = []
    for _ in range(count):
        found.append(recurrence.due(day))
        day = recurrence.following(day)
    return found


def test_seven_in_the_evening_stays_seven_across_both_dst_changes() -> None:
    assert wall_instant(date(2026, 10, 26), time(19), NEW_YORK) == z(2026, 10, 26, 23, 0)
    assert wall_instant(date(2026, 11, 2), time(19), NEW_YORK) == z(2026, 11, 3, 0, 0)
    assert wall_instant(date(2027, 3, 8), time(19), NEW_YORK) == z(2027, 3, 9, 0, 0)
    assert wall_instant(date(2027, 3, 15), time(19), NEW_YORK) == z(2027, 3, 15, 23, 0)


def test_a_time_that_does_not_exist_on_spring_forward_night_posts_at_the_first_that_does() -> None:
    # 02:30 never happens on 14 March 2027 in New York: clocks jump from 02:00 to 03:00.
    assert wall_instant(date(2027, 3, 14), time(2, 30), NEW_YORK) == z(2027, 3, 14, 7, 0)  # 03:00
    assert wall_instant(date(2027, 3, 28), time(2, 30), MADRID) == z(2027, 3, 28, 1, 0)  # 03:00
    # Samoa skipped 30 December 2011 whole: its first minute after is midnight on the 31st.
    assert wall_instant(date(2011, 12, 30), time(10), "Pacific/Apia") == z(2011, 12, 30, 10, 0)


def test_next_slot_is_the_first_weekly_moment_still_ahead() -> None:
    weekly = Recurrence(0, time(19), NEW_YORK, date(2026, 9, 1))
    monday_evening = z(2026, 9, 7, 23, 0)  # Monday 19:00 in New York
    assert weekly.next_slot(monday_evening, date(2026, 9, 1)) == date(2026, 9, 14)
    just_before = z(2026, 9, 7, 22, 59)
    assert weekly.next_slot(just_before, date(2026, 9, 1)) == date(2026, 9, 7)
    assert weekly.next_slot(just_before, date(2026, 10, 1)) == date(2026, 10, 5)


def test_every_two_weeks_keeps_local_time_across_both_dst_changes_in_new_york() -> None:
    biweekly = Recurrence(TUE, time(19), NEW_YORK, date(2026, 10, 20), every_weeks=2)
    assert occurrences(biweekly, z(2026, 10, 1), 12) == [
        z(2026, 10, 20, 23, 0),  # EDT
        z(2026, 11, 4, 0, 0),  # EST from 1 November: 19:00 on Tuesday the 3rd
        z(2026, 11, 18, 0, 0),
        z(2026, 12, 2, 0, 0),
        z(2026, 12, 16, 0, 0),
        z(2026, 12, 30, 0, 0),
        z(2027, 1, 13, 0, 0),
        z(2027, 1, 27, 0, 0),
        z(2027, 2, 10, 0, 0),
        z(2027, 2, 24, 0, 0),
        z(2027, 3, 10, 0, 0),  # Tuesday 9 March, still EST
        z(2027, 3, 23, 23, 0),  # EDT from 14 March
    ]


def test_every_two_weeks_keeps_local_time_across_both_dst_changes_in_madrid() -> None:
    biweekly = Recurrence(TUE, time(19), MADRID, date(2026, 10, 13), every_weeks=2)
    found = occurrences(biweekly, z(2026, 10, 1), 13)
    assert [d.astimezone(UTC).hour for d in found] == [17] + [18] * 11 + [17]
    assert [d.date() for d in found] == [
        date(2026, 10, 13) + timedelta(weeks=2 * n) for n in range(13)
    ]
    assert found[-1] == z(2027, 3, 30, 17, 0)  # CEST from 28 March


def test_every_n_weeks_counts_from_the_start_date_wherever_it_is_asked_from() -> None:
    # A restart rebuilds the recurrence from the stored row and may ask from any day: the
    # weeks stay those counted from the start, across a year end (2026 has 53 ISO weeks,
    # so counting ISO week numbers, as a cron `week="*/2"` does, would drift here).
    start = date(2026, 9, 1)  # a Tuesday
    for weeks in (2, 3):
        for asked in (date(2026, 12, 20) + timedelta(days=n) for n in range(40)):
            again = Recurrence(TUE, time(19), NEW_YORK, start, every_weeks=weeks)
            day = again.first_from(asked)
            assert day.weekday() == TUE
            assert (day - start).days % (7 * weeks) == 0
            assert 0 <= (day - asked).days < 7 * weeks
    every_two = Recurrence(TUE, time(19), NEW_YORK, start, every_weeks=2)
    assert every_two.first_from(date(2026, 12, 23)) == date(2027, 1, 5)
    assert every_two.following(date(2026, 12, 22)) == date(2027, 1, 5)
    assert every_two.first_from(date(2026, 8, 1)) == start  # never before the start


def test_the_first_tuesday_of_each_month_across_dst_and_the_year_end() -> None:
    monthly = Recurrence(TUE, time(19), NEW_YORK, date(2026, 9, 7), month_week=1)
    assert occurrences(monthly, z(2026, 9, 7, 16, 0), 7) == [
        z(2026, 10, 6, 23, 0),  # 1 September has passed; EDT
        z(2026, 11, 4, 0, 0),  # EST: Tuesday 3 November, 19:00
        z(2026, 12, 2, 0, 0),
        z(2027, 1, 6, 0, 0),
        z(2027, 2, 3, 0, 0),
        z(2027, 3, 3, 0, 0),
        z(2027, 4, 6, 23, 0),  # EDT
    ]


def test_the_last_friday_of_each_month() -> None:
    monthly = Recurrence(FRI, time(19), MADRID, date(2026, 9, 1), month_week=LAST)
    found = occurrences(monthly, z(2026, 9, 1), 7)
    assert [d.date() for d in found] == [
        date(2026, 9, 25),
        date(2026, 10, 30),  # CET from the 25th
        date(2026, 11, 27),
        date(2026, 12, 25),
        date(2027, 1, 29),
        date(2027, 2, 26),
        date(2027, 3, 26),
    ]
    assert [d.hour for d in found] == [17, 18, 18, 18, 18, 18, 18]


def test_second_third_and_fourth_weekdays() -> None:
    start = date(2027, 1, 1)
    assert [
        Recurrence(TUE, time(19), MADRID, start, month_week=n).first_from(start) for n in (2, 3, 4)
    ] == [date(2027, 1, 12), date(2027, 1, 19), date(2027, 1, 26)]


def test_apscheduler_alone_would_skip_a_gap_and_post_an_autumn_time_twice() -> None:
    # Why the triggers only ever see calendar days: left to themselves, they break both
    # of our DST promises (pinned here, so an upgrade that changes them is noticed).
    sunday_0230 = CalendarIntervalTrigger(
        weeks=1, hour=2, minute=30, start_date=date(2027, 3, 7), timezone=NEW_YORK
    )
    first = sunday_0230.get_next_fire_time(None, z(2027, 3, 1))
    assert sunday_0230.get_next_fire_time(first, first).date() == date(2027, 3, 21)  # 14th gone
    sunday_0130 = CronTrigger(day_of_week="sun", hour=1, minute=30, timezone=NEW_YORK)
    once = sunday_0130.get_next_fire_time(None, z(2026, 10, 31))
    twice = sunday_0130.get_next_fire_time(once, once)
    assert (once.astimezone(UTC), twice.astimezone(UTC)) == (
        z(2026, 11, 1, 5, 30),
        z(2026, 11, 1, 6, 30),
    )


@pytest.mark.parametrize(
    ("every_weeks", "month_week"), [(1, None), (2, None), (None, 2)], ids=["weekly", "2w", "2nd"]
)
def test_a_spring_forward_gap_time_posts_at_three_and_is_not_skipped(
    every_weeks: int | None, month_week: int | None
) -> None:
    # Sunday 14 March 2027 is the second Sunday of March, and the night clocks jump.
    recurrence = Recurrence(
        SUN, time(2, 30), NEW_YORK, date(2027, 2, 28), every_weeks or 1, month_week
    )
    found = occurrences(recurrence, z(2027, 3, 8), 2)
    assert found[0] == z(2027, 3, 14, 7, 0)  # 03:00 EDT, the first minute that exists
    assert found[0].astimezone(ZoneInfo(NEW_YORK)).strftime("%H:%M") == "03:00"
    assert found[1] > found[0]


def test_an_autumn_time_that_happens_twice_posts_once() -> None:
    weekly = Recurrence(SUN, time(1, 30), NEW_YORK, date(2026, 10, 25))
    assert occurrences(weekly, z(2026, 10, 20), 3) == [
        z(2026, 10, 25, 5, 30),
        z(2026, 11, 1, 5, 30),  # 01:30 EDT, the first of the two
        z(2026, 11, 8, 6, 30),  # EST
    ]
    # Asked again just after it went out (a restart), it is the next week, not 01:30 EST.
    assert weekly.next_slot(z(2026, 11, 1, 5, 30), date(2026, 11, 1)) == date(2026, 11, 8)
    biweekly = Recurrence(SUN, time(1, 30), NEW_YORK, date(2026, 11, 1), every_weeks=2)
    assert biweekly.next_slot(z(2026, 11, 1, 5, 30), date(2026, 11, 1)) == date(2026, 11, 15)


def test_break_dates_pass_over_whole_occurrences_of_any_rhythm() -> None:
    monthly = Recurrence(TUE, time(19), NEW_YORK, date(2026, 9, 1), month_week=1)
    skips = frozenset({date(2026, 12, 1), date(2027, 1, 5)})
    assert monthly.first_free(date(2026, 12, 1), skips, None) == (date(2027, 2, 2), 2)
    assert monthly.first_free(date(2026, 12, 1), skips, date(2027, 1, 31)) is None
    biweekly = Recurrence(TUE, time(19), NEW_YORK, date(2026, 9, 1), every_weeks=2)
    assert biweekly.first_free(date(2026, 12, 22), frozenset({date(2026, 12, 22)}), None) == (
        date(2027, 1, 5),
        1,
    )


def test_the_rhythm_in_plain_words_in_each_language() -> None:
    en, es = translator("en"), translator("es")
    start = date(2026, 9, 1)
    every_two = Recurrence(TUE, time(19), NEW_YORK, start, every_weeks=2)
    first = Recurrence(TUE, time(19), NEW_YORK, start, month_week=1)
    last = Recurrence(FRI, time(18, 30), NEW_YORK, start, month_week=LAST)
    weekly = Recurrence(TUE, time(19), NEW_YORK, start)
    assert [r.describe(en) for r in (every_two, first, last, weekly)] == [
        "every 2 weeks on Tuesday at 19:00",
        "the first Tuesday of each month at 19:00",
        "the last Friday of each month at 18:30",
        "every Tuesday at 19:00",
    ]
    assert [r.describe(es) for r in (every_two, first, last, weekly)] == [
        "cada 2 semanas, el martes a las 19:00",
        "el primer martes de cada mes a las 19:00",
        "el último viernes de cada mes a las 18:30",
        "cada martes a las 19:00",
    ]


def test_no_such_recurrence() -> None:
    for wrong in ({"every_weeks": 0}, {"month_week": 5}, {"month_week": 0}):
        with pytest.raises(ValueError):
            Recurrence(TUE, time(19), NEW_YORK, date(2026, 9, 1), **wrong)  # type: ignore[arg-type]


def test_times_people_type() -> None:
    assert parse_time("19:00") == time(19)
    assert parse_time("7:30") == time(7, 30)
    assert parse_time("19") == time(19)
    assert parse_time("0:30") == time(0, 30)
    assert parse_time("23:59") == time(23, 59)
    assert parse_time("00:00") == time(0, 0)


@pytest.mark.parametrize(
    "wrong", ["24:00", "25:00", "19:60", "seven", "", "13pm", "²:00", "٢٣:٠٠", "1" * 5000, "7:5"]
)
def test_times_that_are_no_time_of_day_get_the_kind_message(wrong: str) -> None:
    with pytest.raises(CommandError) as problem:
        parse_time(wrong)
    assert problem.value.message == "“{value}” isn't a time of day. Write it like 19:00 or 7pm."
