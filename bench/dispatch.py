"""Command dispatch through FakeAdapter with SQLite persistence.

Prints: sequential commands/s dispatched (answered, rows queued), committed (every row
of every command on disk, timed once the last one is) and delivered, side by side; the same
with 2,000 commands in flight at once; the most rows queued for the database at once
against the cap (`max_queued_rows`, bot/storage/backlog.py); the number of replies that
answered the wrong command; and the longest the event loop was blocked.
Run: .venv/bin/python -m bench.dispatch [--postgres] (--postgres: the same again on a
PostgreSQL database of its own, on the server the tests use, printed after SQLite's).

`--json` (what bench/peers.py runs) measures a bare run instead: the loop the peers'
scripts run (`await` one command after another, no extra turn of the event loop between
them) and no meter on every callback (timing each one costs about a tenth of the run
here, and the peers are not metered), so the three are measured alike.
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


async def measure_postgres(count: int = 5000, burst: int = 2000) -> dict[str, float] | None:
    """The same on a database of its own on the PostgreSQL server the tests use (made
    and dropped here); None, said why, when there is none."""
    session = PostgresSession()
    url = await session.ensure()
    if url is None:
        print(f"PostgreSQL: not measured ({session.unavailable})")
        return None
    try:
        return await _measure(url, count, burst)
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
    report(await measure(count, burst), count, burst)
    if "--postgres" in sys.argv:
        postgres = await measure_postgres(count, burst)
        if postgres is not None:
            print("PostgreSQL")
            report(postgres, count, burst)


def report(f: dict[str, float], count: int, burst: int) -> None:
    cap = f"cap {f['max_queued_rows']:,.0f}"
    print(f"sequential: {count:,} commands")
    print(f"  dispatched (answered, rows queued):  {f['sequential']:,.0f} commands/s")
    print(f"  committed (every row on disk):       {f['sequential_committed']:,.0f} commands/s")
    print(f"  delivered (through the outbox):      {f['sequential_delivered']:,.0f} commands/s")
    print(f"  most rows queued at once: {f['sequential_peak_rows']:,.0f} ({cap})")
    print(f"  wrong replies: {f['sequential_wrong']:.0f} of {count:,}")
    print(f"  longest event-loop callback: {f['sequential_longest_ms']:.1f} ms", end="")
    print(f" (most CPU in one: {f['sequential_longest_cpu_ms']:.1f} ms)")
    if f["sequential_transactions"] >= 0:
        print(f"  writer's transactions: {f['sequential_transactions']:,.0f}")
    print(f"{burst:,} commands in flight at once ({burst:,} members)")
    print(f"  dispatched: {f['in_flight']:,.0f} commands/s")
    print(f"  committed:  {f['in_flight_committed']:,.0f} commands/s")
    print(f"  delivered:  {f['in_flight_delivered']:,.0f} commands/s")
    print(f"  most rows queued at once: {f['in_flight_peak_rows']:,.0f} ({cap})")
    print(f"  wrong replies: {f['in_flight_wrong']:.0f} of {burst:,}")
    print(f"  longest event-loop callback: {f['in_flight_longest_ms']:.1f} ms", end="")
    print(f" (most CPU in one: {f['in_flight_longest_cpu_ms']:.1f} ms)")
    if f["in_flight_transactions"] >= 0:
        print(f"  writer's transactions: {f['in_flight_transactions']:,.0f}")


if __name__ == "__main__":
    if "--json" in sys.argv:  # one line for bench/peers.py, which runs this in rounds
        sizes = (int(a) for a in sys.argv[2:4])
        print(json.dumps(asyncio.run(measure(*sizes, bare=True))))
    else:
        asyncio.run(main())
