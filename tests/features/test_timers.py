"""The one timer loop (bot/timers.py): each occurrence runs once, whatever the handlers
do, on SQLite and PostgreSQL. A small feature of the tests' own sets "ping" timers whose
handler posts one message per timer.

The fake clock starts on Monday 7 September 2026 at 16:00 UTC.
"""

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from bot import timers as timers_module
from bot.app import Homeroom
from bot.clock import Clock, FakeClock, sleep_unless_woken
from bot.features import Feature, default_features
from bot.intents import Message, Post
from bot.kernel import Kernel
from bot.refs import ConversationRef
from bot.storage.tables import outbox, postings, schedules, timers
from bot.testing import FakeAdapter, TestBot, test_settings
from bot.timers import MAX_NAP, RETRY_AFTER, Timed, TimerResult, TimerRun
from tests.features.test_prompt_schedules import BOTH_DATABASES, SCHEDULE, tick, to

BAD = "bad"  # the ping timer whose handler raises
STUCK = "stuck"  # the ping timer whose handler answers with the time it just fired at


async def ping(run: TimerRun) -> Mapping[str, TimerResult]:
    """One post per timer in its own channel; one-shot."""
    if any(t.key == BAD for t in run.due):
        raise RuntimeError("a handler's bug")
    return {
        t.key: TimerResult(
            [Post(to=ConversationRef("fake", "school", f"c{t.key}"), message=Message(t.key))],
            t.due_at if t.key == STUCK else None,
        )
        for t in run.due
    }


async def daily(run: TimerRun) -> Mapping[str, TimerResult]:
    """Like `ping`, every day: the row stays, due again tomorrow."""
    return {
        key: TimerResult(result.intents, run.now + timedelta(days=1))
        for key, result in (await ping(run)).items()
    }


def pings_feature(kernel: Kernel) -> Feature:
    return Feature(name="pings", timers={"ping": Timed(ping), "daily": Timed(daily)})


def app_with_pings(settings: object, clock: FakeClock) -> Homeroom:
    return Homeroom(settings, clock=clock, features=[*default_features(), pings_feature])  # type: ignore[arg-type]


@pytest.fixture
async def pings(database_url: str, clock: FakeClock) -> object:
    app = app_with_pings(test_settings(database_url), clock)
    adapter = FakeAdapter(clock=clock)
    app.attach(adapter)
    await app.start(timers=False)
    yield TestBot(app, adapter)
    await app.stop()


async def set_pings(app: Homeroom, keys: list[str], due: datetime, kind: str = "ping") -> None:
    async with app.db.engine.begin() as conn:
        for key in keys:
            await app.timers.set(conn, "pings", kind, key, due)


async def post_rows(app: Homeroom) -> list[str]:
    async with app.db.engine.connect() as conn:
        return sorted(
            (
                await conn.execute(
                    select(outbox.c.lane).where(outbox.c.payload.contains('"kind":"post"'))
                )
            ).scalars()
        )


async def test_a_handler_that_raises_is_logged_once_and_the_others_still_fire(
    pings: TestBot, caplog: pytest.LogCaptureFixture
) -> None:
    app = pings.app
    await set_pings(app, ["1", BAD, "2", "3"], app.clock.now())
    with caplog.at_level(logging.ERROR, logger="bot.timers"):
        assert await app.timers.run_due() == 3
        await pings.settle()
        assert await app.timers.run_due() == 0  # it waits for its retry, it does not spin
    assert sorted(i.to.channel for i in pings.adapter.sent) == ["c1", "c2", "c3"]  # type: ignore[union-attr]
    failures = [r for r in caplog.records if "event=timer_failed" in r.getMessage()]
    assert len(failures) == 1
    async with app.db.engine.connect() as conn:
        left = (await conn.execute(select(timers.c.key, timers.c.due_at, timers.c.attempts))).all()
    assert [tuple(r) for r in left] == [(BAD, app.clock.now() + timedelta(minutes=1), 1)]


async def test_a_handler_that_does_not_move_its_timer_on_cannot_make_the_loop_spin(
    pings: TestBot, caplog: pytest.LogCaptureFixture
) -> None:
    app = pings.app
    await set_pings(app, [STUCK, "1"], app.clock.now())
    with caplog.at_level(logging.ERROR, logger="bot.timers"):
        assert await asyncio.wait_for(app.timers.run_due(), timeout=10) == 2
    assert [r.getMessage() for r in caplog.records if "timer_not_advanced" in r.getMessage()]
    async with app.db.engine.connect() as conn:
        left = (await conn.execute(select(timers.c.key, timers.c.due_at))).all()
    assert [tuple(r) for r in left] == [(STUCK, app.clock.now() + timedelta(minutes=1))]


async def test_a_prompt_claimed_without_its_advance_cannot_make_the_loop_spin(
    bot: TestBot,
) -> None:
    """An occurrence recorded in `postings` while its schedule still points at it (an
    older build's crash, a hand edit): nothing posts, the schedule moves on, the loop ends."""
    await bot.say("dana", SCHEDULE)
    async with bot.app.db.engine.begin() as conn:
        await conn.execute(
            insert(postings).values(
                schedule_id=1,
                occurrence="2026-09-07",
                prompt_id=None,
                outcome="posted",
                at=bot.app.clock.now(),
            )
        )
    to(bot, datetime(2026, 9, 7, 23, 0, tzinfo=UTC))
    before = len(bot.adapter.sent)
    assert await asyncio.wait_for(bot.app.timers.run_due(), timeout=10) == 1
    await bot.settle()
    assert bot.adapter.sent[before:] == []
    async with bot.app.db.engine.connect() as conn:
        moved = (await conn.execute(select(schedules.c.next_date))).scalar_one()
        due = (await conn.execute(select(timers.c.due_at))).scalar_one()
    assert (moved, due) == ("2026-09-14", datetime(2026, 9, 14, 23, 0, tzinfo=UTC))


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_two_timer_loops_on_one_postgresql_database_run_each_occurrence_once(
    database_url: str, clock: FakeClock
) -> None:
    first, second = (app_with_pings(test_settings(database_url), clock) for _ in range(2))
    await first.db.migrate()
    try:
        keys = [str(n) for n in range(600)]  # three batches each way
        await set_pings(first, keys, clock.now(), kind="daily")
        counts = await asyncio.gather(first.timers.run_due(), second.timers.run_due())
        assert sum(counts) == 600
        assert await post_rows(first) == sorted(f"fake:school:c{k}" for k in keys)
        async with first.db.engine.connect() as conn:
            due = (await conn.execute(select(timers.c.due_at).distinct())).scalars().all()
        assert due == [clock.now() + timedelta(days=1)]
    finally:
        await first.db.close()
        await second.db.close()


class Killed(BaseException):
    """The process dies here: nothing after it runs, the transaction never commits."""


@BOTH_DATABASES
async def test_a_restart_mid_occurrence_posts_nothing_twice(bot: TestBot) -> None:
    await bot.say("dana", SCHEDULE)
    to(bot, datetime(2026, 9, 7, 23, 0, tzinfo=UTC))
    stage = bot.app.outbox.stage

    async def stage_then_die(*args: object) -> object:
        await stage(*args)  # type: ignore[arg-type]
        raise Killed

    bot.app.outbox.stage = stage_then_die  # type: ignore[method-assign]
    with pytest.raises(Killed):
        await bot.app.timers.run_due()
    await bot.app.stop()
    again = Homeroom(bot.app.settings, clock=bot.app.clock)
    adapter = FakeAdapter(clock=bot.app.clock)  # type: ignore[arg-type]
    again.attach(adapter)
    await again.start(timers=False)
    try:
        restarted = TestBot(again, adapter, bot.people, bot._ids)
        posts = [i for i in await tick(restarted) if isinstance(i, Post)]
        assert len(posts) == 1
        assert [i for i in await tick(restarted) if isinstance(i, Post)] == []
        assert [i for i in bot.adapter.sent if isinstance(i, Post)] == []  # the dead one
        assert await post_rows(again) == ["fake:school:parents"]
        async with again.db.engine.connect() as conn:
            claims = (await conn.execute(select(postings.c.occurrence))).scalars().all()
        assert claims == ["2026-09-07"]
    finally:
        await again.stop()


async def test_next_timer_moves_the_clock_to_the_next_timer_of_any_feature_and_runs_it(
    pings: TestBot,
) -> None:
    app = pings.app
    await pings.say("dana", SCHEDULE)  # due 23:00 UTC
    await set_pings(app, ["1"], datetime(2026, 9, 7, 20, 0, tzinfo=UTC))
    ran = await pings.next_timer()
    assert ran is not None
    timer, sent = ran
    assert (timer.feature, timer.kind, timer.key) == ("pings", "ping", "1")
    assert app.clock.now() == datetime(2026, 9, 7, 20, 0, tzinfo=UTC)
    assert [i.to.channel for i in sent] == ["c1"]  # type: ignore[union-attr]
    ran = await pings.next_timer()
    assert ran is not None
    timer, sent = ran
    assert (timer.feature, timer.kind, app.clock.now()) == (
        "prompts",
        "schedule",
        datetime(2026, 9, 7, 23, 0, tzinfo=UTC),
    )
    assert [type(i).__name__ for i in sent] == ["Post", "Pin"]


@pytest.fixture
def naps(monkeypatch: pytest.MonkeyPatch) -> asyncio.Queue[float]:
    """Each nap the timer loop starts, in seconds, as it starts it: the loop has fired
    what was due and committed by then, so a test reads the database, then moves the
    clock. The nap itself is the real `sleep_unless_woken` on the fake clock."""
    started: asyncio.Queue[float] = asyncio.Queue()

    async def napping(clock: Clock, seconds: float, wake: asyncio.Event) -> None:
        started.put_nowait(seconds)
        await sleep_unless_woken(clock, seconds, wake)

    monkeypatch.setattr(timers_module, "sleep_unless_woken", napping)
    return started


async def next_nap(naps: asyncio.Queue[float]) -> float:
    # A guard against a loop that never naps again, not a wait for time to pass.
    return await asyncio.wait_for(naps.get(), timeout=10)


async def test_the_running_loop_sleeps_till_due_replans_when_woken_and_outlives_a_bad_handler(
    pings: TestBot, naps: asyncio.Queue[float], caplog: pytest.LogCaptureFixture
) -> None:
    """`Timers.run` itself, on the fake clock: no `run_due` by hand."""
    app, clock = pings.app, pings.app.clock
    assert isinstance(clock, FakeClock)
    loop = asyncio.create_task(app.timers.run())
    try:
        assert await next_nap(naps) == MAX_NAP  # nothing set: it looks again in a minute

        # (a) A timer 90 s away runs once, when the clock reaches it, and not before.
        await set_pings(app, ["later"], clock.now() + timedelta(seconds=90))
        app.timers.wake()
        assert await next_nap(naps) == MAX_NAP
        clock.advance(MAX_NAP)
        assert await next_nap(naps) == 30.0
        assert await post_rows(app) == []
        clock.advance(30)
        assert await next_nap(naps) == MAX_NAP
        assert await post_rows(app) == ["fake:school:clater"]
        clock.advance(MAX_NAP)
        assert await next_nap(naps) == MAX_NAP
        assert await post_rows(app) == ["fake:school:clater"]

        # (b) Napping until a timer 50 s away, it is woken for one 10 s away: it re-plans.
        await set_pings(app, ["late"], clock.now() + timedelta(seconds=50))
        app.timers.wake()
        assert await next_nap(naps) == 50.0
        await set_pings(app, ["early"], clock.now() + timedelta(seconds=10))
        app.timers.wake()
        assert await next_nap(naps) == 10.0
        clock.advance(10)
        assert await next_nap(naps) == 40.0
        assert await post_rows(app) == ["fake:school:cearly", "fake:school:clater"]
        clock.advance(40)
        assert await next_nap(naps) == MAX_NAP
        assert await post_rows(app) == [
            "fake:school:cearly",
            "fake:school:clate",
            "fake:school:clater",
        ]

        # (c) A handler that raises is logged once; the loop naps until its retry and
        # still fires what comes due meanwhile.
        with caplog.at_level(logging.ERROR, logger="bot.timers"):
            await set_pings(app, [BAD], clock.now())
            app.timers.wake()
            assert await next_nap(naps) == RETRY_AFTER.total_seconds()
            await set_pings(app, ["after"], clock.now() + timedelta(seconds=5))
            app.timers.wake()
            assert await next_nap(naps) == 5.0
            clock.advance(5)
            assert await next_nap(naps) == 55.0
        assert not loop.done()
        assert await post_rows(app) == [
            "fake:school:cafter",
            "fake:school:cearly",
            "fake:school:clate",
            "fake:school:clater",
        ]
        failures = [r for r in caplog.records if "event=timer_failed" in r.getMessage()]
        assert len(failures) == 1
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop


async def test_a_timer_set_for_after_the_nap_does_not_wake_the_loop(
    pings: TestBot, naps: asyncio.Queue[float]
) -> None:
    """`wake_for`: a burst of questions sets reminders hours away; none of them may cost
    the napping loop a look at the database. One due before its nap ends wakes it."""
    app, clock = pings.app, pings.app.clock
    assert isinstance(clock, FakeClock)
    loop = asyncio.create_task(app.timers.run())
    try:
        assert await next_nap(naps) == MAX_NAP
        await set_pings(app, ["hours-away"], clock.now() + timedelta(hours=2))
        app.timers.wake_for(clock.now() + timedelta(hours=2))
        assert not app.timers._changed.is_set()  # napping on: nothing to look at sooner
        await set_pings(app, ["soon"], clock.now() + timedelta(seconds=10))
        app.timers.wake_for(clock.now() + timedelta(seconds=10))
        assert app.timers._changed.is_set()
        assert await next_nap(naps) == 10.0
        clock.advance(10)
        assert await next_nap(naps) == MAX_NAP
        assert await post_rows(app) == ["fake:school:csoon"]
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop
