"""Command dispatch through FakeAdapter with SQLite persistence.

Prints: sequential commands/s dispatched (answered, rows queued), committed (every row
of every command on disk, timed once the last one is) and delivered, side by side; the same
with 2,000 commands in flight at once; the most rows queued for the database at once
against the cap (`max_queued_rows`, bot/storage/backlog.py); the number of replies that
answered the wrong command; and the longest the event loop was blocked.
Run: .venv/bin/python -m bench.dispatch [--postgres] [--thread] (--postgres: the same
again on a PostgreSQL database of its own, on the server the tests use, printed after
SQLite's; --thread: SQLite's group commits on the writer thread instead of a process).

Each database is measured twice, on fresh files. The rates come from a bare run: the loop
the peers' scripts run (bench/peers.py: `await` one command after another) with nothing
timed, since timing every callback is instrumentation, not the bot's work. The second,
metered run gives the rest: the event loop turns once after each event, as a network
adapter's does, and every callback is timed for the longest; the rows queued at most and
the wrong replies are counted in both runs, and its rates are printed too, so the cost of
that turn and that meter is in view.

`--json` prints the bare run alone, as one line (what bench/peers.py runs in rounds).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.app import Homeroom
from bot.events import Actor, CommandInvoked
from bot.intents import Ephemeral, Intent
from bot.refs import ConversationRef, MemberRef
from bot.testing import FakeAdapter, PostgresSession, test_settings

TOPICS = ("help", "setup", "role")
# SQLite's group commits on their own process (the default) or `--thread`.
WRITER = "thread" if "--thread" in sys.argv else "process"
_ids = itertools.count()


def command(n: int, topic: str) -> CommandInvoked:
    member = MemberRef("fake", "school", f"member{n}")
    return CommandInvoked(
        event_id=f"bench-{next(_ids)}",
        at=datetime.now(UTC),
        conversation=ConversationRef("fake", "school", "parents"),
        actor=Actor(member, locale="es" if n % 2 else "en", is_platform_admin=True),
        text=f"help {topic}",
    )


def wrong_replies(events: list[CommandInvoked], sent: list[Intent]) -> int:
    """Count events whose one reply is missing, doubled, for someone else, or off-topic."""
    by_event: dict[str | None, list[Ephemeral]] = {}
    for intent in sent:
        assert isinstance(intent, Ephemeral)
        by_event.setdefault(intent.in_reply_to, []).append(intent)
    wrong = 0
    for event in events:
        replies = by_event.get(event.event_id, [])
        topic = event.text.split()[1]
        if (
            len(replies) != 1
            or replies[0].member != event.actor.ref
            or not (replies[0].message.title or "").endswith(f": {topic}")
        ):
            wrong += 1
    return wrong


class LongestCallback:
    """Times every callback the event loop runs: the longest is the longest the loop
    was blocked. (Timer lateness would also count time spent queued behind thousands
    of short, ready callbacks during a burst, which is load, not blocking.) On a loaded
    machine a callback's wall time also counts time the OS gave the CPU to other
    processes: `worst_cpu`, the most CPU time one callback used (this thread's), is what
    the loop itself spent."""

    def __init__(self) -> None:
        self.worst = 0.0
        self.worst_cpu = 0.0
        self._original = asyncio.events.Handle._run

    def __enter__(self) -> LongestCallback:
        original, meter = self._original, self

        def timed(handle: asyncio.events.Handle) -> None:
            start, cpu = time.perf_counter(), time.thread_time()
            original(handle)
            meter.worst = max(meter.worst, time.perf_counter() - start)
            meter.worst_cpu = max(meter.worst_cpu, time.thread_time() - cpu)

        asyncio.events.Handle._run = timed  # type: ignore[method-assign]
        return self

    def __exit__(self, *_: object) -> None:
        asyncio.events.Handle._run = self._original  # type: ignore[method-assign]


async def committed(app: Homeroom) -> None:
    """Until every row the commands queued is committed (IDs, outbox rows, locales)."""
    await app.backlog.committed()
    await app.dedupe.flush()
    await app.outbox.persisted()
    await app.directory.flush()


class Unmetered:
    """In place of `LongestCallback` for a bare run: nothing timed (-1: not measured)."""

    worst = worst_cpu = -0.001

    def __enter__(self) -> Unmetered:
        return self

    def __exit__(self, *_: object) -> None:
        pass


async def measure(count: int = 5000, burst: int = 2000, *, bare: bool = False) -> dict[str, float]:
    """Dispatch `count` commands one after another, then `burst` at once, on a fresh
    SQLite database (WAL); return the rates (dispatched, committed and through delivery), the
    most rows queued at once, the wrong replies and the longest event-loop callback of
    each. `bare`: as the peers are measured (see the module's docstring)."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        return await _measure(url, count, burst, bare=bare)


async def measure_postgres(
    count: int = 5000, burst: int = 2000, *, bare: bool = False
) -> dict[str, float] | None:
    """The same on a database of its own on the PostgreSQL server the tests use (made
    and dropped here); None, said why, when there is none."""
    session = PostgresSession()
    url = await session.ensure()
    if url is None:
        print(f"PostgreSQL: not measured ({session.unavailable})")
        return None
    try:
        return await _measure(url, count, burst, bare=bare)
    finally:
        await session.drop()


async def _measure(url: str, count: int, burst: int, *, bare: bool = False) -> dict[str, float]:
    figures: dict[str, float] = {}
    meter: type[LongestCallback | Unmetered] = Unmetered if bare else LongestCallback
    # The writer a deployment runs (the tests' settings choose the thread).
    app = Homeroom(test_settings(url, sqlite_writer=WRITER))
    adapter = FakeAdapter()
    app.attach(adapter)
    await app.start()
    for n in range(200):  # warm up caches and the connection pool
        await app.handle(command(n, "help"))
    await app.outbox.idle()
    adapter.sent.clear()
    await committed(app)
    figures["max_queued_rows"] = app.backlog.cap

    events = [command(n % 500, TOPICS[n % 3]) for n in range(count)]
    app.backlog.peak = 0
    before = transactions(app)
    with meter() as lag:
        start = time.perf_counter()
        for event in events:
            await app.handle(event)
            if not bare:
                await asyncio.sleep(0)  # as a network adapter does: one callback per event
        dispatched = time.perf_counter() - start
        await committed(app)
        stored = time.perf_counter() - start
        await app.outbox.idle()
        delivered = time.perf_counter() - start
    figures["sequential"] = count / dispatched
    figures["sequential_committed"] = count / stored
    figures["sequential_delivered"] = count / delivered
    figures["sequential_peak_rows"] = app.backlog.peak
    figures["sequential_wrong"] = wrong_replies(events, adapter.sent)
    figures["sequential_longest_ms"] = lag.worst * 1000
    figures["sequential_longest_cpu_ms"] = lag.worst_cpu * 1000
    figures["sequential_transactions"] = transactions(app) - before if before >= 0 else -1

    adapter.sent.clear()
    many = [command(n, TOPICS[n % 3]) for n in range(burst)]
    await committed(app)
    app.backlog.peak = 0
    before = transactions(app)
    with meter() as lag:
        start = time.perf_counter()
        await asyncio.gather(*(app.handle(e) for e in many))
        dispatched = time.perf_counter() - start
        await committed(app)
        stored = time.perf_counter() - start
        await app.outbox.idle()
        delivered = time.perf_counter() - start
    figures["in_flight"] = burst / dispatched
    figures["in_flight_committed"] = burst / stored
    figures["in_flight_delivered"] = burst / delivered
    figures["in_flight_peak_rows"] = app.backlog.peak
    figures["in_flight_wrong"] = wrong_replies(many, adapter.sent)
    figures["in_flight_longest_ms"] = lag.worst * 1000
    figures["in_flight_longest_cpu_ms"] = lag.worst_cpu * 1000
    figures["in_flight_transactions"] = transactions(app) - before if before >= 0 else -1
    await app.stop()
    figures["wrong"] = figures["sequential_wrong"] + figures["in_flight_wrong"]
    return figures


def transactions(app: Homeroom) -> int:
    """Transactions committed so far by SQLite's writer, a process or a thread (-1 where
    there is none: PostgreSQL)."""
    thread = getattr(app.db.write_turn, "thread", None)
    return -1 if thread is None else int(thread.transactions)


async def main(count: int = 5000, burst: int = 2000) -> None:
    print("SQLite (WAL)")
    report(await measure(count, burst, bare=True), await measure(count, burst), count, burst)
    if "--postgres" in sys.argv:
        bare = await measure_postgres(count, burst, bare=True)
        metered = await measure_postgres(count, burst)
        if bare is not None and metered is not None:
            print("PostgreSQL")
            report(bare, metered, count, burst)


def report(bare: dict[str, float], metered: dict[str, float], count: int, burst: int) -> None:
    """The rates of the bare run, then the metered run's rates, rows and callbacks."""
    cap = f"cap {bare['max_queued_rows']:,.0f}"
    for phase, title, n in (
        ("sequential", f"sequential: {count:,} commands", count),
        ("in_flight", f"{burst:,} commands in flight at once ({burst:,} members)", burst),
    ):
        print(title)
        print(f"  dispatched (answered, rows queued):  {bare[phase]:,.0f} commands/s")
        print(
            f"  committed (every row on disk):       {bare[f'{phase}_committed']:,.0f} commands/s"
        )
        print(
            f"  delivered (through the outbox):      {bare[f'{phase}_delivered']:,.0f} commands/s"
        )
        rates = " / ".join(
            f"{metered[f'{phase}{k}']:,.0f}" for k in ("", "_committed", "_delivered")
        )
        print(f"  with a loop turn per event, every callback timed: {rates} commands/s")
        peaks = f"{bare[f'{phase}_peak_rows']:,.0f} / {metered[f'{phase}_peak_rows']:,.0f}"
        print(f"  most rows queued at once, bare / metered: {peaks} ({cap})")
        wrong = bare[f"{phase}_wrong"] + metered[f"{phase}_wrong"]
        print(f"  wrong replies: {wrong:.0f} of {2 * n:,} (both runs)")
        print(f"  longest event-loop callback: {metered[f'{phase}_longest_ms']:.1f} ms", end="")
        print(f" (most CPU in one: {metered[f'{phase}_longest_cpu_ms']:.1f} ms)")
        if bare[f"{phase}_transactions"] >= 0:
            print(f"  writer's transactions, bare run: {bare[f'{phase}_transactions']:,.0f}")


if __name__ == "__main__":
    if "--json" in sys.argv:  # one line for bench/peers.py, which runs this in rounds
        sizes = (int(a) for a in sys.argv[2:4])
        print(json.dumps(asyncio.run(measure(*sizes, bare=True))))
    else:
        asyncio.run(main())
