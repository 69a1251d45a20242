"""Questions and FAQ (issue 14).

`bench_acknowledgement()`: questions arrive at a fixed rate (100 a second for 30 s by
default: open loop, each at its instant whatever the bot is doing), each from another
parent, on the embedded SQLite and on PostgreSQL, with 10,000 FAQ entries the questions
do not match (so every question is looked up in the FAQ, then routed). Each is taken as
the Slack and Discord adapters take one: kept in the inbox, then handled, its answer
staged in the outbox in the same transaction. Timed from the instant the question was
due to arrive to the moment its acknowledgement is committed to the outbox; prints
p50, p99 and max, and how many questions were sent, acknowledged, committed (routed
questions in the database) and delivered (acknowledgements the fake platform got).

`bench_faq_search()`: `faq search` over 10,000 published entries, on SQLite and on
PostgreSQL (skipped, saying why, without a server at HOMEROOM_TEST_POSTGRES_URL or
127.0.0.1:5432). Two communities of 10,000 entries each, one English and one Spanish,
written from a school vocabulary with a few very common words, so that a query's words
match from a handful to thousands of entries. Each query is a `faq search` command
taken as the Slack and Discord adapters take one: kept in the inbox (a commit), then
handled (parse, role check, the database's full-text search and ranking) and its reply
committed to the outbox; timed from its arrival to that commit, one after another. The
search query alone is timed too. Prints p50, p99 and max per database and language,
and the process's CPU time per command (SQLite's search runs in this process; on
PostgreSQL the server's share is not in it).

CPU time is printed because wall-clock figures on a machine other work shares are
mostly waiting for a core; the CPU time a question costs is what load does not inflate.

Run: .venv/bin/python -m bench.questions [--seconds 30] [--rate 100] [--only ack|faq]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import os
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text

from bot.app import Homeroom
from bot.events import Actor, CommandInvoked
from bot.features.faq.search import search
from bot.features.faq.tables import faq_entries
from bot.features.questions.tables import questions
from bot.intents import Ephemeral, Intent
from bot.refs import CommunityRef, ConversationRef, MemberRef
from bot.render import message_text
from bot.testing import FakeAdapter, Person, PostgresSession, test_settings

ENTRIES = 10_000  # per community (one English, one Spanish)
QUERIES = 400  # per language and database
SEED = 14


def _listed(words: str) -> list[str]:
    return words.split()


WORDS = {
    "en": _listed(
        "bus enrollment lunch homework reading math teacher report card grade field trip "
        "uniform schedule absence doctor note fee library counselor bullying screen time "
        "sleep breakfast recess transition kindergarten middle school high school tutoring "
        "volunteer conference meeting calendar holiday snow day pickup dropoff allergy nurse "
        "vaccination transport route backpack supplies laptop password portal attendance "
        "special needs iep speech therapy art music sports club science fair graduation"
    ),
    "es": _listed(
        "autobús inscripción almuerzo tarea lectura matemáticas maestra boletín calificación "
        "excursión uniforme horario ausencia médico nota cuota biblioteca orientadora acoso "
        "pantallas sueño desayuno recreo transición kínder secundaria preparatoria tutoría "
        "voluntariado reunión calendario vacaciones nieve recogida entrada alergia enfermera "
        "vacuna transporte ruta mochila útiles computadora contraseña portal asistencia "
        "necesidades especiales terapia música deportes club ciencias feria graduación"
    ),
}
# Words nearly every entry has: the worst case for ranking (thousands of matches).
COMMON = {"en": ("school", "child", "parents"), "es": ("escuela", "niño", "familias")}


def entry_text(rng: random.Random, language: str) -> tuple[str, str]:
    words, common = WORDS[language], COMMON[language]
    # A Zipf-like pick: the first words of the vocabulary are far more frequent.
    pick = lambda: words[min(int(rng.paretovariate(1.1)) - 1, len(words) - 1)]  # noqa: E731
    question = " ".join([rng.choice(common), *(pick() for _ in range(rng.randint(3, 7)))]) + "?"
    answer = " ".join(
        [*(rng.choice(common) for _ in range(3)), *(pick() for _ in range(rng.randint(15, 40)))]
    )
    return question, answer


def queries(rng: random.Random, language: str) -> list[str]:
    words, common = WORDS[language], COMMON[language]
    made = []
    for n in range(QUERIES):
        if n % 4 == 0:  # a common word among them: thousands of matching entries
            made.append(" ".join([rng.choice(common), *rng.sample(words, 2)]))
        else:
            made.append(" ".join(rng.sample(words, rng.randint(1, 4))))
    return made


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summary(values: Sequence[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"p50 {statistics.median(ms):5.1f} ms  p99 {percentile(ms, 0.99):5.1f} ms  "
        f"max {max(ms):5.1f} ms"
    )


async def _fill(app: Homeroom, community: int, language: str, rng: random.Random) -> None:
    now = datetime.now(UTC)
    rows = []
    for _ in range(ENTRIES):
        question, answer = entry_text(rng, language)
        rows.append(
            {
                "community_id": community,
                "question": question,
                "answer": answer,
                "topic": rng.choice(("transport", "enrollment", "health", None)),
                "grade": rng.choice(("k", "3", "7", "10", None)),
                "language": language,
                "created_by": "bench",
                "created_at": now,
                "updated_at": now,
            }
        )
    async with app.db.engine.begin() as conn:
        for start in range(0, len(rows), 2000):
            await conn.execute(insert(faq_entries), rows[start : start + 2000])
    # A real FAQ grows an entry at a time, over months, and PostgreSQL's autovacuum keeps
    # its statistics; written all at once, the table would be searched before autovacuum
    # (up to a minute later) has looked at it, and planned as if it were still empty (an
    # index scan of all 10,000 entries by community: 7 ms for a question that matches
    # none, instead of 0.05 ms through the full-text index). Analyzed now, as it would be.
    async with app.db.engine.begin() as conn:
        await conn.execute(text("ANALYZE faq_entries"))


async def _handled(app: Homeroom, event: CommandInvoked) -> list[Intent] | None:
    """The command as the Slack and Discord adapters take it: kept in the inbox (a
    commit), handled, and its answer committed to the outbox with the event marked
    handled (a second commit). Returns once the answer is in the outbox."""

    async def translate() -> list[Any]:
        return [event]

    if not await app.inbox.keep("fake", event.event_id, "{}"):
        return None
    return await app.inbox.work("fake", event.event_id, translate)


async def _run(url: str, report: Callable[[str], None]) -> dict[str, Any]:
    app = Homeroom(test_settings(url))
    await app.db.migrate()
    adapter = FakeAdapter()
    app.attach(adapter)
    await app.start(timers=False)
    results: dict[str, Any] = {}
    ids = itertools.count()
    try:
        rng = random.Random(SEED)
        for language, community in (("en", "school-en"), ("es", "school-es")):
            settings = await app.directory.community(CommunityRef("fake", community))
            started = time.perf_counter()
            await _fill(app, settings.id, language, rng)
            filled = time.perf_counter() - started
            asked = queries(rng, language)
            alone, answered, cpu, found = [], [], [], 0
            async with app.db.engine.connect() as conn:
                for words in asked:
                    t0, c0 = time.perf_counter(), time.process_time()
                    hits = await search(conn, settings.id, words, language, limit=5)
                    alone.append(time.perf_counter() - t0)
                    cpu.append(time.process_time() - c0)
                    found += len(hits)
            member = MemberRef("fake", community, "parent")
            c0 = time.process_time()
            for words in asked:
                event = CommandInvoked(
                    event_id=f"bench-{next(ids)}",
                    at=datetime.now(UTC),
                    conversation=ConversationRef("fake", community, "parents"),
                    actor=Actor(member, locale=language),
                    text=f"faq search {words}",
                )
                t0 = time.perf_counter()
                replies = await _handled(app, event)
                answered.append(time.perf_counter() - t0)
                assert replies is not None and len(replies) == 1, replies
            command_cpu = (time.process_time() - c0) / len(asked)
            await app.outbox.idle()
            results[language] = {"alone": alone, "answered": answered, "cpu": command_cpu}
            report(
                f"  {language}: {ENTRIES:,} entries written in {filled:.1f} s; "
                f"{len(asked)} searches, {found / len(asked):.1f} results each on average"
            )
            report(f"    search query alone     {summary(alone)}")
            if app.db.is_sqlite:  # in this process (aiosqlite's thread): what it costs
                report(f"      its CPU time         {summary(cpu)}")
            report(f"    `faq search` answered  {summary(answered)}")
            report(f"      CPU time a command   {command_cpu * 1000:5.1f} ms (this process)")
    finally:
        await app.stop()
    return results


Run = Callable[[str], Awaitable[Any]]


def on_each_database(
    titles: tuple[str, str], run: Run, report: Callable[[str], None]
) -> dict[str, Any]:
    """`run(url)` on a fresh SQLite file, then on PostgreSQL (skipped, saying why, where
    no server answers), each under its title; then the machine's load. The results by
    database."""
    results: dict[str, Any] = {}

    async def both() -> None:
        with tempfile.TemporaryDirectory() as folder:
            report(titles[0])
            results["sqlite"] = await run(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        session = PostgresSession()
        url = await session.ensure()
        if url is None:
            report(f"{titles[1]} skipped ({session.unavailable})")
            return
        try:
            report(titles[1])
            results["postgres"] = await run(url)
        finally:
            await session.drop()

    asyncio.run(both())
    report("load average (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    return results


def bench_faq_search(report: Callable[[str], None] = print) -> dict[str, Any]:
    """`faq search` over 10,000 entries per language on SQLite and PostgreSQL; returns
    the latencies (seconds) by database, language and what was timed."""
    titles = ("faq search, SQLite (FTS5, bm25):", "faq search, PostgreSQL (tsvector, ts_rank):")
    return on_each_database(titles, lambda url: _run(url, report), report)


# -- the acknowledgement under a stream of questions -----------------------------------
ACK = "Thank you for asking."
# Words no FAQ entry has: each question is searched for, finds nothing, and is routed.
ASKED = _listed("choir rehearsal robotics chess origami pottery debate yearbook drama orchestra")


def _is_ack(intent: Intent) -> bool:
    return isinstance(intent, Ephemeral) and message_text(intent.message).startswith(ACK)


async def _setup(app: Homeroom) -> None:
    """A community with a liaison queue, two liaisons and a fallback rule."""
    for n, command in enumerate(
        (
            "setup queue=#liaisons timezone=America/New_York",
            "role grant @sam liaison",
            "role grant @ines liaison",
            "route fallback @sam backup=@ines",
        )
    ):
        await app.handle(
            CommandInvoked(
                event_id=f"setup-{n}",
                at=datetime.now(UTC),
                conversation=ConversationRef("fake", "school", "parents"),
                actor=Actor(MemberRef("fake", "school", "dana"), is_platform_admin=True),
                text=command,
            )
        )


async def _ack_run(url: str, seconds: float, rate: float, report: Callable[[str], None]) -> None:
    app = Homeroom(test_settings(url))
    await app.db.migrate()
    adapter = FakeAdapter()
    adapter.roster.update({n: Person(n, is_admin=n == "dana") for n in ("dana", "sam", "ines")})
    app.attach(adapter)
    await app.start()
    try:
        await _setup(app)
        settings = await app.directory.community(CommunityRef("fake", "school"))
        await _fill(app, settings.id, "en", random.Random(SEED))
        await app.outbox.idle()
        adapter.sent.clear()
        total = int(seconds * rate)
        latencies: list[float] = []
        acknowledged = 0
        rng = random.Random(SEED)

        async def ask(n: int, due: float) -> None:
            nonlocal acknowledged
            words = " ".join(rng.sample(ASKED, 3))
            event = CommandInvoked(
                event_id=f"ask-{n}",
                at=datetime.now(UTC),
                conversation=ConversationRef("fake", "school", "parents"),
                actor=Actor(MemberRef("fake", "school", f"parent{n}"), locale="en"),
                text=f"ask Could the {words} group gather after lessons? ({n})",
            )

            answer = await _handled(app, event)
            latencies.append(time.perf_counter() - due)
            acknowledged += sum(_is_ack(i) for i in answer or [])

        start = time.perf_counter() + 0.1
        c0 = time.process_time()
        tasks = []
        for n in range(total):
            due = start + n / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            tasks.append(asyncio.create_task(ask(n, due)))
        arrived = time.perf_counter() - start
        await asyncio.gather(*tasks)
        handled = time.perf_counter() - start
        cpu = (time.process_time() - c0) / total
        await asyncio.wait_for(app.outbox.idle(), 120)
        async with app.db.engine.connect() as conn:
            committed = await conn.scalar(
                select(func.count()).where(questions.c.status == "received")
            )
        delivered = sum(_is_ack(i) for i in adapter.sent)
        report(
            f"  {total} questions sent in {arrived:.1f} s ({total / arrived:.0f}/s), all "
            f"handled after {handled:.1f} s; acknowledged {acknowledged}, committed "
            f"{committed}, delivered {delivered}"
        )
        report(f"    acknowledgement in the outbox  {summary(latencies)}")
        report(f"    CPU time a question (this process, until all handled)  {cpu * 1000:.1f} ms")
    finally:
        await app.stop()


def bench_acknowledgement(
    seconds: float = 30.0, rate: float = 100.0, report: Callable[[str], None] = print
) -> None:
    """`rate` questions a second for `seconds`, on SQLite then PostgreSQL."""
    during = f"ask, {rate:g} questions a second for {seconds:g} s"
    titles = (f"{during}, SQLite:", f"{during}, PostgreSQL:")
    on_each_database(titles, lambda url: _ack_run(url, seconds, rate, report), report)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="how long questions arrive")
    parser.add_argument("--rate", type=float, default=100.0, help="questions a second")
    parser.add_argument("--only", choices=("ack", "faq"), help="one part of the bench")
    args = parser.parse_args()
    if args.only != "faq":
        bench_acknowledgement(args.seconds, args.rate)
    if args.only != "ack":
        bench_faq_search()


if __name__ == "__main__":
    main()
