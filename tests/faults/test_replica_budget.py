"""One platform budget across replicas (PostgreSQL): each live replica paces a
platform's overall limit at its share (1/N), so three replicas delivering a burst at
once never send faster, together, than the platform allows; and a platform-wide 429
seen by one replica pauses every replica.

Before the budget was shared, each replica paced the whole limit on its own: three of
them sent three times the platform's rate.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio

from bot.app import Homeroom
from bot.budget import BEAT
from bot.capabilities import RateLimits
from bot.clock import FakeClock
from bot.delivery import RetryAfter
from bot.intents import Intent, Message, Post
from bot.refs import ConversationRef
from bot.testing import FakeAdapter

RATE, BURST = 10.0, 10
LIMITS = RateLimits(per_channel=100.0, per_channel_burst=100, overall=RATE, overall_burst=BURST)
EACH = 40  # posts each replica delivers, to channels of its own


@pytest.fixture(params=["postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest_asyncio.fixture
async def replicas(homeroom: Homeroom, clock: FakeClock) -> AsyncIterator[Callable[[], Homeroom]]:
    """More replicas on the same database, as many as a test asks for."""
    made: list[Homeroom] = []

    def make() -> Homeroom:
        app = Homeroom(homeroom.settings, clock=clock)
        made.append(app)
        return app

    yield make
    for app in made:
        await app.stop()


def posts(replica: int, count: int) -> list[Intent]:
    return [
        Post(to=ConversationRef("fake", "school", f"r{replica}c{n}"), message=Message(text="hi"))
        for n in range(count)
    ]


def still(*apps: Homeroom) -> Callable[[], bool]:
    """Only time can move these replicas on (each waits for the clock, or has nothing)."""
    return lambda: all(app.outbox.asleep() or app.outbox.quiet() for app in apps)


def over_the_limit(times: list[float]) -> int:
    """The most sends any window held beyond what the platform allows in it (a burst
    of BURST, then RATE a second): 0 when the limit was kept."""
    times = sorted(times)
    worst = 0
    for first in range(len(times)):
        for last in range(first, len(times)):
            allowed = BURST + RATE * (times[last] - times[first]) + 1e-9
            worst = max(worst, int(last - first + 1 - allowed + 0.999999))
    return worst


async def started(app: Homeroom, clock: FakeClock, *, shared: bool = True) -> FakeAdapter:
    adapter = FakeAdapter(limits=LIMITS, clock=clock)
    app.attach(adapter)
    if shared:
        app.outbox.share()
    await app.start(timers=False)
    return adapter


async def test_three_replicas_together_never_exceed_the_platforms_rate(
    homeroom: Homeroom, clock: FakeClock, replicas: Callable[[], Homeroom]
) -> None:
    apps = [homeroom, replicas(), replicas()]
    adapters = [await started(app, clock) for app in apps]
    assert [app.outbox.budget.replicas for app in apps] == [1, 2, 3]  # counted as they join
    for n, app in enumerate(apps):
        app.outbox.submit(posts(n, EACH))
    everyone = [app.outbox.idle() for app in apps]

    async def all_idle() -> None:
        for idle in everyone:
            await idle

    await clock.run_until(all_idle(), asleep=still(*apps))
    times = [t for adapter in adapters for t in adapter.sent_at]
    assert (len(times), over_the_limit(times)) == (3 * EACH, 0)
    assert [app.outbox.budget.replicas for app in apps] == [3, 3, 3]
    assert min(times) == BEAT  # none sends before every other has counted it
    # 120 posts at 10 a second: 12.7 s at best (not the 4 s of three full rates); a few
    # more while the shares settle, a beat at a time, as the replicas join.
    assert BEAT + (3 * EACH - 3) / RATE <= max(times) <= 16.0


async def test_replicas_pacing_alone_exceed_it(
    homeroom: Homeroom, clock: FakeClock, replicas: Callable[[], Homeroom]
) -> None:
    """What the budget prevents: each replica at the whole rate."""
    apps = [homeroom, replicas(), replicas()]
    adapters = [await started(app, clock, shared=False) for app in apps]
    for n, app in enumerate(apps):
        app.outbox.submit(posts(n, EACH))
    for app in apps:
        await clock.run_until(app.outbox.idle(), asleep=still(*apps))
    assert over_the_limit([t for adapter in adapters for t in adapter.sent_at]) > 0


async def test_a_platform_wide_429_seen_by_one_replica_pauses_every_replica(
    homeroom: Homeroom, clock: FakeClock, replicas: Callable[[], Homeroom]
) -> None:
    other = replicas()
    a, b = await started(homeroom, clock), await started(other, clock)
    a.failures.append(RetryAfter(30.0, scope="platform"))
    homeroom.outbox.submit(posts(0, 1))
    await clock.run_until(a.wait_for_calls(1), asleep=homeroom.outbox.asleep)
    assert clock.monotonic() == BEAT
    await homeroom.outbox.told()  # written for the others
    await other.outbox.budget.beat()  # the other's next heartbeat reads it ...
    other.outbox.apply_budget()
    other.outbox.submit(posts(1, 3))  # ... and holds its sends until the pause ends
    apps = (homeroom, other)
    for app in apps:
        await clock.run_until(app.outbox.idle(), asleep=still(*apps))
    # Nothing before the pause ends, on either replica; then each at its share.
    assert (a.sent_at, b.sent_at[0], len(b.sent_at)) == ([BEAT + 30.0], BEAT + 30.0, 3)


async def test_the_replica_with_the_fan_out_gets_most_of_the_rate(
    homeroom: Homeroom, clock: FakeClock, replicas: Callable[[], Homeroom]
) -> None:
    """Shares follow the rows each holds: a replica alone with a fan-out is not held to
    half the rate while the other idles (that took 60 / 5 = 12 s here)."""
    apps = [homeroom, replicas()]
    a, _ = [await started(app, clock) for app in apps]
    homeroom.outbox.submit(posts(0, 60))
    await clock.run_until(homeroom.outbox.idle(), asleep=still(*apps))
    assert (len(a.sent_at), over_the_limit(a.sent_at)) == (60, 0)
    assert max(a.sent_at) <= 8.0  # 1 s joining, then close to the whole 10 a second
