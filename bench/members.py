"""Members' data rights (issue 16): `me export` and `me delete` of a member with 10,000
recorded discussion messages, on SQLite, while other members' interactions keep coming.

Measured: how long each takes from dispatch to its answer (goal <= 5 s), and meanwhile
the acknowledgement delay an interaction would see: every 20 ms a probe task is
scheduled, as an adapter's ack handler is, and the time it waits for the event loop is
recorded (goal <= 100 ms p99). Another member's command (`poll list`, a read of the
same database) is also dispatched every 50 ms, and its full answer time reported.
Run briefly: `.venv/bin/python -m bench.members`.
"""

from __future__ import annotations

import asyncio
import itertools
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, insert, select

from bot.app import Homeroom
from bot.events import Actor, CommandInvoked, ComponentSubmitted, Event
from bot.features.rights import erase
from bot.intents import Ephemeral
from bot.refs import CommunityRef, ConversationRef, MemberRef
from bot.storage.tables import discussion_replies, discussions
from bot.testing import FakeAdapter, test_settings

MESSAGES = 10_000
COMMUNITY = "school"
PROBE_EVERY = 0.02
PRESS_EVERY = 0.05
RUNS = itertools.count()


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def summary(values: list[float]) -> str:
    if not values:
        return "none"
    return (
        f"n={len(values)} p50={p(values, 0.5):.1f} ms p99={p(values, 0.99):.1f} ms "
        f"max={max(values) * 1000:.1f} ms"
    )


async def fill(app: Homeroom) -> None:
    community = (await app.directory.community(CommunityRef("fake", COMMUNITY))).id
    now = datetime.now(UTC)
    async with app.db.engine.begin() as conn:
        [discussion] = (
            await conn.execute(
                insert(discussions).returning(discussions.c.id),
                [
                    {
                        "community_id": community,
                        "channel": "parents",
                        "root": "r1",
                        "series_id": "s",
                        "prompt_id": "p",
                        "posted_at": now,
                    }
                ],
            )
        ).one()
        rows = [
            {
                "discussion_id": discussion,
                "message_id": f"m{i}",
                "user_id": "wren",
                "text": f"Message {i}: we read together every evening after dinner.",
                "at": now,
            }
            for i in range(MESSAGES)
        ]
        for start in range(0, len(rows), 2000):
            await conn.execute(insert(discussion_replies), rows[start : start + 2000])


class Load:
    """Ack probes and other members' presses while the measured work runs."""

    def __init__(self, app: Homeroom) -> None:
        self.app = app
        self.acks: list[float] = []
        self.others: list[float] = []
        self._stop = asyncio.Event()
        self._n = 0
        self._ids = next(RUNS)  # event IDs differ between runs: none is a redelivery

    async def probes(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._stop.is_set():
            asked = time.perf_counter()
            ran = loop.create_future()
            loop.call_soon(lambda f=ran: f.done() or f.set_result(time.perf_counter()))
            self.acks.append(await ran - asked)
            await asyncio.sleep(PROBE_EVERY)

    async def commands_of_others(self) -> None:
        while not self._stop.is_set():
            self._n += 1
            event = CommandInvoked(
                event_id=f"other-{self._ids}-{self._n}",
                at=datetime.now(UTC),
                conversation=ConversationRef("fake", COMMUNITY, "parents"),
                actor=Actor(MemberRef("fake", COMMUNITY, f"parent{self._n % 7}")),
                text="poll list",  # a read of the same database, answered by the core
            )
            t0 = time.perf_counter()
            await self.app.handle(event)
            self.others.append(time.perf_counter() - t0)
            await asyncio.sleep(PRESS_EVERY)

    async def during(self, work: asyncio.Future[float]) -> float:
        tasks = [
            asyncio.ensure_future(self.probes()),
            asyncio.ensure_future(self.commands_of_others()),
        ]
        try:
            return await work
        finally:
            self._stop.set()
            await asyncio.gather(*tasks)


def command(n: int, text: str) -> Event:
    return CommandInvoked(
        event_id=f"cmd-{n}",
        at=datetime.now(UTC),
        conversation=ConversationRef("fake", COMMUNITY, "parents"),
        actor=Actor(MemberRef("fake", COMMUNITY, "wren")),
        text=text,
    )


async def timed(app: Homeroom, event: Event) -> tuple[float, list]:  # type: ignore[type-arg]
    t0 = time.perf_counter()
    intents = await app.handle(event)
    await app.outbox.idle()
    return time.perf_counter() - t0, intents


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = Homeroom(test_settings(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"))
        await app.db.migrate()
        adapter = FakeAdapter()
        app.attach(adapter)
        await app.start(timers=False)
        try:
            await fill(app)
            print(f"members bench (measured under load): {MESSAGES:,} messages of one member")
            load = Load(app)
            took, intents = await load.during(
                asyncio.ensure_future(timed(app, command(1, "me export")))
            )
            size = sum(
                len(i.message.attachment.data_base64)
                for i in intents
                if getattr(i, "message", None) is not None and i.message.attachment
            )
            print(f"  me export: {took:.2f} s (goal <= 5 s), file {size * 3 // 4 / 1e6:.1f} MB")
            print(f"    acks meanwhile          {summary(load.acks)}")
            print(f"    others' commands answered {summary(load.others)}")
            _, asked = await timed(app, command(2, "me delete"))
            [card] = [i for i in asked if isinstance(i, Ephemeral) and i.message.buttons]
            press = ComponentSubmitted(
                event_id="confirm",
                at=datetime.now(UTC),
                conversation=ConversationRef("fake", COMMUNITY, "parents"),
                actor=Actor(MemberRef("fake", COMMUNITY, "wren")),
                action_id=erase.CONFIRM,
                value=card.message.buttons[0].value,
            )
            load = Load(app)
            took, _ = await load.during(asyncio.ensure_future(timed(app, press)))
            async with app.db.engine.connect() as conn:
                left = (
                    await conn.execute(select(func.count()).select_from(discussion_replies))
                ).scalar()
            print(f"  me delete (confirmed): {took:.2f} s (goal <= 5 s), {left} messages left")
            print(f"    acks meanwhile          {summary(load.acks)}")
            print(f"    others' commands answered {summary(load.others)}")
        finally:
            await app.stop()


if __name__ == "__main__":
    asyncio.run(main())
