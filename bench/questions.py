"""Questions and FAQ (issue 14).

`bench_faq_search()`: `faq search` over 10,000 published entries, on SQLite and on
PostgreSQL (skipped, saying why, without a server at HOMEROOM_TEST_POSTGRES_URL or
127.0.0.1:5432). Two communities of 10,000 entries each, one English and one Spanish,
written from a school vocabulary with a few very common words, so that a query's words
match from a handful to thousands of entries. Each query is a `faq search` command
dispatched through the core (parse, role check, the database's full-text search and
ranking, the reply staged in the outbox), timed from dispatch to its reply; the search
query alone is timed too. Prints p50, p99 and max per database and language.

Run: .venv/bin/python -m bench.questions
"""

from __future__ import annotations

import asyncio
import itertools
import math
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bot.app import Homeroom
from bot.events import Actor, CommandInvoked
from bot.features.faq.search import search
from bot.features.faq.tables import faq_entries
from bot.refs import CommunityRef, ConversationRef, MemberRef
from bot.testing import FakeAdapter, PostgresSession, test_settings

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
            for words in asked:
                event = CommandInvoked(
                    event_id=f"bench-{next(ids)}",
                    at=datetime.now(UTC),
                    conversation=ConversationRef("fake", community, "parents"),
                    actor=Actor(member, locale=language),
                    text=f"faq search {words}",
                )
                t0 = time.perf_counter()
                replies = await app.handle(event)
                answered.append(time.perf_counter() - t0)
                assert len(replies) == 1, replies
            await app.outbox.idle()
            results[language] = {"alone": alone, "answered": answered}
            report(
                f"  {language}: {ENTRIES:,} entries written in {filled:.1f} s; "
                f"{len(asked)} searches, {found / len(asked):.1f} results each on average"
            )
            report(f"    search query alone     {summary(alone)}")
            if app.db.is_sqlite:  # in this process (aiosqlite's thread): what it costs
                report(f"      its CPU time         {summary(cpu)}")
            report(f"    `faq search` answered  {summary(answered)}")
    finally:
        await app.stop()
    return results


def bench_faq_search(report: Callable[[str], None] = print) -> dict[str, Any]:
    """`faq search` over 10,000 entries per language on SQLite and PostgreSQL; returns
    the latencies (seconds) by database, language and what was timed."""
    results: dict[str, Any] = {}

    async def both() -> None:
        with tempfile.TemporaryDirectory() as folder:
            report("faq search, SQLite (FTS5, bm25):")
            results["sqlite"] = await _run(
                f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}", report
            )
        session = PostgresSession()
        url = await session.ensure()
        if url is None:
            report(f"faq search, PostgreSQL: skipped ({session.unavailable})")
            return
        try:
            report("faq search, PostgreSQL (tsvector, ts_rank):")
            results["postgres"] = await _run(url, report)
        finally:
            await session.drop()

    asyncio.run(both())
    report("load average (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    return results


if __name__ == "__main__":
    bench_faq_search()
