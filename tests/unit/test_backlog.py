"""Backpressure: intake waits while rows wait for the database, so the queue stays
bounded by the configured cap however fast commands arrive (bot.storage.backlog)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.app import Homeroom
from bot.clock import FakeClock
from bot.events import Actor, CommandInvoked
from bot.refs import ConversationRef, MemberRef
from bot.storage.backlog import Backlog
from bot.storage.batcher import WriteTurn
from bot.testing import FakeAdapter, test_settings


def command(n: int) -> CommandInvoked:
    member = MemberRef("fake", "school", f"member{n}")
    return CommandInvoked(
        event_id=f"cmd-{n}",
        at=datetime(2026, 1, 5, 9, tzinfo=UTC),
        conversation=ConversationRef("fake", "school", "parents"),
        actor=Actor(member, locale="en", is_platform_admin=True),
        text="help role",
    )


async def until(condition: Callable[[], bool]) -> None:
    """Let other tasks (and the database's threads) run until `condition` holds."""
    while not condition():  # noqa: ASYNC110 (a state, not an event)
        await asyncio.sleep(0)


async def test_intake_waits_at_the_cap_while_the_writer_is_slow(
    tmp_path: Path, clock: FakeClock
) -> None:
    app = Homeroom(
        test_settings(f"sqlite+aiosqlite:///{tmp_path / 'h.db'}", max_queued_rows=6), clock=clock
    )
    adapter = FakeAdapter(clock=clock)
    app.attach(adapter)
    await app.start(timers=False)
    turn = app.db.write_turn
    assert isinstance(turn, WriteTurn)
    handled = 0

    async def intake() -> None:
        nonlocal handled
        for n in range(20):
            await app.handle(command(n))
            handled += 1

    await turn.acquire()  # the writer is stuck: nothing commits
    producer = asyncio.get_running_loop().create_task(intake())
    try:
        await asyncio.wait_for(until(lambda: app.backlog.waits == 1), timeout=30)
        # Each command of a new member queues three rows (its ID, its answer, the
        # member's locale): two fill the cap of six, and the third waits instead.
        assert (handled, app.backlog.queued, app.backlog.peak) == (2, 6, 6)
        assert not producer.done()
    finally:
        turn.release()  # the writer catches up
    await asyncio.wait_for(producer, timeout=30)
    await app.backlog.committed()
    # The cap admits a command only while its three rows fit beside those counted, so
    # however the commits and admissions interleave, no more than six ever wait.
    assert (handled, app.backlog.queued, app.backlog.peak) == (20, 0, 6)
    await app.outbox.idle()
    assert len(adapter.sent) == 20
    await app.stop()


async def test_commands_arriving_at_once_are_admitted_only_under_the_cap() -> None:
    backlog = Backlog(8, per_command=2)
    inside: list[int] = []
    release = asyncio.Event()

    async def dispatch(n: int) -> None:
        async with backlog.room():
            inside.append(n)
            await release.wait()  # still dispatching: its rows are not queued yet
            backlog.add(2)

    tasks = [asyncio.get_running_loop().create_task(dispatch(n)) for n in range(10)]
    await until(lambda: len(inside) == 4)
    for _ in range(10):
        await asyncio.sleep(0)
    # Four admitted count as eight rows to come: the other six wait.
    assert (inside, backlog.admitted, backlog.queued) == ([0, 1, 2, 3], 4, 0)
    release.set()
    await until(lambda: backlog.queued == 8)
    assert (len(inside), backlog.admitted) == (4, 0)  # no room until rows commit
    for admitted, queued in ((8, 8), (10, 4)):  # each commit makes room for four more
        backlog.done(backlog.queued)
        await until(lambda: len(inside) == admitted)  # noqa: B023
        assert (backlog.queued, backlog.admitted) == (queued, 0)
    await asyncio.gather(*tasks)
    assert (backlog.peak, backlog.waits) == (8, 6)  # each of the six waited once
    backlog.done(4)
    await backlog.committed()


async def test_waiting_commands_go_in_first_come_first_served_and_a_cancelled_one_gives_way() -> (
    None
):
    backlog = Backlog(2, per_command=1)
    inside: list[str] = []
    leave = {name: asyncio.Event() for name in "abcdefg"}

    async def dispatch(name: str) -> None:
        async with backlog.room():
            inside.append(name)
            await leave[name].wait()

    loop = asyncio.get_running_loop()
    tasks = {name: loop.create_task(dispatch(name)) for name in "abcde"}
    await until(lambda: len(inside) == 2)
    for _ in range(5):
        await asyncio.sleep(0)
    assert (inside, backlog.admitted, backlog.waits) == (["a", "b"], 2, 3)
    tasks["c"].cancel()  # gave up while waiting: it takes no one's place
    leave["a"].set()
    # The room a leaving command frees goes to the first in line (d) at once: a
    # newcomer arriving then queues behind those already waiting.
    tasks["f"] = loop.create_task(dispatch("f"))
    await until(lambda: len(inside) == 3)
    for _ in range(5):
        await asyncio.sleep(0)
    assert (inside, backlog.admitted) == (["a", "b", "d"], 2)
    backlog.add(1)  # a row queued: when b leaves there is still no room
    leave["b"].set()
    await until(lambda: tasks["b"].done())
    assert (inside, backlog.admitted) == (["a", "b", "d"], 1)
    backlog.done(1)  # the row commits: e is let in...
    tasks["e"].cancel()  # ...and cancelled before it ran: its place goes on to f
    await until(lambda: len(inside) == 4)
    assert (inside, backlog.admitted) == (["a", "b", "d", "f"], 2)
    leave["d"].set()
    leave["f"].set()
    await asyncio.gather(*tasks.values(), return_exceptions=True)
    assert (backlog.admitted, backlog.waits, tasks["c"].cancelled()) == (0, 4, True)


async def test_commands_one_after_another_let_the_loop_turn_each_sixteenth_of_the_cap() -> None:
    """Awaited one after another, commands never let the loop turn on their own: the
    writer would see rows only at the cap. Each 10 rows (a sixteenth of 160) intake
    lets it turn, so another task (the writer's pump) runs between them."""
    backlog = Backlog(160, per_command=2)
    admitted = 0
    seen: list[int] = []  # commands admitted each time the other task ran

    async def other() -> None:
        while admitted < 20:
            seen.append(admitted)
            await asyncio.sleep(0)

    watcher = asyncio.get_running_loop().create_task(other())
    await asyncio.sleep(0)  # it has run once: 0 admitted
    for _ in range(20):
        async with backlog.room():
            backlog.add(2)  # its ID and its answer
        admitted += 1
    await watcher
    # 5 commands (10 rows), then a turn of the loop (two passes of the other task while
    # the next command waits), and so on: 20 commands, 3 turns, never more rows between.
    assert seen == [0, 5, 5, 10, 10, 15, 15]


async def test_a_burst_comes_through_a_turn_of_the_loop_at_a_time_in_order() -> None:
    """30 commands arriving at once after the rows of a sixteenth of the cap: through
    in order, as many each turn as a sixteenth of the cap holds (10 rows: 5 of 2)."""
    backlog = Backlog(160, per_command=2)
    backlog.add(10)  # a sixteenth of the cap queued: the next command waits for a turn
    order: list[tuple[int, int]] = []  # (command, the turn it came through in)
    turns = 0

    async def count_turns() -> None:
        nonlocal turns
        while len(order) < 30:
            turns += 1
            await asyncio.sleep(0)

    async def command(n: int) -> None:
        async with backlog.room():
            order.append((n, turns))

    counter = asyncio.get_running_loop().create_task(count_turns())
    await asyncio.gather(*(command(n) for n in range(30)))
    await counter
    assert [n for n, _ in order] == list(range(30))
    by_turn = [sum(1 for _, t in order if t == turn) for turn in sorted({t for _, t in order})]
    assert by_turn == [5] * 6


async def _commands_queuing(
    backlog: Backlog, count: int, rows: int, admitted: int
) -> tuple[list[int], list[asyncio.Task[None]]]:
    """`count` commands at once, each queuing `rows` rows once let in; returns when
    `admitted` are in and the others have had turns to come in had there been room."""
    inside: list[int] = []

    async def dispatch(n: int) -> None:
        async with backlog.room():
            inside.append(n)
            backlog.add(rows)

    loop = asyncio.get_running_loop()
    tasks = [loop.create_task(dispatch(n)) for n in range(count)]
    await until(lambda: len(inside) == admitted)
    for _ in range(5):
        await asyncio.sleep(0)
    return inside, tasks


async def test_a_cap_smaller_than_one_commands_rows_still_lets_one_command_in_at_a_time() -> None:
    backlog = Backlog(2, per_command=3)
    inside, tasks = await _commands_queuing(backlog, 3, rows=3, admitted=1)
    assert (inside, backlog.queued, backlog.waits) == ([0], 3, 2)
    for admitted in (2, 3):
        backlog.done(3)
        await until(lambda: len(inside) == admitted)  # noqa: B023
    await asyncio.gather(*tasks)
    backlog.done(3)
    assert (inside, backlog.queued, backlog.peak) == ([0, 1, 2], 0, 3)


async def test_a_command_is_let_in_only_when_its_rows_fit_under_the_cap() -> None:
    backlog = Backlog(7, per_command=3)
    inside, tasks = await _commands_queuing(backlog, 4, rows=3, admitted=2)
    # Six rows are queued: a third command's three would make nine, past the cap of 7.
    assert (inside, backlog.queued, backlog.waits) == ([0, 1], 6, 2)
    backlog.done(6)
    await asyncio.gather(*tasks)
    backlog.done(6)
    assert (inside, backlog.peak) == ([0, 1, 2, 3], 6)
