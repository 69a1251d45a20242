from datetime import UTC, date, datetime, time

import pytest

from bot.commands import CommandError, parse_time
from bot.features.prompts.timing import due_at, next_slot

NEW_YORK = "America/New_York"


def test_seven_in_the_evening_stays_seven_across_both_dst_changes() -> None:
    # DST ends on Sunday 1 November 2026 and starts on Sunday 14 March 2027 in New York.
    assert due_at(date(2026, 10, 26), time(19), NEW_YORK) == datetime(
        2026, 10, 26, 23, 0, tzinfo=UTC
    )
    assert due_at(date(2026, 11, 2), time(19), NEW_YORK) == datetime(2026, 11, 3, 0, 0, tzinfo=UTC)
    assert due_at(date(2027, 3, 8), time(19), NEW_YORK) == datetime(2027, 3, 9, 0, 0, tzinfo=UTC)
    assert due_at(date(2027, 3, 15), time(19), NEW_YORK) == datetime(2027, 3, 15, 23, 0, tzinfo=UTC)


def test_a_time_that_does_not_exist_on_spring_forward_night_falls_later() -> None:
    instant = due_at(date(2027, 3, 14), time(2, 30), NEW_YORK)
    assert instant == datetime(2027, 3, 14, 7, 30, tzinfo=UTC)  # 03:30 EDT


def test_next_slot_is_the_first_weekly_moment_still_ahead() -> None:
    monday_evening = datetime(2026, 9, 7, 23, 0, tzinfo=UTC)  # Monday 19:00 in New York
    assert next_slot(monday_evening, 0, time(19), NEW_YORK, date(2026, 9, 1)) == date(2026, 9, 14)
    just_before = datetime(2026, 9, 7, 22, 59, tzinfo=UTC)
    assert next_slot(just_before, 0, time(19), NEW_YORK, date(2026, 9, 1)) == date(2026, 9, 7)
    assert next_slot(just_before, 0, time(19), NEW_YORK, date(2026, 10, 1)) == date(2026, 10, 5)


def test_times_people_type() -> None:
    assert parse_time("19:00") == time(19)
    assert parse_time("7:30") == time(7, 30)
    assert parse_time("19") == time(19)
    assert parse_time("0:30") == time(0, 30)
    assert parse_time("23:59") == time(23, 59)
    assert parse_time("00:00") == time(0, 0)


@pytest.mark.parametrize(
    "wrong", ["24:00", "25:00", "19:60", "seven", "", "7pm", "²:00", "٢٣:٠٠", "1" * 5000, "7:5"]
)
def test_times_that_are_no_time_of_day_get_the_kind_message(wrong: str) -> None:
    with pytest.raises(CommandError) as problem:
        parse_time(wrong)
    assert problem.value.message == "“{value}” isn't a time of day. Use 24-hour time, like 19:00."
