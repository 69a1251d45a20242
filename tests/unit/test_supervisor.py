"""The supervisor forgives a task that fails now and then, and gives up, loudly and
once, on one that keeps failing."""

from __future__ import annotations

import logging

import pytest

from bot.clock import FakeClock
from bot.supervisor import Supervisor

DAY = 86400.0


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_task_failing_once_a_day_for_30_days_is_never_given_up(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    supervisor = Supervisor(clock)
    runs = 0

    async def daily_failure() -> None:
        nonlocal runs
        runs += 1
        await clock.sleep(DAY)
        raise ConnectionError("the database went away")

    supervisor.run("prompt-scheduler", daily_failure)
    try:
        with caplog.at_level(logging.WARNING, logger="bot.supervisor"):
            await clock.run_until(clock.sleep(30 * DAY + 60))
    finally:
        await supervisor.stop()
    assert not supervisor.failed.is_set()
    assert supervisor.gave_up is None
    assert runs == 31  # restarted after each of the 30 failures, 1 s later each time
    assert errors(caplog) == []
    warned = [r.getMessage() for r in caplog.records if "event=task_failed" in r.getMessage()]
    assert warned == ["event=task_failed task=prompt-scheduler failures_in_window=1"] * 30


async def test_a_task_failing_6_times_in_a_minute_is_given_up_with_one_error(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    supervisor = Supervisor(clock)
    runs = 0

    async def broken() -> None:
        nonlocal runs
        runs += 1
        raise RuntimeError("bug")

    with caplog.at_level(logging.WARNING, logger="bot.supervisor"):
        supervisor.run("outbox", broken)
        await clock.run_until(supervisor.failed.wait())
        await clock.run_until(clock.sleep(3600))  # and nothing more happens after that
    await supervisor.stop()
    assert runs == 6
    assert clock.monotonic() == 1 + 2 + 4 + 8 + 16 + 3600  # five restarts, backing off
    assert supervisor.gave_up == "outbox"
    assert errors(caplog) == [
        "event=task_gave_up task=outbox failures=6 within_s=600; stopping Homeroom"
    ]


async def test_a_long_healthy_run_forgets_the_failures_before_it(clock: FakeClock) -> None:
    supervisor = Supervisor(clock)
    runs = 0

    async def flaky() -> None:
        """Five quick failures, five minutes of good work that ends in a failure, four
        quick failures again, then it works."""
        nonlocal runs
        runs += 1
        if runs == 6:
            await clock.sleep(300)
        if runs <= 10:
            raise ConnectionError("reset")
        await clock.sleep(DAY)

    supervisor.run("housekeeping", flaky)
    try:
        await clock.run_until(clock.sleep(3600))
    finally:
        await supervisor.stop()
    assert runs == 11  # ten failures within ten minutes, but a healthy run between them
    assert not supervisor.failed.is_set()
