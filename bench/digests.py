"""Digests (issue 15): a digest of a live chat with 5,000 answers, and of a prompt
thread with 20,000 replies, built while interactions keep arriving on the same loop.

In process, on SQLite: the chat's material is handed to `draft_from` as a chat would at
its end (snapshot in one transaction, organizers told), and the prompt thread is read
through the prompts feature's api by the same code `digest build` runs; each is then
shown as the text `digest publish` posts (credits looked up, shaped, split to the
platform's limit). Meanwhile an interaction "arrives" every 5 ms: a callback scheduled
on the loop at that moment, whose acknowledgement latency is the time until the loop
runs it (what a Slack or Discord acknowledgement waits for when the loop is busy).
Prints, per digest: the build time, the parts posted, and the acknowledgements' p50,
p99 and max during the build.

`--naive` builds the same digests in one piece (no chunks, no turns given to the loop),
for comparison.

Run: .venv/bin/python -m bench.digests [--naive]
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from bot.app import Homeroom
from bot.events import Actor, CommandInvoked
from bot.features.digests import sources, store, words
from bot.features.digests.api import draft_from
from bot.features.digests.material import Contribution, Material, Topic
from bot.features.digests.service import Digests
from bot.refs import ConversationRef, MemberRef
from bot.storage.tables import communities, discussion_reactions, discussion_replies, discussions
from bot.testing import COMMUNITY, PLATFORM, FakeAdapter, test_settings

CHAT_ANSWERS = 5_000
CHAT_QUESTIONS = 8
THREAD_REPLIES = 20_000
AUTHORS = 400
EVERY = 0.005  # an interaction every 5 ms
SEED = 15
START = datetime(2026, 9, 7, 18, 0, tzinfo=UTC)


def _text(rng: random.Random, n: int) -> str:
    words = [
        "homework",
        "reading",
        "snack",
        "routine",
        "timer",
        "quiet",
        "table",
        "music",
        "break",
        "praise",
    ]
    said = " ".join(rng.choice(words) for _ in range(rng.randint(6, 30)))
    return said + (f" https://example.org/tip/{n % 50}" if n % 40 == 0 else "")


class Acks:
    """Interactions arriving on the loop at a fixed rate (open loop: each is due at its
    own time, however busy the loop is); how long each waited for the loop."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self._running = True

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._arrive(loop, loop.time() + EVERY)

    def _arrive(self, loop: asyncio.AbstractEventLoop, due: float) -> None:
        def acknowledge() -> None:
            self.waits.append(loop.time() - due)
            if self._running:
                self._arrive(loop, due + EVERY)

        loop.call_at(due, acknowledge)

    def stop(self) -> None:
        self._running = False


async def measured(work: Callable[[], Awaitable[int]]) -> tuple[float, int, list[float]]:
    acks = Acks()
    acks.start()
    began = time.perf_counter()
    parts = await work()
    took = time.perf_counter() - began
    acks.stop()
    await asyncio.sleep(2 * EVERY)  # the last arrival is acknowledged
    return took, parts, acks.waits


def report(name: str, took: float, parts: int, waits: list[float]) -> None:
    ms = sorted(w * 1000 for w in waits)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    posts = f" ({parts} posts)" if parts else ""
    print(
        f"{name} in {took:.2f} s{posts}; acknowledgements meanwhile: {len(ms)}, "
        f"p50 {statistics.median(ms):.1f} ms, p99 {p99:.1f} ms, max {ms[-1]:.1f} ms"
    )


async def main() -> None:
    rng = random.Random(SEED)
    with tempfile.TemporaryDirectory() as folder:
        app = Homeroom(test_settings(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"))
        await app.db.migrate()
        app.attach(FakeAdapter())
        await app.start(timers=False)
        platform = PLATFORM
        where = ConversationRef(platform, COMMUNITY, "parents")
        organizer = MemberRef(platform, COMMUNITY, "dana")
        await app.handle(
            CommandInvoked(
                event_id="e1",
                at=START,
                conversation=where,
                actor=Actor(organizer, is_platform_admin=True),
                text="role grant <@dana> organizer",
            )
        )
        async with app.db.engine.begin() as conn:
            community_id = (
                await conn.execute(
                    select(communities.c.id).where(communities.c.external_id == COMMUNITY)
                )
            ).scalar_one()
        service = app.state("digests")
        assert isinstance(service, Digests)
        settings = await app.directory.community(where.community_ref)
        ts = words.readers(settings.languages)

        # A chat: 8 questions, 5,000 answers from 400 people, some anonymous.
        per = CHAT_ANSWERS // CHAT_QUESTIONS
        material = Material(
            kind="chat",
            source_id="1",
            community_id=community_id,
            channel="parents",
            title="Homework without tears",
            started_at=START,
            ended_at=START + timedelta(hours=1),
            topics=tuple(
                Topic(
                    f"Q{q + 1}",
                    f"Question {q + 1}?",
                    tuple(
                        Contribution(
                            author_id=None if n % 10 == 0 else f"u{rng.randrange(AUTHORS)}",
                            text=_text(rng, n),
                            at=START + timedelta(seconds=n),
                            link=f"https://chat.example/m{n}",
                            reactions=rng.choice((0, 0, 0, 1, 2, 5)),
                        )
                        for n in range(q * per, (q + 1) * per)
                    ),
                )
                for q in range(CHAT_QUESTIONS)
            ),
        )

        async def chat_digest() -> int:
            async with app.db.engine.begin() as conn:
                await draft_from(app.kernel, conn, material)
            return 0

        async def shown() -> int:
            async with app.db.engine.connect() as conn:
                digest = await store.latest(conn, where, status="draft")
                assert digest is not None
                return len(await service.texts(conn, digest, ts, settings.timezone))

        report("chat, 5,000 answers: draft", *(await measured(chat_digest)))
        report("chat, 5,000 answers: shown", *(await measured(shown)))

        # A prompt thread of 20,000 replies, recorded as the prompts feature records them.
        async with app.db.engine.begin() as conn:
            discussion = (
                await conn.execute(
                    insert(discussions)
                    .values(
                        community_id=community_id,
                        channel="parents",
                        root="root",
                        schedule_id=None,
                        series_id="moving-up",
                        prompt_id="what-they-say",
                        posted_at=START,
                    )
                    .returning(discussions.c.id)
                )
            ).scalar_one()
            rows = [
                {
                    "discussion_id": discussion,
                    "message_id": f"r{n}",
                    "user_id": f"u{rng.randrange(AUTHORS)}",
                    "text": _text(rng, n),
                    "at": START + timedelta(seconds=n),
                }
                for n in range(THREAD_REPLIES)
            ]
            for at in range(0, len(rows), 5000):
                await conn.execute(insert(discussion_replies), rows[at : at + 5000])
            reactions = [
                {
                    "discussion_id": discussion,
                    "message_id": f"r{n}",
                    "user_id": f"u{k}",
                    "emoji": "👍",
                }
                for n in range(0, THREAD_REPLIES, 7)
                for k in range(rng.randint(1, 4))
            ]
            await conn.execute(insert(discussion_reactions), reactions)

        async def thread_digest() -> int:
            async with app.db.engine.begin() as conn:
                made = await sources.discussion(app.kernel, conn, where, settings, None)
                assert made is not None
                await store.insert_draft(conn, made, now=app.clock.now(), created_by="dana")
            return 0

        report("prompt thread, 20,000 replies: draft", *(await measured(thread_digest)))
        report("prompt thread, 20,000 replies: shown", *(await measured(shown)))
        await app.stop()


def naive() -> None:
    """Every chunked step in one piece: what the loop would see without the chunks."""
    from bot.features.digests import shape, text
    from bot.features.prompts import api

    whole = 10**9
    shape.YIELD_EVERY = text.YIELD_EVERY = store.BATCH = whole
    store.items.__defaults__ = (whole,)
    api.replies.__defaults__ = (whole,)
    print("naive: no chunks, no turns given to the loop")


if __name__ == "__main__":
    if "--naive" in sys.argv:
        naive()
    asyncio.run(main())
