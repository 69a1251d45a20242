"""A database blip while recording deliveries never sends anything twice.

The fault sits at the connection: the statement that records delivery outcomes raises
OperationalError for its first few executions (PostgreSQL going away for a while), on
SQLite and PostgreSQL alike. The platform fake counts what it received.
"""

from __future__ import annotations

import gc
import logging
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.app import Homeroom
from bot.clock import FakeClock
from bot.commands import parse_time
from bot.intents import Intent, Message, Pin, Post
from bot.refs import ConversationRef, MemberRef
from bot.storage.tables import discussions, outbox, schedules, timers
from bot.testing import FakeAdapter, run_until

GROUPS = 12
REFUSALS = 3


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class RecordingRefused:
    """Makes the statement recording delivery outcomes fail `times` times."""

    def __init__(self, homeroom: Homeroom, times: int) -> None:
        self.left = times
        self.refused = 0
        self._engine = homeroom.db.engine.sync_engine

    def __enter__(self) -> RecordingRefused:
        event.listen(self._engine, "before_cursor_execute", self._maybe_refuse)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self._engine, "before_cursor_execute", self._maybe_refuse)

    def _maybe_refuse(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("UPDATE outbox SET status") and self.left > 0:
            self.left -= 1
            self.refused += 1
            raise OperationalError(statement, None, ConnectionError("server closed the connection"))


async def schedule_prompts(homeroom: Homeroom, groups: int) -> None:
    """`groups` channels, each with a weekly prompt due now, handed to the outbox."""
    await homeroom.directory.community(ConversationRef("fake", "school", "x").community_ref)
    for n in range(groups):
        await homeroom.scheduler.create(
            channel=ConversationRef("fake", "school", f"group{n:02}"),
            series_id="starting-the-year",
            weekday=0,
            at=parse_time("19:00"),
            timezone="UTC",
            start=homeroom.clock.now().date(),
            end=None,
            skips=frozenset(),
            after_break="shift",
            created_by=MemberRef("fake", "school", "dana"),
        )
    async with homeroom.db.engine.begin() as conn:
        await conn.execute(update(schedules).values(next_due=homeroom.clock.now()))
        await conn.execute(update(timers).values(due_at=homeroom.clock.now()))
    assert await homeroom.timers.run_due() == groups


async def statuses(homeroom: Homeroom) -> Counter[str]:
    async with homeroom.db.engine.connect() as conn:
        return Counter((await conn.execute(select(outbox.c.status))).scalars())


async def discussion_roots(homeroom: Homeroom) -> dict[str, str]:
    async with homeroom.db.engine.connect() as conn:
        rows = await conn.execute(select(discussions.c.channel, discussions.c.root))
        return {channel: root for channel, root in rows}


def kinds_by_channel(adapter: FakeAdapter) -> Counter[tuple[str, str]]:
    return Counter((i.to.channel, i.kind) for i in adapter.sent if isinstance(i, Post | Pin))


async def test_a_blip_while_recording_sends_nothing_twice_and_loses_no_discussion(
    homeroom: Homeroom, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    adapter = FakeAdapter(clock=clock)
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    with (
        RecordingRefused(homeroom, REFUSALS) as fault,
        caplog.at_level(logging.WARNING),
    ):
        await schedule_prompts(homeroom, GROUPS)
        await run_until(homeroom)
        gc.collect()  # an unread task failure would be reported now
    assert fault.refused == REFUSALS
    # Each prompt reached its group exactly once, and so did its pin.
    assert kinds_by_channel(adapter) == Counter(
        {(f"group{n:02}", kind): 1 for n in range(GROUPS) for kind in ("post", "pin")}
    )
    assert adapter.calls == 2 * GROUPS
    # The prompts went at once; their record waited 1 + 2 + 4 s for the database, and the
    # pins their receipts staged went out only once it was recorded.
    pin_times = [t for i, t in zip(adapter.sent, adapter.sent_at, strict=True) if i.kind == "pin"]
    assert pin_times == [7.0] * GROUPS
    assert await statuses(homeroom) == Counter({"sent": 2 * GROUPS})
    roots = await discussion_roots(homeroom)
    posted = {i.to.channel: f"m{n + 1}" for n, i in enumerate(adapter.sent) if i.kind == "post"}
    assert roots == posted
    retries = [r for r in caplog.records if "event=batch_retry" in r.getMessage()]
    assert [(r.levelname, "batch=outbox_marks" in r.getMessage()) for r in retries] == [
        ("WARNING", True)
    ] * REFUSALS  # one line per failed try, not one per row
    assert "never retrieved" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_receipt_with_a_bug_is_logged_once_and_blocks_nothing(
    homeroom: Homeroom, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A receipt that raises (not a database outage) has its writes rolled back to its
    savepoint; the row is still recorded as sent, the other receipts' work stands, and
    the lane goes on."""

    async def buggy(
        conn: AsyncConnection, intent: Intent, delivered_id: str | None
    ) -> list[Intent]:
        await conn.execute(
            discussions.insert().values(
                community_id=1,
                channel="nowhere",
                root="half-done",
                schedule_id=1,
                series_id="x",
                prompt_id="y",
                posted_at=clock.now(),
            )
        )
        raise KeyError("a bug")

    adapter = FakeAdapter(clock=clock)
    homeroom.attach(adapter)
    homeroom.outbox.add_receipt(buggy, concerns=lambda intent: intent.kind == "post")
    await homeroom.start(timers=False)
    with caplog.at_level(logging.ERROR):
        await schedule_prompts(homeroom, 2)
        await run_until(homeroom)
    assert kinds_by_channel(adapter) == Counter(
        {(f"group{n:02}", kind): 1 for n in range(2) for kind in ("post", "pin")}
    )
    assert await statuses(homeroom) == Counter({"sent": 4})
    assert sorted(await discussion_roots(homeroom)) == ["group00", "group01"]  # no half-done
    failed = [r for r in caplog.records if "event=receipt_failed" in r.getMessage()]
    assert [r.levelname for r in failed] == ["ERROR", "ERROR"]  # once for each post


async def test_a_failing_send_task_is_logged_once_and_its_lane_goes_on(
    homeroom: Homeroom,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bug inside a send (not a platform's or database's answer) is logged once, never
    left as an unread task exception, and the row is tried again."""
    adapter = FakeAdapter(clock=clock)
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    real = homeroom.outbox._attempt
    broken = iter([True])

    async def attempt_once_broken(*args: Any) -> Any:
        if next(broken, False):
            raise RuntimeError("a bug")
        return await real(*args)

    monkeypatch.setattr(homeroom.outbox, "_attempt", attempt_once_broken)
    with caplog.at_level(logging.ERROR):
        homeroom.outbox.submit(
            [Post(to=ConversationRef("fake", "school", "c"), message=Message(text="hi"))]
        )
        await run_until(homeroom)
        gc.collect()
    assert [i.kind for i in adapter.sent] == ["post"]
    failed = [r for r in caplog.records if "event=send_task_failed" in r.getMessage()]
    assert len(failed) == 1
    assert "never retrieved" not in caplog.text
