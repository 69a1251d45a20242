"""The group-commit batcher: a failure is told to its callers and logged once."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Sequence

import pytest
from sqlalchemy import exc
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.app import Homeroom
from bot.clock import FakeClock
from bot.storage.batcher import Batcher
from bot.unavailable import is_transient


async def test_a_failing_flush_task_is_logged_once_and_its_callers_told(
    homeroom: Homeroom, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    async def wrong_count(conn: AsyncConnection, items: Sequence[int]) -> list[int]:
        return []  # a bug: one result short per item

    batcher: Batcher[int, int] = Batcher(homeroom.db.engine, wrong_count, "buggy", clock)
    with caplog.at_level(logging.ERROR):
        batcher.submit(1)
        with pytest.raises(ValueError):
            await batcher.write(2)
        await batcher.drain()
        gc.collect()
    failed = [r for r in caplog.records if "event=batch_task_failed batch=buggy" in r.getMessage()]
    assert len(failed) == 1
    assert "never retrieved" not in caplog.text


async def test_a_retrying_batcher_waits_out_a_blip_and_gives_up_on_stop(
    homeroom: Homeroom, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    refusals = 2
    written: list[list[int]] = []

    async def flaky(conn: AsyncConnection, items: Sequence[int]) -> list[int]:
        nonlocal refusals
        if refusals:
            refusals -= 1
            raise OperationalError("UPDATE", None, ConnectionError("gone"))
        written.append(list(items))
        return list(items)

    batcher: Batcher[int, int] = Batcher(homeroom.db.engine, flaky, "flaky", clock, retry=True)
    with caplog.at_level(logging.WARNING):
        assert await clock.run_until(batcher.write(7)) == 7
    assert (written, clock.monotonic()) == ([[7]], 1.0 + 2.0)  # backoffs on the clock
    retries = [r.getMessage() for r in caplog.records]
    assert retries == [
        "event=batch_retry batch=flaky size=1 attempt=1 backoff=1.0 error=OperationalError"
        "(ConnectionError)",
        "event=batch_retry batch=flaky size=1 attempt=2 backoff=2.0 error=OperationalError"
        "(ConnectionError)",
    ]
    refusals = 1
    batcher.give_up()  # stopping: a refused write now fails its caller instead
    with pytest.raises(OperationalError):
        await batcher.write(8)


async def test_a_retrying_batcher_does_not_retry_a_bug(
    homeroom: Homeroom, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    calls = 0

    async def buggy(conn: AsyncConnection, items: Sequence[int]) -> list[int]:
        nonlocal calls
        calls += 1
        raise KeyError("a bug")

    batcher: Batcher[int, int] = Batcher(homeroom.db.engine, buggy, "buggy", clock, retry=True)
    with caplog.at_level(logging.WARNING), pytest.raises(KeyError):
        await batcher.write(1)
    assert calls == 1  # no retry could mend it
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("ERROR", "event=batch_failed batch=buggy size=1")
    ]


async def test_a_cancelled_writer_cancels_only_its_own_wait(
    homeroom: Homeroom, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A caller cancelled while its item waits for the flush: the item is still written
    with its batch, the other callers get their results, and a failure of that batch
    makes no "never retrieved" noise for the cancelled one."""
    written: list[list[int]] = []
    fail = False

    async def writer(conn: AsyncConnection, items: Sequence[int]) -> list[int]:
        written.append(list(items))
        if fail:
            raise KeyError("a bug")
        return [item * 10 for item in items]

    batcher: Batcher[int, int] = Batcher(homeroom.db.engine, writer, "cancelled", clock)
    first = asyncio.ensure_future(batcher.write(1))
    second = asyncio.ensure_future(batcher.write(2))
    await asyncio.sleep(0)  # both queued
    first.cancel()
    assert await second == 20
    assert (written, first.cancelled()) == ([[1, 2]], True)
    fail = True
    with caplog.at_level(logging.ERROR):
        doomed = asyncio.ensure_future(batcher.write(3))
        await asyncio.sleep(0)
        doomed.cancel()
        await batcher.drain()
        del doomed
        gc.collect()
    assert written[-1] == [3]
    assert [r.getMessage() for r in caplog.records] == ["event=batch_failed batch=cancelled size=1"]


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("sqlstate", "retried"),
    [("40P01", True), ("40001", True), ("23505", False), ("42601", False)],
)
def test_a_deadlock_or_serialization_failure_is_retried_a_constraint_is_not(
    sqlstate: str, retried: bool
) -> None:
    """PostgreSQL aborts one of two deadlocked transactions (seen between the outbox's
    marks and its lease renewal): the same transaction again succeeds, so it is waited
    out like an outage; a broken constraint or bad SQL never succeeds, so it is not."""
    error = exc.DBAPIError("UPDATE outbox ...", None, _PgError(sqlstate))
    assert is_transient(error) is retried
