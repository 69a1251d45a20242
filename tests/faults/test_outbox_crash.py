"""Killed between the platform's answer and our record of it, nothing is sent twice.

The first run's platform takes the message and the process dies before the outcome is
committed (its send is cancelled mid-call and its state dropped); a second Homeroom on
the same database resumes. The pretend platform remembers every message by its key.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.app import Homeroom
from bot.clock import FakeClock
from bot.intents import Intent, Message, Pin, Post
from bot.refs import ConversationRef
from bot.storage.tables import outbox
from bot.testing import FakeAdapter, run_until

WHERE = ConversationRef("fake", "school", "parents")


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class Platform:
    """What the platform holds: message ID by the key it was sent with."""

    def __init__(self) -> None:
        self.by_key: dict[str, str] = {}
        self.received: list[tuple[str, str | None]] = []  # (kind, key) of every send

    def take(self, intent: Intent, key: str | None) -> str:
        self.received.append((intent.kind, key))
        return self.by_key.setdefault(key or "", f"m{len(self.by_key) + 1}")


class DiesAfterTheAnswer(FakeAdapter):
    """The platform has the message; the process dies before it hears the answer."""

    def __init__(self, platform: Platform, clock: FakeClock) -> None:
        super().__init__(clock=clock)
        self.platform = "fake"
        self.world = platform
        self.answered = asyncio.Event()

    async def deliver(self, intent: Intent, *, key: str | None = None) -> str | None:
        self.count_call()
        self.world.take(intent, key)
        self.answered.set()
        await asyncio.Event().wait()  # killed here
        raise AssertionError("unreachable")


class Resending(FakeAdapter):
    def __init__(self, platform: Platform, clock: FakeClock) -> None:
        super().__init__(clock=clock)
        self.world = platform

    async def deliver(self, intent: Intent, *, key: str | None = None) -> str | None:
        self.count_call()
        self.sent.append(intent)
        return self.world.take(intent, key)


class Checking(Resending):
    """An adapter that can tell whether a row's message already arrived."""

    def __init__(self, platform: Platform, clock: FakeClock) -> None:
        super().__init__(platform, clock)
        self.checked: list[str] = []

    async def find_delivered(self, intent: Intent, key: str) -> str | None:
        self.checked.append(key)
        return self.world.by_key.get(key)


async def killed_after_the_answer(homeroom: Homeroom, platform: Platform, clock: FakeClock) -> None:
    """Two posts in one channel: the first reaches the platform, then the process dies."""
    adapter = DiesAfterTheAnswer(platform, clock)
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    homeroom.outbox.submit([Post(to=WHERE, message=Message(text=t)) for t in ("first", "second")])
    await run_until(homeroom, adapter.answered.wait())
    for send in list(homeroom.outbox._in_flight):  # kill -9: no record is written
        send.cancel()
    await homeroom.stop()


async def resumed(homeroom: Homeroom, adapter: FakeAdapter, clock: FakeClock) -> list[str]:
    """A new process on the same database; returns what its receipt was told."""
    told: list[str] = []

    async def receipt(
        conn: AsyncConnection, intent: Intent, delivered_id: str | None
    ) -> list[Intent]:
        told.append(f"{intent.kind}:{delivered_id}")
        return [Pin(to=replace(WHERE, message=delivered_id))]

    second = Homeroom(homeroom.settings, clock=clock)
    second.outbox.add_receipt(receipt, concerns=lambda intent: intent.kind == "post")
    try:
        second.attach(adapter)
        await second.start(timers=False)
        await run_until(second)
        async with second.db.engine.connect() as conn:
            rows = (await conn.execute(select(outbox.c.status).order_by(outbox.c.id))).all()
        assert [status for (status,) in rows] == ["sent"] * 4  # two posts, two pins
    finally:
        await second.stop()
    return told


async def test_a_row_the_platform_has_is_recorded_as_sent_without_sending_it_again(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    platform = Platform()
    await killed_after_the_answer(homeroom, platform, clock)
    assert platform.received == [("post", "hr1")]
    checking = Checking(platform, clock)
    told = await resumed(homeroom, checking, clock)
    assert checking.checked == ["hr1"]  # only the row that was in flight is asked about
    assert [(i.kind, getattr(i, "message", None) and i.message.text) for i in checking.sent] == [
        ("post", "second"),  # the first is not sent again ...
        ("pin", None),
        ("pin", None),
    ]
    assert platform.received == [("post", "hr1"), ("post", "hr2"), ("pin", "hr3"), ("pin", "hr4")]
    assert told == ["post:m1", "post:m2"]  # ... yet its receipt ran, with the platform's ID


async def test_without_a_check_the_resend_carries_the_same_key(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    platform = Platform()
    await killed_after_the_answer(homeroom, platform, clock)
    resending = Resending(platform, clock)
    told = await resumed(homeroom, resending, clock)
    # Sent again, with the key the platform already has (Discord drops it by nonce).
    assert platform.received[:2] == [("post", "hr1"), ("post", "hr1")]
    assert platform.received[2:] == [("post", "hr2"), ("pin", "hr3"), ("pin", "hr4")]
    assert len(platform.by_key) == 4  # one message per key: nothing doubled on the platform
    assert told == ["post:m1", "post:m2"]
