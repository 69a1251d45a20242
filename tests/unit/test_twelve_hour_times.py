"""Times of day as many parents write them: "7pm", "7:30 am", "7 p. m." (12am is
midnight, 12pm noon); "13pm" and "0am" are still refused."""

from datetime import time

import pytest

from bot.commands import CommandError, parse_time
from bot.testing import TestBot


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("7pm", time(19, 0)),
        ("7:30 am", time(7, 30)),
        ("7:30PM", time(19, 30)),
        ("7 p. m.", time(19, 0)),
        ("9 a.m.", time(9, 0)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("19:00", time(19, 0)),
        ("7", time(7, 0)),
    ],
)
def test_a_twelve_hour_time_is_read(typed: str, meant: time) -> None:
    assert parse_time(typed) == meant


@pytest.mark.parametrize("typed", ["13pm", "0am", "7:60pm", "25:00", "7xm", "pm"])
def test_what_is_not_a_time_is_still_refused(typed: str) -> None:
    with pytest.raises(CommandError):
        parse_time(typed)


async def test_a_schedule_at_7pm_is_at_19_00(bot: TestBot) -> None:
    await bot.say("dana", "/setup timezone=America/New_York")
    said = bot.texts(await bot.say("dana", "/prompt schedule moving-up #parents tuesday 7pm"))
    assert len(said) == 1 and "Tuesdays at 19:00 (America/New_York)" in said[0]


async def test_quiet_hours_may_be_written_9pm_7am(bot: TestBot) -> None:
    said = bot.texts(await bot.say("lee", "/homeroom me settings quiet=9pm-7am"))
    assert len(said) == 1
    assert "Quiet hours: 21:00 to 07:00" in said[0]
    [refused] = bot.texts(await bot.say("lee", "/homeroom me settings quiet=9pm-9pm"))
    assert refused.startswith("Quiet hours are a start and an end")
