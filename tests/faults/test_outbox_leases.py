"""Two processes on one outbox table (a deploy): the second sends none of the rows the
first still holds, and takes over only what the first released or left when it died.

Measured before leases: a second process started while the first was still sending took
every pending row at start, and 153-156 of 200 groups got two posts.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from datetime import timedelta
from typing import Any, TypeVar

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.app import Homeroom
from bot.capabilities import RateLimits
from bot.clock import FakeClock
from bot.intents import Intent, Message, Post
from bot.outbox import LEASE, Outbox
from bot.refs import ConversationRef
from bot.storage.tables import outbox
from bot.testing import FakeAdapter, run_until

T = TypeVar("T")
ONE_A_SECOND = RateLimits(per_channel=1.0, per_channel_burst=1, overall=1.0, overall_burst=1)
GROUPS = 200


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """The single-process parts run on both databases; two processes need PostgreSQL."""
    return str(request.param)


def posts(count: int) -> list[Intent]:
    return [
        Post(to=ConversationRef("fake", "school", f"g{n}"), message=Message(text=f"g{n}"))
        for n in range(count)
    ]


def texts(adapter: FakeAdapter) -> list[str]:
    return [i.message.text for i in adapter.sent]  # type: ignore[union-attr]


async def leases(app: Homeroom) -> list[tuple[str, str | None, Any]]:
    async with app.db.engine.connect() as conn:
        rows = await conn.execute(
            select(outbox.c.status, outbox.c.lease_owner, outbox.c.lease_until).order_by(
                outbox.c.id
            )
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def quiet(*apps: Homeroom) -> bool:
    """Only time can move these outboxes on: each waits for the clock, or has nothing
    left and no lease query under way."""
    return all(
        not app.outbox._leasing and (app.outbox.asleep() or app.outbox._idle.is_set())
        for app in apps
    )


async def drive(clock: FakeClock, goal: Awaitable[T], *apps: Homeroom) -> T:
    return await clock.run_until(goal, asleep=lambda: quiet(*apps))


def keep_leases(app: Homeroom) -> None:
    """What `start()` runs with timers on: renewal and reclaim, under the supervisor."""
    app.supervisor.run("outbox-lease-renewal", app.outbox.renewing)
    app.supervisor.run("outbox-reclaim", app.outbox.reclaiming)


@pytest_asyncio.fixture
async def second(homeroom: Homeroom, clock: FakeClock) -> AsyncIterator[Homeroom]:
    """Another Homeroom process on the same database (its own outbox, its own owner)."""
    app = Homeroom(homeroom.settings, clock=clock)
    yield app
    await app.stop()


# -- one process -------------------------------------------------------------------------


async def test_rows_are_leased_at_insert_and_released_on_a_clean_stop(
    homeroom: Homeroom, clock: FakeClock, second: Homeroom
) -> None:
    homeroom.attach(FakeAdapter(clock=clock))
    homeroom.outbox.submit(posts(3))
    await homeroom.outbox.persisted()
    until = clock.now() + timedelta(seconds=LEASE)
    assert await leases(homeroom) == [("pending", homeroom.outbox.owner, until)] * 3
    await homeroom.stop()  # a clean stop before any was sent
    assert await leases(homeroom) == [("pending", None, None)] * 3
    adapter = FakeAdapter(clock=clock)
    second.attach(adapter)
    await second.start(timers=False)  # the next process takes them at once
    await run_until(second)
    assert (sorted(texts(adapter)), adapter.calls) == (["g0", "g1", "g2"], 3)
    assert clock.monotonic() == 0.0


async def test_only_rows_with_no_live_lease_are_taken_and_a_renewal_keeps_them(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    """Another process (here an Outbox of its own on the same database) writes rows and
    renews its leases; this one takes them only once it stops renewing and they run out."""
    other = Outbox(homeroom.db.engine, clock, write_turn=homeroom.db.write_turn)
    other.submit(posts(3))
    await other.persisted()
    adapter = FakeAdapter(clock=clock)
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    assert await homeroom.outbox.resume(purge=False) == 0  # all leased to the other
    clock.advance(40.0)
    assert await other.renew_leases() == 3  # one UPDATE, every one of its rows
    clock.advance(21.0)  # past the first lease, within the renewed one
    assert await homeroom.outbox.resume(purge=False) == 0
    clock.advance(39.0)  # the other stopped renewing (it died): its lease ran out at 100 s
    assert await homeroom.outbox.resume(purge=False) == 3
    await run_until(homeroom)
    assert (sorted(texts(adapter)), adapter.calls) == (["g0", "g1", "g2"], 3)
    owner = homeroom.outbox.owner
    assert [(s, o) for s, o, _ in await leases(homeroom)] == [("sent", owner)] * 3


async def test_a_process_known_to_be_alone_takes_a_killed_runs_rows_at_once(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    """`homeroom run` on SQLite holds the file's run lock, so no other process lives: the
    rows a killed run left leased are taken at the restart, not a minute later."""
    killed = Outbox(homeroom.db.engine, clock, write_turn=homeroom.db.write_turn)
    killed.submit(posts(3))
    await killed.persisted()  # leased to a run that then died, renewing nothing
    adapter = FakeAdapter(clock=clock)
    homeroom.attach(adapter)
    homeroom.outbox.alone = True
    await homeroom.start(timers=False)
    await run_until(homeroom)
    assert (sorted(texts(adapter)), adapter.calls, clock.monotonic()) == (
        ["g0", "g1", "g2"],
        3,
        0.0,
    )


# -- two processes (PostgreSQL) ----------------------------------------------------------


async def _first_sending(first: Homeroom, clock: FakeClock) -> FakeAdapter:
    """The first process, running, writes 200 groups' posts and sends one a second;
    returns when 10 are sent."""
    sender = FakeAdapter(limits=ONE_A_SECOND, clock=clock)
    first.attach(sender)
    await first.start(timers=False)
    keep_leases(first)
    first.outbox.submit(posts(GROUPS))
    await drive(clock, sender.wait_for_calls(10), first)
    return sender


async def _second_started(second: Homeroom, clock: FakeClock) -> FakeAdapter:
    sender = FakeAdapter(clock=clock)
    second.attach(sender)
    await second.start(timers=False)
    keep_leases(second)
    return sender


@pytest.mark.parametrize("backend", ["postgres"])
async def test_a_second_process_sends_none_of_a_live_first_ones_rows(
    homeroom: Homeroom, clock: FakeClock, second: Homeroom
) -> None:
    first = homeroom
    a = await _first_sending(first, clock)
    b = await _second_started(second, clock)
    assert clock.monotonic() == 9.0
    await drive(clock, first.outbox.idle(), first, second)  # 190 more, at 1/s
    assert b.calls == 0
    assert clock.monotonic() == 199.0  # three of the second's reclaims ran meanwhile
    assert (sorted(texts(a)), a.calls) == (sorted(f"g{n}" for n in range(GROUPS)), GROUPS)


@pytest.mark.parametrize("backend", ["postgres"])
async def test_when_the_first_dies_the_second_sends_the_rest_once_its_leases_run_out(
    homeroom: Homeroom, clock: FakeClock, second: Homeroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = homeroom
    a = await _first_sending(first, clock)
    b = await _second_started(second, clock)  # at 9 s: it reclaims at 69 s, 129 s ...
    await drive(clock, a.wait_for_calls(50), first, second)
    assert clock.monotonic() == 49.0  # the first renewed at 20 s and 40 s: held until 100 s

    async def killed() -> int:
        return 0  # a killed process releases nothing

    monkeypatch.setattr(first.outbox, "release_leases", killed)
    await first.stop()  # its last send recorded, then gone without a word
    await drive(clock, b.wait_for_calls(GROUPS - 50), second)
    await drive(clock, second.outbox.idle(), second)
    assert b.sent_at == [129.0] * (GROUPS - 50)  # the first reclaim after the lease ran out
    assert (a.calls, b.calls) == (50, GROUPS - 50)
    everyone = texts(a) + texts(b)
    assert sorted(everyone) == sorted(f"g{n}" for n in range(GROUPS))  # each exactly once


@pytest.mark.parametrize("backend", ["postgres"])
async def test_when_the_first_stops_cleanly_the_second_takes_the_rest_at_its_next_reclaim(
    homeroom: Homeroom, clock: FakeClock, second: Homeroom
) -> None:
    first = homeroom
    a = await _first_sending(first, clock)
    b = await _second_started(second, clock)
    await drive(clock, a.wait_for_calls(50), first, second)
    await first.stop()  # a deploy: the old process stops, releasing what it did not send
    await drive(clock, b.wait_for_calls(GROUPS - 50), second)
    assert b.sent_at == [69.0] * (GROUPS - 50)  # not waiting for the lease (until 100 s)
    assert (a.calls, b.calls) == (50, GROUPS - 50)
    assert sorted(texts(a) + texts(b)) == sorted(f"g{n}" for n in range(GROUPS))


@pytest.mark.parametrize("backend", ["postgres"])
async def test_two_processes_starting_together_each_take_a_row_or_none_never_both(
    homeroom: Homeroom, clock: FakeClock, second: Homeroom
) -> None:
    """Rows left by a process that died, and two new ones claiming them at once."""
    dead = Outbox(homeroom.db.engine, clock)
    dead.submit(posts(GROUPS))
    await dead.persisted()
    clock.advance(LEASE)  # its leases ran out
    a, b = FakeAdapter(clock=clock), FakeAdapter(clock=clock)
    homeroom.attach(a)
    second.attach(b)
    await homeroom.db.migrate()
    claims = [homeroom.outbox.resume(purge=False), second.outbox.resume(purge=False)]
    taken = await asyncio.gather(*claims)
    assert sum(taken) == GROUPS
    await homeroom.start(timers=False)
    await second.start(timers=False)
    await drive(
        clock, asyncio.gather(homeroom.outbox.idle(), second.outbox.idle()), homeroom, second
    )
    assert (a.calls, b.calls) == tuple(taken)
    assert sorted(texts(a) + texts(b)) == sorted(f"g{n}" for n in range(GROUPS))


async def test_a_stop_that_cannot_release_its_leases_says_so_and_stops(
    homeroom: Homeroom, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    homeroom.attach(FakeAdapter(clock=clock))
    homeroom.outbox.submit(posts(2))
    await homeroom.outbox.persisted()

    async def unreachable() -> int:
        raise ConnectionRefusedError("the database went away")

    homeroom.outbox.release_leases = unreachable  # type: ignore[method-assign]
    await homeroom.outbox.stop()  # no exception: the leases run out by themselves
    [line] = [r.getMessage() for r in caplog.records if "leases_not_released" in r.getMessage()]
    assert line.startswith("event=outbox_leases_not_released error=ConnectionRefusedError(")
    assert [o for _, o, _ in await leases(homeroom)] == [homeroom.outbox.owner] * 2
