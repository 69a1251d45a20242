"""The fake clock tells the truth: time moves only when a test moves it."""

import asyncio

import pytest

from bot.clock import FakeClock


async def test_a_sleeper_waits_until_the_clock_reaches_its_deadline() -> None:
    clock = FakeClock()
    woke: list[float] = []

    async def nap(seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append(clock.monotonic())

    task = asyncio.ensure_future(nap(5.0))
    for _ in range(10):
        await asyncio.sleep(0)
    assert (woke, clock.monotonic()) == ([], 0.0)  # sleeping moves nothing
    clock.advance(4.999)
    await asyncio.sleep(0)
    assert woke == []
    clock.advance(0.001)
    await task
    assert woke == [5.0]


async def test_a_sleep_cut_short_leaves_the_clock_where_it_was() -> None:
    clock = FakeClock()
    napping = asyncio.ensure_future(clock.sleep(60.0))
    await asyncio.sleep(0)
    napping.cancel()  # woken early by something else
    with pytest.raises(asyncio.CancelledError):
        await napping
    assert clock.monotonic() == 0.0
    assert clock.next_deadline() is None


async def test_run_until_moves_to_each_deadline_in_turn() -> None:
    clock = FakeClock()
    seen: list[tuple[str, float]] = []

    async def after(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        seen.append((name, clock.monotonic()))

    async def all_of() -> None:
        await asyncio.gather(after("a", 3.0), after("b", 1.5), after("c", 3.0))
        await after("d", 2.0)  # measured from when it started to sleep: t=3

    await clock.run_until(all_of())
    assert seen == [("b", 1.5), ("a", 3.0), ("c", 3.0), ("d", 5.0)]
    assert clock.monotonic() == 5.0


async def test_run_until_does_not_move_time_while_work_is_under_way() -> None:
    clock = FakeClock()
    busy = True

    async def work() -> float:
        nonlocal busy
        await asyncio.sleep(0.01)  # real I/O, e.g. a database thread
        busy = False
        await clock.sleep(2.0)
        return clock.monotonic()

    napper = asyncio.ensure_future(clock.sleep(1.0))  # someone else asleep meanwhile
    assert await clock.run_until(work(), asleep=lambda: not busy) == 2.0
    assert napper.done()
