"""SQLite's writer process (bot.storage.writer, bot.storage.writer_process): the same
group commits as the writer thread, run on a process of their own, which stores what
the thread stores, dies without losing track, and stops with the bot."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from sqlalchemy import bindparam, exc, insert

from bot.app import Homeroom
from bot.events import Actor, CommandInvoked
from bot.intents import Ephemeral
from bot.refs import ConversationRef, MemberRef
from bot.storage.batcher import WriteTurn
from bot.storage.bulk import ids_step
from bot.storage.db import Database
from bot.storage.sqlite_steps import Values
from bot.storage.tables import member_locales, outbox, processed_events
from bot.storage.upsert import ignoring_duplicates_step
from bot.storage.writer import (
    Plan,
    SqliteWriter,
    UpdateFromValues,
    WriterGone,
    WriterProcess,
    among,
    compiled,
)
from bot.testing import FakeAdapter, test_settings
from bot.unavailable import is_transient
from tests.storage.test_writer import each, ids, refuse, stored, write_ids

AT = datetime(2026, 9, 7, 18, tzinfo=UTC)
PIPE_MAX = Path("/proc/sys/fs/pipe-max-size")


async def opened(path: Path, writer: str) -> Database:
    database = Database(f"sqlite+aiosqlite:///{path}", writer=writer)  # type: ignore[arg-type]
    await database.migrate()
    return database


@pytest_asyncio.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await opened(tmp_path / "p.db", "process")
    yield database
    await database.close()


def writer_of(db: Database) -> SqliteWriter:
    assert isinstance(db.write_turn, WriteTurn) and db.write_turn.thread is not None
    return db.write_turn.thread


def process_of(db: Database) -> WriterProcess:
    runs = writer_of(db).runs
    assert isinstance(runs, WriterProcess)
    return runs


async def test_batches_waiting_together_commit_in_one_transaction_in_the_process(
    db: Database,
) -> None:
    writer = writer_of(db)
    first, second = await asyncio.gather(
        writer.write(write_ids, ids("a", 30)), writer.write(write_ids, ids("b", 20))
    )
    assert (list(first), list(second)) == ([30] * 30, [20] * 20)
    assert (writer.handed, writer.transactions, process_of(db).started) == (1, 1, 1)
    assert process_of(db).pid not in (None, os.getpid())
    assert db.sqlite_path is not None
    assert stored(db.sqlite_path) == {f"a{k}" for k in range(30)} | {f"b{k}" for k in range(20)}


async def test_a_failing_batch_fails_alone_as_sqlalchemy_would_say_it(db: Database) -> None:
    """The process's error comes back as the thread's would (SQLAlchemy's wrapper, read
    alike by `is_transient`), without the rows' values; the other batches commit."""
    writer = writer_of(db)
    secret = ids("maria-private-", 2)
    results = await asyncio.gather(
        writer.write(write_ids, ids("a", 3)),
        writer.write(refuse, secret),
        writer.write(write_ids, ids("c", 4)),
        return_exceptions=True,
    )
    assert [list(r) if isinstance(r, Sequence) else type(r) for r in results] == [
        [3] * 3,
        exc.IntegrityError,
        [4] * 4,
    ]
    error = results[1]
    assert isinstance(error, exc.IntegrityError) and not is_transient(error)
    assert "UNIQUE constraint failed" in str(error) and "maria" not in str(error)
    assert writer.transactions == 1
    assert db.sqlite_path is not None
    assert stored(db.sqlite_path) == {"a0", "a1", "a2", "c0", "c1", "c2", "c3"}


async def test_the_process_writes_only_while_it_holds_the_write_turn(db: Database) -> None:
    writer = writer_of(db)
    assert db.write_turn is not None
    await db.write_turn.acquire()
    async with db.engine.begin() as conn:
        await conn.execute(insert(processed_events), ids("async", 1))
        waiting = asyncio.ensure_future(writer.write(write_ids, ids("p", 2)))
        for _ in range(20):
            await asyncio.sleep(0)
    for _ in range(20):
        await asyncio.sleep(0)
    assert (writer.handed, writer.transactions, waiting.done()) == (0, 0, False)
    db.write_turn.release()
    assert list(await waiting) == [2, 2]
    assert (writer.handed, writer.transactions) == (1, 1)
    assert db.sqlite_path is not None
    assert stored(db.sqlite_path) == {"async0", "p0", "p1"}


def every_kind_of_step(batch: Sequence[dict[str, Any]]) -> Plan:
    """Inserts with IDs (333 rows: statements of 256, 64, 4, 4, 4 and 1), a merged
    update, IN-lists, a row-by-row update and an upsert that returns what it took."""
    marks = UpdateFromValues(outbox, "id", ["status", "sent_at", "delivered_id"])
    return (
        [
            ids_step(outbox, batch),
            marks.step(
                [
                    {"id": k + 1, "status": "sent", "sent_at": AT + timedelta(minutes=k)}
                    | {"delivered_id": f"m{k}"}
                    for k in range(0, 333, 2)
                ]
            ),
            ("values", among("DELETE FROM outbox WHERE id IN ("), [(k,) for k in (5, 7, 9)], ()),
            ignoring_duplicates_step(
                member_locales,
                [{"community_id": 1, "user_id": f"u{k}", "locale": "en"} for k in range(3)],
            ),
            (
                "each",
                compiled(
                    member_locales.update()
                    .where(member_locales.c.user_id == bindparam("uid"))
                    .values(locale=bindparam("loc")),
                    many=False,
                ),
                [{"uid": "u1", "loc": "es"}],
                (),
            ),
        ],
        lambda results: results[0],
    )


async def test_the_process_stores_exactly_what_the_thread_stores(tmp_path: Path) -> None:
    rows = [
        {
            "platform": "fake",
            "lane": f"lane{n}",
            "payload": f"p{n} «ñ»",
            "status": "pending",
            "attempts": n % 3,
            "next_attempt_at": AT + timedelta(seconds=n, microseconds=n),
            "created_at": AT.astimezone(ZoneInfo("America/Chicago")),
            "lease_owner": None,
            "lease_until": None,
            "reply_handle": "h" if n % 2 else None,
            "reply_until": None,
        }
        for n in range(333)
    ]
    tables: dict[str, list[Any]] = {}
    for writer in ("thread", "process"):
        path = tmp_path / f"{writer}.db"
        db = await opened(path, writer)
        async with db.engine.begin() as conn:  # the locales' community
            await conn.exec_driver_sql(
                "INSERT INTO communities (id, platform, external_id, created_at, updated_at)"
                " VALUES (1, 'fake', 'school', '2026-09-07 18:00:00.000000',"
                " '2026-09-07 18:00:00.000000')"
            )
        try:
            assert list(await writer_of(db).write(every_kind_of_step, rows)) == list(range(1, 334))
        finally:
            await db.close()
        with sqlite3.connect(path) as other:
            tables[writer] = [
                other.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
                for table in ("outbox", "member_locales")
            ]
    assert tables["process"] == tables["thread"]
    outbox_rows, locales = tables["process"]
    assert len(outbox_rows) == 330 and [r[-1] for r in locales] == ["en", "es", "en"]
    assert outbox_rows[0][6] == "2026-09-07 18:00:00.000000"  # UTC, SQLAlchemy's format


async def test_a_writer_process_that_dies_is_said_once_and_started_again(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    writer = writer_of(db)
    await writer.write(write_ids, ids("before", 1))
    pid = process_of(db).pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    with (
        caplog.at_level(logging.ERROR, logger="bot.storage.writer"),
        pytest.raises(WriterGone) as gone,
    ):
        await writer.write(write_ids, ids("lost", 1))
    assert is_transient(gone.value)  # the batchers that retry write it again
    assert [r.getMessage() for r in caplog.records] == [
        f"event=writer_process_died pid={pid} returncode=-9"
    ]
    assert list(await writer.write(write_ids, ids("after", 2))) == [2, 2]
    assert process_of(db).started == 2 and process_of(db).pid != pid
    assert db.sqlite_path is not None
    assert stored(db.sqlite_path) == {"before0", "after0", "after1"}


async def test_the_process_stops_with_the_database_and_is_out_of_ctrl_c_s_reach(
    tmp_path: Path,
) -> None:
    """Ctrl-C in the console reaches the bot alone (the process has its own session),
    and the bot's stop lets it finish what it was given, then it ends."""
    db = await opened(tmp_path / "p.db", "process")
    writer = writer_of(db)
    await writer.write(write_ids, ids("a", 1))
    process = process_of(db)
    assert process.pid is not None
    assert os.getsid(process.pid) != os.getsid(0)
    pending = asyncio.ensure_future(writer.write(write_ids, ids("last", 3)))
    await asyncio.sleep(0)
    await pending
    await db.close()
    assert process._process is None
    with pytest.raises(ProcessLookupError):
        os.kill(process.pid, 0)  # gone (and reaped)
    assert stored(tmp_path / "p.db") == {"a0", "last0", "last1", "last2"}


def test_the_process_loads_the_standard_library_alone() -> None:
    """No SQLAlchemy (about 35 MB and 0.3 s here): the process starts lean."""
    root = Path(__file__).resolve().parents[2]
    probe = (
        "import sys, runpy; sys.argv = ['w', ':memory:'];"
        "import bot.storage.writer_process;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'bot')))"
    )
    found = subprocess.run(
        [sys.executable, "-S", "-c", probe],
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.strip() == str(
        ["bot", "bot.storage", "bot.storage.sqlite_steps", "bot.storage.writer_process"]
    )


def command(n: int) -> CommandInvoked:
    return CommandInvoked(
        event_id=f"cmd-{n}",
        at=AT,
        conversation=ConversationRef("fake", "school", "parents"),
        actor=Actor(MemberRef("fake", "school", f"member{n}"), locale="en"),
        text="help role",
    )


async def test_a_bot_on_the_writer_process_answers_every_command_once_with_its_rows_on_disk(
    tmp_path: Path,
) -> None:
    """The deployment's default: every answer delivered once, after its command's ID
    and its own row are committed, as another process (the one here) reads them."""
    path = tmp_path / "h.db"
    settings = test_settings(f"sqlite+aiosqlite:///{path}", sqlite_writer="process")
    homeroom = Homeroom(settings)
    seen: list[tuple[int, int]] = []

    class Checking(FakeAdapter):
        async def deliver(self, intent: Any, *, key: str | None = None) -> str | None:
            assert isinstance(intent, Ephemeral)
            with sqlite3.connect(path) as other:
                seen.append(
                    (
                        other.execute(
                            "SELECT count(*) FROM outbox WHERE payload LIKE ?",
                            (f'%"{intent.in_reply_to}"%',),
                        ).fetchone()[0],
                        other.execute(
                            "SELECT count(*) FROM processed_events WHERE event_id = ?",
                            (intent.in_reply_to,),
                        ).fetchone()[0],
                    )
                )
            return await super().deliver(intent, key=key)

    adapter = Checking()
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    try:
        await asyncio.gather(*(homeroom.handle(command(n)) for n in range(60)))
        for n in range(60, 120):
            await homeroom.handle(command(n))
        await homeroom.outbox.idle()
        runs = writer_of(homeroom.db).runs
        assert isinstance(runs, WriterProcess) and runs.started == 1
    finally:
        await homeroom.stop()
    assert seen == [(1, 1)] * 120
    assert sorted(i.in_reply_to or "" for i in adapter.sent) == sorted(
        f"cmd-{n}" for n in range(120)
    )
    with sqlite3.connect(path) as other:
        assert other.execute("SELECT count(*) FROM outbox WHERE status='sent'").fetchone() == (120,)
        assert other.execute("SELECT count(*) FROM processed_events").fetchone() == (120,)


@pytest.mark.skipif(sys.platform != "linux", reason="F_SETPIPE_SZ is Linux's")
async def test_the_pipe_to_the_process_takes_a_whole_frame_at_once(db: Database) -> None:
    """A frame of 2,000 rows (150-580 kB) through a 64 kB pipe went a piece per turn
    of the loop, and the process could start only once it had all of it."""
    import fcntl

    process = process_of(db)
    await process.ready()
    assert process._process is not None and process._process.stdin is not None
    pipe = process._process.stdin.transport.get_extra_info("pipe")
    allowed = int(PIPE_MAX.read_text())  # noqa: ASYNC240 (a kernel setting, at once)
    wide = 1 << 20 if allowed >= 1 << 20 else 1 << 16  # else left as it was (logged)
    assert fcntl.fcntl(pipe.fileno(), getattr(fcntl, "F_GETPIPE_SZ", 1032)) == wide


def broken_plan(rows: Sequence[dict[str, Any]]) -> Plan:
    raise ValueError("a bug in this batcher's plan")


def unbindable(rows: Sequence[dict[str, Any]]) -> Plan:
    """A row SQLite cannot take (a lone surrogate cannot be encoded as UTF-8)."""
    return write_ids([{**rows[0], "event_id": "\ud800"}])


async def test_a_plan_that_cannot_be_made_or_bound_fails_alone(db: Database) -> None:
    """A planner's bug, or an error the process cannot give back as it was (Python's
    UnicodeEncodeError wants five arguments), fails its own batch only: the others
    commit, and nobody waits for good."""
    writer = writer_of(db)
    results = await asyncio.gather(
        writer.write(write_ids, ids("a", 2)),
        writer.write(broken_plan, ids("b", 2)),
        writer.write(unbindable, ids("c", 1)),
        return_exceptions=True,
    )
    assert [r if isinstance(r, list) else repr(r) for r in results] == [
        [2, 2],
        'ValueError("a bug in this batcher\'s plan")',
        "RuntimeError(\"UnicodeEncodeError: 'utf-8' codec can't encode character '\\\\ud800'"
        ' in position 0: surrogates not allowed")',
    ]
    assert db.sqlite_path is not None
    assert stored(db.sqlite_path) == {"a0", "a1"}


async def test_an_answer_nobody_reads_takes_its_process_with_it(db: Database) -> None:
    """Were the process kept, the next transaction would read this one's answer as its
    own (an outbox row's ID given to another)."""
    writer, process = writer_of(db), process_of(db)
    await process.ready()
    first = process.pid
    abandoned = process.send([write_ids(ids("gone", 1))[0]])
    await asyncio.sleep(0)
    abandoned.cancel()
    with pytest.raises(asyncio.CancelledError):
        await abandoned
    assert list(await writer.write(write_ids, ids("next", 3))) == [3, 3, 3]
    assert process.started == 2 and process.pid != first


async def test_a_commit_that_fails_is_rolled_back_and_the_next_transaction_goes(
    db: Database,
) -> None:
    """A foreign key checked at COMMIT (deferred): the commit fails, the process rolls
    back, and the next transaction is not refused as "within a transaction"."""
    writer = writer_of(db)

    def orphan(rows: Sequence[dict[str, Any]]) -> Plan:
        defer = Values("PRAGMA defer_foreign_keys = ON", "", "")
        locale = ignoring_duplicates_step(
            member_locales, [{"community_id": 999, "user_id": "u", "locale": "en"}]
        )
        return [("values", defer, [()], ()), locale, each(rows)], lambda _: [1] * len(rows)

    with pytest.raises(exc.IntegrityError, match="FOREIGN KEY constraint failed"):
        await writer.write(orphan, ids("orphan", 1))
    assert list(await writer.write(write_ids, ids("after", 1))) == [1]
    assert process_of(db).started == 1
    assert db.sqlite_path is not None
    assert stored(db.sqlite_path) == {"after0"}


async def test_a_process_that_ended_while_idle_is_said_once_and_replaced(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    writer, process = writer_of(db), process_of(db)
    await writer.write(write_ids, ids("a", 1))
    assert process._process is not None and process.pid is not None
    pid = process.pid
    os.kill(pid, signal.SIGKILL)
    await process._process.wait()
    with caplog.at_level(logging.ERROR, logger="bot.storage.writer"):
        assert list(await writer.write(write_ids, ids("b", 1))) == [1]
        assert list(await writer.write(write_ids, ids("c", 1))) == [1]
    assert [r.getMessage() for r in caplog.records] == [
        f"event=writer_process_died pid={pid} returncode=-9"
    ]
    assert process.started == 2


async def test_after_the_database_closes_no_process_starts(tmp_path: Path) -> None:
    db = await opened(tmp_path / "p.db", "process")
    await db.close()
    with pytest.raises(RuntimeError, match="the SQLite writer is stopped"):
        await writer_of(db).write(write_ids, ids("late", 1))
    assert process_of(db).started == 0
