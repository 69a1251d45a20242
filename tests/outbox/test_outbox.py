"""The outbox: persisted before sending, paced, retried, resumed; never lost or doubled."""

import asyncio
import logging

import pytest
from sqlalchemy import select

from bot.app import Homeroom
from bot.capabilities import RateLimits
from bot.clock import FakeClock
from bot.delivery import PermanentFailure, RetryAfter
from bot.intents import Intent, Message, Post
from bot.refs import ConversationRef
from bot.storage.tables import outbox
from bot.testing import FakeAdapter

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
        async def deliver(self, intent: Intent) -> str | None:
            seen_in_table.append(await rows(homeroom))
            return await super().deliver(intent)

    adapter = Inspecting(clock=clock)
    await started(homeroom, adapter)
    homeroom.outbox.submit(posts("parents", 1))
    await homeroom.outbox.idle()
    assert seen_in_table == [[("pending", 0)]]
    assert await rows(homeroom) == [("sent", 1)]


async def test_one_channel_is_paced_at_its_limit(homeroom: Homeroom, clock: FakeClock) -> None:
    adapter = FakeAdapter(limits=SLACK_LIKE, clock=clock)
    await started(homeroom, adapter)
    homeroom.outbox.submit(posts("parents", 5))
    await homeroom.outbox.idle()
    assert texts(adapter) == [f"parents-{n}" for n in range(5)]  # in order
    gaps = [b - a for a, b in zip(adapter.sent_at, adapter.sent_at[1:], strict=False)]
    assert gaps == pytest.approx([1.0] * 4)


async def test_many_channels_share_the_overall_limit_without_exceeding_it(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    adapter = FakeAdapter(limits=SLACK_LIKE, clock=clock)
    await started(homeroom, adapter)
    for channel in range(100):
        homeroom.outbox.submit(posts(f"g{channel}", 2))
    await homeroom.outbox.idle()
    assert len(adapter.sent) == 200
    times = adapter.sent_at
    # No one-second window holds more than the burst plus the rate.
    for i, t in enumerate(times):
        in_window = sum(1 for u in times[i:] if u < t + 1.0)
        assert in_window <= SLACK_LIKE.overall_burst + SLACK_LIKE.overall
    elapsed = times[-1] - times[0]
    assert 200 / elapsed >= 0.9 * SLACK_LIKE.overall  # and it keeps close to the allowed rate


async def test_a_burst_of_429s_delays_but_never_loses_or_doubles(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    adapter = FakeAdapter(limits=SLACK_LIKE, clock=clock)
    adapter.failures = [RetryAfter(5.0), RetryAfter(5.0, overall=True), RetryAfter(2.5)]
    await started(homeroom, adapter)
    homeroom.outbox.submit(posts("parents", 4))
    await homeroom.outbox.idle()
    assert texts(adapter) == [f"parents-{n}" for n in range(4)]
    assert adapter.sent_at[0] >= 12.5  # waited out every Retry-After
    assert [a for _, a in await rows(homeroom)] == [1, 1, 1, 1]  # a 429 is not a failed attempt


async def test_errors_back_off_then_succeed(homeroom: Homeroom, clock: FakeClock) -> None:
    adapter = FakeAdapter(clock=clock)
    adapter.failures = [ConnectionError("reset"), ConnectionError("reset")]
    await started(homeroom, adapter)
    homeroom.outbox.submit(posts("parents", 1))
    await homeroom.outbox.idle()
    assert texts(adapter) == ["parents-0"]
    assert adapter.sent_at[0] >= 1.0 + 2.0  # exponential backoff
    assert await rows(homeroom) == [("sent", 3)]


async def test_a_permanent_failure_is_recorded_and_logged_not_retried(
    homeroom: Homeroom, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    adapter = FakeAdapter(clock=clock)
    adapter.failures = [PermanentFailure("channel_not_found")]
    await started(homeroom, adapter)
    with caplog.at_level(logging.ERROR):
        homeroom.outbox.submit(posts("gone", 1) + posts("parents", 1))
        await homeroom.outbox.idle()
    assert texts(adapter) == ["parents-0"]
    assert sorted(await rows(homeroom)) == [("failed", 1), ("sent", 1)]
    assert "event=delivery_failed" in caplog.text and "lane=fake:school:gone" in caplog.text


async def test_giving_up_after_max_attempts_is_reported(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    adapter = FakeAdapter(clock=clock)
    adapter.failures = [TimeoutError()] * 8
    await started(homeroom, adapter)
    homeroom.outbox.submit(posts("parents", 1))
    await homeroom.outbox.idle()
    assert adapter.sent == []
    assert await rows(homeroom) == [("failed", 8)]


async def test_killed_midway_it_resumes_with_nothing_lost_and_nothing_twice(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    delivered: list[str] = []
    reached_twenty = asyncio.Event()

    class Recording(FakeAdapter):
        async def deliver(self, intent: Intent) -> str | None:
            delivered.append(intent.message.text)  # type: ignore[union-attr]
            if len(delivered) == 20:
                reached_twenty.set()
            await asyncio.sleep(0)  # a real call yields; the kill can land here
            return f"m{len(delivered)}"

    limits = RateLimits(per_channel=1.0, per_channel_burst=1, overall=50.0, overall_burst=5)
    await started(homeroom, Recording(limits=limits, clock=clock))
    for channel in ("a", "b", "c", "d", "e"):
        homeroom.outbox.submit(posts(channel, 10))
    await reached_twenty.wait()
    await homeroom.supervisor.stop()  # the delivery loop dies mid fan-out
    await homeroom.outbox.stop()
    assert 20 <= len(delivered) < 50

    second = Homeroom(homeroom.settings, clock=clock)
    try:
        await started(second, Recording(limits=limits, clock=clock))
        await second.outbox.idle()
    finally:
        await second.stop()
    assert sorted(delivered) == sorted(f"{c}-{n}" for c in "abcde" for n in range(10))
    for channel in "abcde":  # and each channel still reads in order
        assert [t for t in delivered if t[0] == channel] == [f"{channel}-{n}" for n in range(10)]


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
    from bot.intents import Ephemeral
    from bot.refs import MemberRef

    answer = Ephemeral(
        to=ConversationRef("fake", "school", "g0"),
        member=MemberRef("fake", "school", "lee"),
        message=Message(text="yours"),
    )
    homeroom.outbox.submit([answer])
    await homeroom.outbox.persisted()  # both in the table before delivery starts
    await homeroom.start(timers=False)
    await homeroom.outbox.idle()
    answered_at = adapter.sent_at[[i.message.text for i in adapter.sent].index("yours")]  # type: ignore[union-attr]
    assert answered_at < 1.0  # not after the fan-out's 30 seconds
    assert adapter.sent_at[-1] >= 28.0
