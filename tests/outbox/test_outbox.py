"""The outbox: persisted before sending, paced, retried, resumed; never lost or doubled."""

import asyncio
import logging
from typing import Any

import pytest
from sqlalchemy import event, select

from bot.app import Homeroom
from bot.capabilities import RateLimits
from bot.clock import FakeClock
from bot.delivery import PermanentFailure, RetryAfter
from bot.intents import Ephemeral, Intent, Message, Post
from bot.refs import ConversationRef, MemberRef
from bot.storage.tables import outbox
from bot.testing import FakeAdapter, run_until

SLACK_LIKE = RateLimits(per_channel=1.0, per_channel_burst=1, overall=20.0, overall_burst=20)


def posts(channel: str, count: int, start: int = 0) -> list[Intent]:
    where = ConversationRef("fake", "school", channel)
    return [
        Post(to=where, message=Message(text=f"{channel}-{n}")) for n in range(start, start + count)
    ]


async def started(homeroom: Homeroom, adapter: FakeAdapter) -> Homeroom:
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    return homeroom


def texts(adapter: FakeAdapter) -> list[str]:
    return [i.message.text for i in adapter.sent]  # type: ignore[union-attr]


async def rows(homeroom: Homeroom) -> list[tuple[str, int]]:
    async with homeroom.db.engine.connect() as conn:
        result = await conn.execute(
            select(outbox.c.status, outbox.c.attempts).order_by(outbox.c.id)
        )
        return [tuple(r) for r in result]  # type: ignore[misc]


async def test_an_intent_is_in_the_table_before_the_adapter_sees_it(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    seen_in_table: list[list[tuple[str, int]]] = []

    class Inspecting(FakeAdapter):
        async def deliver(self, intent: Intent, *, key: str | None = None) -> str | None:
            seen_in_table.append(await rows(homeroom))
            return await super().deliver(intent)

    adapter = Inspecting(clock=clock)
    await started(homeroom, adapter)
    homeroom.outbox.submit(posts("parents", 1))
    await run_until(homeroom)
    assert seen_in_table == [[("pending", 0)]]
    assert await rows(homeroom) == [("sent", 1)]
    assert (adapter.calls, adapter.sent_at) == (1, [0.0])


async def test_one_channel_is_paced_at_its_limit(homeroom: Homeroom, clock: FakeClock) -> None:
    adapter = FakeAdapter(limits=SLACK_LIKE, clock=clock)
    await started(homeroom, adapter)
    homeroom.outbox.submit(posts("parents", 5))
    await run_until(homeroom)
    assert texts(adapter) == [f"parents-{n}" for n in range(5)]  # in order, each once
    assert adapter.sent_at == pytest.approx([0.0, 1.0, 2.0, 3.0, 4.0])
    assert clock.monotonic() == pytest.approx(4.0)  # and time moved no further


async def test_many_channels_share_the_overall_limit_without_exceeding_it(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    adapter = FakeAdapter(limits=SLACK_LIKE, clock=clock)
    await started(homeroom, adapter)
    for channel in range(100):
        homeroom.outbox.submit(posts(f"g{channel}", 2))
    await run_until(homeroom)
    assert (len(adapter.sent), adapter.calls) == (200, 200)
    assert sorted(texts(adapter)) == sorted(f"g{c}-{n}" for c in range(100) for n in range(2))
    times = adapter.sent_at
    assert times[:20] == [0.0] * 20  # the burst goes at once ...
    # ... then one every 1/20 s: 180 more take exactly 9 seconds, never faster.
    assert times[20:] == pytest.approx([(n + 1) / 20 for n in range(180)])
    for i, t in enumerate(times):  # no one-second window holds more than burst + rate
        in_window = sum(1 for u in times[i:] if u < t + 1.0 - 1e-9)
        assert in_window <= SLACK_LIKE.overall_burst + SLACK_LIKE.overall


async def test_a_burst_of_429s_delays_but_never_loses_or_doubles(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    adapter = FakeAdapter(limits=SLACK_LIKE, clock=clock)
    adapter.failures = [RetryAfter(5.0), RetryAfter(5.0, scope="platform"), RetryAfter(2.5)]
    await started(homeroom, adapter)
    homeroom.outbox.submit(posts("parents", 4))
    await run_until(homeroom)
    assert texts(adapter) == [f"parents-{n}" for n in range(4)]
    assert adapter.calls == 3 + 4  # three refusals, then each message once
    # Refused at 0, 5 and 10; each Retry-After waited out exactly, then 1/s again.
    assert adapter.sent_at == pytest.approx([12.5, 13.5, 14.5, 15.5])
    assert [a for _, a in await rows(homeroom)] == [1, 1, 1, 1]  # a 429 is not a failed attempt


async def test_a_platform_wide_429_pauses_every_channel_for_exactly_its_retry_after(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    limits = RateLimits(
        per_channel=1.0,
        per_channel_burst=1,
        overall=100.0,
        overall_burst=100,
        private=100.0,
        private_burst=100,
    )
    adapter = FakeAdapter(limits=limits, clock=clock)
    await started(homeroom, adapter)
    clock.advance(1000.0)  # late in a long uptime: the pause must not grow with it
    adapter.failures = [RetryAfter(7.0, scope="platform")]
    homeroom.outbox.submit(posts("a", 1))
    await run_until(homeroom, adapter.wait_for_calls(1))
    answer = Ephemeral(
        to=ConversationRef("fake", "school", "c"),
        member=MemberRef("fake", "school", "lee"),
        message=Message(text="yours"),
    )
    homeroom.outbox.submit([*posts("b", 1), answer])  # other lanes, after the 429
    await run_until(homeroom)
    assert adapter.calls == 1 + 3
    sent = dict(zip(texts(adapter), adapter.sent_at, strict=True))
    # Each waits exactly the Retry-After; then the platform's bucket starts from one
    # message (a-0, b-0 a 1/100 s later) and private answers from their own.
    assert sent == pytest.approx({"a-0": 1007.0, "b-0": 1007.01, "yours": 1007.0}, abs=1e-6)


async def test_a_channels_429_pauses_only_that_channel(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    adapter = FakeAdapter(limits=SLACK_LIKE, clock=clock)
    await started(homeroom, adapter)
    adapter.failures = [RetryAfter(7.0)]
    homeroom.outbox.submit(posts("a", 1))
    await run_until(homeroom, adapter.wait_for_calls(1))
    homeroom.outbox.submit(posts("b", 1))
    await run_until(homeroom)
    assert dict(zip(texts(adapter), adapter.sent_at, strict=True)) == {"b-0": 0.0, "a-0": 7.0}
    assert adapter.calls == 3


async def test_errors_back_off_then_succeed(homeroom: Homeroom, clock: FakeClock) -> None:
    adapter = FakeAdapter(clock=clock)
    adapter.failures = [ConnectionError("reset"), ConnectionError("reset")]
    await started(homeroom, adapter)
    homeroom.outbox.submit(posts("parents", 1))
    await run_until(homeroom)
    assert texts(adapter) == ["parents-0"]
    assert adapter.calls == 3
    assert adapter.sent_at == [1.0 + 2.0]  # exponential backoff, exactly
    assert await rows(homeroom) == [("sent", 3)]


async def test_a_row_resumed_after_a_crash_keeps_its_backoff(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    adapter = FakeAdapter(clock=clock)
    adapter.failures = [ConnectionError("reset")] * 3  # backoffs of 1, 2 and then 4 s
    await started(homeroom, adapter)
    homeroom.outbox.submit(posts("parents", 1))
    await run_until(homeroom, adapter.wait_for_calls(3))
    await run_until(homeroom, homeroom.outbox.persisted())
    await homeroom.stop()  # the process dies at t=3, its retry due at t=7
    assert clock.monotonic() == 3.0
    clock.advance(1.0)  # back up a second later

    second = Homeroom(homeroom.settings, clock=clock)
    again = FakeAdapter(clock=clock)
    again.failures = [ConnectionError("reset")]  # one more failure: the next wait is 8 s
    try:
        await started(second, again)
        await run_until(second)
        assert await rows(second) == [("sent", 5)]
    finally:
        await second.stop()
    assert (again.calls, texts(again)) == (2, ["parents-0"])
    assert again.sent_at == [7.0 + 8.0]  # the 4 s wait kept, and the attempt count too


async def test_a_permanent_failure_is_recorded_and_logged_not_retried(
    homeroom: Homeroom, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    adapter = FakeAdapter(clock=clock)
    adapter.failures = [PermanentFailure("channel_not_found")]
    await started(homeroom, adapter)
    with caplog.at_level(logging.ERROR):
        homeroom.outbox.submit(posts("gone", 1) + posts("parents", 1))
        await run_until(homeroom)
    assert texts(adapter) == ["parents-0"]
    assert adapter.calls == 2
    assert sorted(await rows(homeroom)) == [("failed", 1), ("sent", 1)]
    assert "event=delivery_failed" in caplog.text and "lane=fake:school:gone" in caplog.text


async def test_giving_up_after_max_attempts_is_reported(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    adapter = FakeAdapter(clock=clock)
    adapter.failures = [TimeoutError()] * 8
    await started(homeroom, adapter)
    homeroom.outbox.submit(posts("parents", 1))
    await run_until(homeroom)
    assert (adapter.sent, adapter.calls) == ([], 8)
    assert clock.monotonic() == 1 + 2 + 4 + 8 + 16 + 32 + 64  # seven backoffs, exactly
    assert await rows(homeroom) == [("failed", 8)]


async def test_killed_midway_it_resumes_with_nothing_lost_and_nothing_twice(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    delivered: list[str] = []

    class Recording(FakeAdapter):
        async def deliver(self, intent: Intent, *, key: str | None = None) -> str | None:
            self.count_call()
            delivered.append(intent.message.text)  # type: ignore[union-attr]
            await asyncio.sleep(0)  # a real call yields; the kill can land here
            return f"m{len(delivered)}"

    limits = RateLimits(per_channel=1.0, per_channel_burst=1, overall=50.0, overall_burst=5)
    first = Recording(limits=limits, clock=clock)
    await started(homeroom, first)
    for channel in ("a", "b", "c", "d", "e"):
        homeroom.outbox.submit(posts(channel, 10))
    await run_until(homeroom, first.wait_for_calls(20))
    await homeroom.supervisor.stop()  # the delivery loop dies mid fan-out
    await homeroom.outbox.stop()
    assert len(delivered) == 20  # five a second: the 20th went at t=3, and no more after

    second = Homeroom(homeroom.settings, clock=clock)
    try:
        await started(second, Recording(limits=limits, clock=clock))
        await run_until(second)
    finally:
        await second.stop()
    assert sorted(delivered) == sorted(f"{c}-{n}" for c in "abcde" for n in range(10))
    for channel in "abcde":  # and each channel still reads in order
        assert [t for t in delivered if t[0] == channel] == [f"{channel}-{n}" for n in range(10)]


async def test_a_send_in_flight_when_the_loop_is_cancelled_is_neither_lost_nor_doubled(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    received: list[str] = []
    answering = asyncio.Event()
    answer = asyncio.Event()

    class Slow(FakeAdapter):
        async def deliver(self, intent: Intent, *, key: str | None = None) -> str | None:
            received.append(intent.message.text)  # type: ignore[union-attr]
            answering.set()
            await answer.wait()  # the platform has the message; its answer is on the way
            return "m1"

    await started(homeroom, Slow(clock=clock))
    homeroom.outbox.submit(posts("parents", 1))
    await run_until(homeroom, answering.wait())
    # Shutting down cancels every task, the sends under way among them.
    sends = [t for t in asyncio.all_tasks() if t.get_coro().__qualname__ == "Outbox._send"]  # type: ignore[union-attr]
    assert len(sends) == 1
    await homeroom.supervisor.stop()
    sends[0].cancel()
    answer.set()
    await homeroom.stop()

    second = Homeroom(homeroom.settings, clock=clock)
    try:
        await started(second, Slow(clock=clock))
        await run_until(second)
        assert await rows(second) == [("sent", 1)]
    finally:
        await second.stop()
    assert received == ["parents-0"]  # sent once, and recorded as sent


async def test_private_answers_do_not_queue_behind_a_fan_out(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    limits = RateLimits(
        per_channel=1.0,
        per_channel_burst=1,
        overall=1.0,
        overall_burst=1,
        private=50.0,
        private_burst=50,
    )
    adapter = FakeAdapter(limits=limits, clock=clock)
    homeroom.attach(adapter)
    for channel in range(30):
        homeroom.outbox.submit(posts(f"g{channel}", 1))  # a fan-out: 30 s at 1/s overall
    answer = Ephemeral(
        to=ConversationRef("fake", "school", "g0"),
        member=MemberRef("fake", "school", "lee"),
        message=Message(text="yours"),
    )
    homeroom.outbox.submit([answer])
    await homeroom.outbox.persisted()  # both in the table before delivery starts
    await homeroom.start(timers=False)
    await run_until(homeroom)
    assert (len(adapter.sent), adapter.calls) == (31, 31)  # each exactly once
    assert sorted(texts(adapter)) == sorted([*(f"g{c}-0" for c in range(30)), "yours"])
    answered_at = adapter.sent_at[texts(adapter).index("yours")]
    assert answered_at == 0.0  # not after the fan-out's 30 seconds
    fan_out = [
        t for text, t in zip(texts(adapter), adapter.sent_at, strict=True) if text != "yours"
    ]
    assert fan_out == pytest.approx([float(n) for n in range(30)])  # one a second, exactly


async def test_rows_staged_before_start_are_sent_once_whoever_queues_them_first(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    adapter = FakeAdapter(clock=clock)
    homeroom.attach(adapter)
    await homeroom.db.migrate()
    async with homeroom.db.engine.begin() as conn:  # a claim and its posts, committed
        staged = await homeroom.outbox.stage(conn, posts("parents", 3))
    await homeroom.start(timers=False)  # resume finds the committed rows ...
    homeroom.outbox.release(staged)  # ... and the claimer hands them over too
    await run_until(homeroom)
    assert (texts(adapter), adapter.calls) == ([f"parents-{n}" for n in range(3)], 3)
    assert await rows(homeroom) == [("sent", 1)] * 3


async def test_rows_this_run_already_queued_are_not_resumed_again(
    homeroom: Homeroom, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """`resume` hands over only what a previous run left: rows submitted before start
    are queued already, so it counts (and logs) none of them, and each is sent once."""
    adapter = FakeAdapter(clock=clock)
    homeroom.attach(adapter)
    await homeroom.db.migrate()
    homeroom.outbox.submit(posts("parents", 3))
    await homeroom.outbox.persisted()
    with caplog.at_level(logging.INFO, logger="bot.outbox"):
        assert await homeroom.outbox.resume() == 0
    assert "event=outbox_resumed" not in caplog.text
    await homeroom.start(timers=False)
    await run_until(homeroom)
    assert (texts(adapter), adapter.calls) == ([f"parents-{n}" for n in range(3)], 3)


async def test_rows_noted_in_flight_stay_within_the_concurrency_cap(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    """A fan-out waiting for the platform's pace notes only as many rows in flight as may
    be under way at once, so a crash leaves at most that many to check on resume."""
    limits = RateLimits(per_channel=1.0, per_channel_burst=1, overall=1.0, overall_burst=1)
    adapter = FakeAdapter(limits=limits, clock=clock)
    await started(homeroom, adapter)
    for channel in range(100):
        homeroom.outbox.submit(posts(f"g{channel}", 1))
    await run_until(homeroom, adapter.wait_for_calls(10))

    async def settled() -> None:  # every write done; only the next second can move it on
        while not homeroom.outbox.asleep():  # noqa: ASYNC110 (a state, not an event)
            await asyncio.sleep(0)

    await run_until(homeroom, settled())
    async with homeroom.db.engine.connect() as conn:
        noted = (
            await conn.execute(
                select(outbox.c.id).where(
                    (outbox.c.status == "pending") & outbox.c.sending_since.is_not(None)
                )
            )
        ).all()
    # 32 noted at once; each second one of them goes and one more is noted, never more.
    assert (len(noted), clock.monotonic()) == (31, 9.0)


async def test_a_communitys_429_holds_its_shared_posts_only(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    """Slack limits each method per workspace: a 429 on a post holds that workspace's
    posts, not another workspace's, nor its members' private answers (another method)."""
    limits = RateLimits(
        per_channel=1.0,
        per_channel_burst=1,
        overall=100.0,
        overall_burst=100,
        private=100.0,
        private_burst=100,
    )
    adapter = FakeAdapter(limits=limits, clock=clock)
    await started(homeroom, adapter)
    adapter.failures = [RetryAfter(7.0, scope="community")]
    homeroom.outbox.submit(posts("a", 1))
    await run_until(homeroom, adapter.wait_for_calls(1))
    elsewhere = Post(to=ConversationRef("fake", "other", "x"), message=Message(text="x-0"))
    answer = Ephemeral(
        to=ConversationRef("fake", "school", "c"),
        member=MemberRef("fake", "school", "lee"),
        message=Message(text="yours"),
    )
    homeroom.outbox.submit([*posts("b", 1), elsewhere, answer])
    await run_until(homeroom)
    assert adapter.calls == 1 + 4
    sent = dict(zip(texts(adapter), adapter.sent_at, strict=True))
    # The workspace starts again from one post at the Retry-After, then at its rate.
    assert sent == pytest.approx({"x-0": 0.0, "yours": 0.0, "a-0": 7.0, "b-0": 7.01}, abs=1e-6)


async def test_a_burst_of_answers_notes_the_next_rows_in_the_commit_that_records_the_last(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    """96 private answers, 32 under way at a time: once the platform answered a send, the
    next row's in-flight note shares the commit that records it, so the burst takes one
    marks transaction per 32 rows (plus the first notes), not two; and no committed state
    has more than 32 rows in flight."""
    adapter = FakeAdapter(clock=clock)
    await started(homeroom, adapter)
    commits: list[tuple[str, ...]] = []  # per committed transaction: what it did
    in_flight: list[int] = [0]  # rows noted and not yet recorded, after each commit
    current: dict[str, int] = {}

    def executed(conn: object, cursor: Any, statement: str, *_: object) -> None:
        if statement.startswith("UPDATE outbox SET sending_since"):
            current["note"] = current.get("note", 0) + cursor.rowcount
        elif statement.startswith(("DELETE FROM outbox", "UPDATE outbox SET status")):
            current["record"] = current.get("record", 0) + cursor.rowcount

    def committed(conn: object) -> None:
        if current:
            commits.append(tuple(sorted(current)))
            in_flight.append(in_flight[-1] + current.get("note", 0) - current.get("record", 0))
            current.clear()

    engine = homeroom.db.engine.sync_engine
    event.listen(engine, "after_cursor_execute", executed)
    event.listen(engine, "commit", committed)
    homeroom.outbox.submit(
        [
            Ephemeral(
                to=ConversationRef("fake", "school", "parents"),
                member=MemberRef("fake", "school", f"m{n}"),
                message=Message(text=f"answer-{n}"),
            )
            for n in range(96)
        ]
    )
    await run_until(homeroom)
    event.remove(engine, "after_cursor_execute", executed)
    event.remove(engine, "commit", committed)
    assert sorted(texts(adapter)) == sorted(f"answer-{n}" for n in range(96))
    assert commits == [("note",), ("note", "record"), ("note", "record"), ("record",)]
    assert in_flight == [0, 32, 32, 32, 0]


async def test_a_noted_row_is_sent_by_the_task_that_noted_it(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    """When its tokens are there once its note commits, a row goes on to the platform in
    the same task: two tasks a row (the send and its shielding wrapper), not four."""
    adapter = FakeAdapter(clock=clock)
    await started(homeroom, adapter)
    sends: list[str] = []
    loop = asyncio.get_running_loop()

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
        name = getattr(coro, "__qualname__", "")
        if name.startswith("Outbox._"):  # the outbox's own tasks (not run_until's `idle`)
            sends.append(name)
        return asyncio.Task(coro, loop=loop, **kwargs)

    loop.set_task_factory(factory)
    try:
        homeroom.outbox.submit(
            [
                Ephemeral(
                    to=ConversationRef("fake", "school", "parents"),
                    member=MemberRef("fake", "school", f"m{n}"),
                    message=Message(text=f"answer-{n}"),
                )
                for n in range(10)
            ]
        )
        await run_until(homeroom)
    finally:
        loop.set_task_factory(None)
    assert adapter.calls == 10
    assert sorted(sends) == ["Outbox._note_in_flight"] * 10 + ["Outbox._send"] * 10


class _CountingLanes(dict[str, Any]):
    """The outbox's lanes, counting how many times one is looked up by key."""

    looked = 0

    def __getitem__(self, key: str) -> Any:
        self.looked += 1
        return super().__getitem__(key)


async def test_sends_at_the_concurrency_cap_are_not_looked_through_each_time_one_ends(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    """300 posts waiting behind 32 sends under way: each send that ends lets exactly one
    more start, found by looking at one lane, not at the 268 that wait."""
    entered: list[str] = []
    gate = asyncio.Semaphore(0)

    class Held(FakeAdapter):
        async def deliver(self, intent: Intent, *, key: str | None = None) -> str | None:
            entered.append(intent.message.text)  # type: ignore[union-attr]
            await gate.acquire()
            return await super().deliver(intent, key=key)

    adapter = Held(clock=clock)
    await started(homeroom, adapter)
    for channel in range(300):
        homeroom.outbox.submit(posts(f"g{channel}", 1))

    async def entering(count: int) -> None:
        while len(entered) < count:  # noqa: ASYNC110 (a count, not an event)
            await asyncio.sleep(0)

    await run_until(homeroom, entering(32))
    lanes = homeroom.outbox._lanes = _CountingLanes(homeroom.outbox._lanes)
    for n in range(10):
        gate.release()
        await run_until(homeroom, entering(33 + n))
    await asyncio.sleep(0)
    assert (len(entered), lanes.looked) == (42, 10)
    for _ in range(300):
        gate.release()
    await run_until(homeroom)
    assert len(adapter.sent) == 300
