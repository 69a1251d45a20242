"""Per-channel order across replicas (PostgreSQL): one replica at a time owns a lane, by
a lease in `outbox_lanes`, so a channel's posts written by two replicas are sent by one
of them, in the order they were written, at that channel's one pace.

Before lanes were leased, each replica sent the rows it wrote itself: the second
replica's post went out at once, ahead of the first replica's posts still waiting for
the channel's pace.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.app import Homeroom
from bot.capabilities import RateLimits
from bot.clock import FakeClock
from bot.intents import Intent, Message, Post
from bot.outbox import LEASE
from bot.refs import ConversationRef
from bot.storage.tables import outbox, outbox_lanes
from bot.testing import FakeAdapter

ONE_A_SECOND = RateLimits(per_channel=1.0, per_channel_burst=1, overall=50.0, overall_burst=50)


@pytest.fixture(params=["postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest_asyncio.fixture
async def second(homeroom: Homeroom, clock: FakeClock) -> AsyncIterator[Homeroom]:
    """Another replica on the same database (its own outbox, its own owner)."""
    app = Homeroom(homeroom.settings, clock=clock)
    yield app
    await app.stop()


def posts(*texts: str, channel: str = "parents") -> list[Intent]:
    return [
        Post(to=ConversationRef("fake", "school", channel), message=Message(text=t)) for t in texts
    ]


def texts(adapter: FakeAdapter) -> list[str]:
    return [i.message.text for i in adapter.sent]  # type: ignore[union-attr]


async def started(app: Homeroom, clock: FakeClock) -> FakeAdapter:
    adapter = FakeAdapter(limits=ONE_A_SECOND, clock=clock)
    app.attach(adapter)
    await app.start(timers=False)
    return adapter


async def leases(app: Homeroom) -> list[tuple[str, str | None]]:
    async with app.db.engine.connect() as conn:
        found = await conn.execute(
            select(outbox.c.status, outbox.c.lease_owner).order_by(outbox.c.id)
        )
        return [tuple(r) for r in found]  # type: ignore[misc]


async def lane_owner(app: Homeroom) -> list[tuple[str, str]]:
    async with app.db.engine.connect() as conn:
        found = await conn.execute(select(outbox_lanes.c.lane, outbox_lanes.c.owner))
        return [tuple(r) for r in found]  # type: ignore[misc]


def both_quiet(*apps: Homeroom) -> bool:
    return all(app.outbox.asleep() or app.outbox.quiet() for app in apps)


async def test_a_channels_posts_from_two_replicas_go_out_from_its_owner_in_order(
    homeroom: Homeroom, clock: FakeClock, second: Homeroom
) -> None:
    a, b = await started(homeroom, clock), await started(second, clock)
    homeroom.outbox.submit(posts("p1", "p2", "p3"))  # A owns the lane, sends one a second
    await homeroom.outbox.persisted()
    second.outbox.submit(posts("p4"))  # B writes into A's lane: it is A's to send
    await second.outbox.persisted()
    await second.outbox.idle()  # nothing for B to send
    assert await lane_owner(homeroom) == [("fake:school:parents", homeroom.outbox.owner)]
    assert (await leases(homeroom))[3] == ("pending", None)  # p4: free, for the lane's owner
    await clock.run_until(a.wait_for_calls(3), asleep=lambda: both_quiet(homeroom, second))
    assert await second.outbox.resume(purge=False) == 0  # B may not take A's lane
    assert await homeroom.outbox.resume(purge=False) == 1  # A's claim pass takes p4
    await clock.run_until(homeroom.outbox.idle(), asleep=lambda: both_quiet(homeroom, second))
    assert (texts(a), texts(b)) == (["p1", "p2", "p3", "p4"], [])
    assert a.sent_at == [0.0, 1.0, 2.0, 3.0]  # one pace for the channel


async def test_a_killed_owners_lane_passes_to_another_replica_once_its_lease_runs_out(
    homeroom: Homeroom, clock: FakeClock, second: Homeroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = await started(homeroom, clock)
    homeroom.outbox.submit(posts("p1", "p2", "p3"))
    await clock.run_until(a.wait_for_calls(1), asleep=lambda: both_quiet(homeroom))

    async def killed() -> int:
        return 0  # a killed replica releases nothing

    monkeypatch.setattr(homeroom.outbox, "release_leases", killed)
    await homeroom.stop()
    b = await started(second, clock)
    second.outbox.submit(posts("p4"))  # the lane is still the dead replica's
    await second.outbox.idle()
    clock.advance(LEASE - 1.0)
    assert await second.outbox.resume(purge=False) == 0
    clock.advance(1.0)  # its lease on the lane and on its rows ran out
    assert await second.outbox.resume(purge=False) == 3
    await clock.run_until(second.outbox.idle(), asleep=lambda: both_quiet(second))
    assert (texts(a), texts(b)) == (["p1"], ["p2", "p3", "p4"])  # in order, each once
    assert await lane_owner(second) == []  # all sent: the lane is let go at once


async def test_a_clean_stop_gives_up_its_lanes_and_a_lane_left_idle_lapses(
    homeroom: Homeroom, clock: FakeClock, second: Homeroom
) -> None:
    a, b = await started(homeroom, clock), await started(second, clock)
    homeroom.outbox.submit(posts("p1"))
    await clock.run_until(homeroom.outbox.idle(), asleep=lambda: both_quiet(homeroom))
    assert await homeroom.outbox.renew_leases() == 0  # nothing left: the lane is not renewed
    clock.advance(LEASE)
    second.outbox.submit(posts("p2"))  # the lane lapsed: B takes it and sends at once
    await clock.run_until(second.outbox.idle(), asleep=lambda: both_quiet(second))
    assert (texts(a), texts(b)) == (["p1"], ["p2"])
    await second.stop()
    assert await lane_owner(homeroom) == []
