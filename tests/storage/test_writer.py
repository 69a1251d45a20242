"""SQLite's writer thread (bot.storage.writer): group commits off the event loop, one
transaction per batch, under the same turn as the async engine's writers, and every row
committed before its intent reaches the platform."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest_asyncio
from sqlalchemy import event, insert, select, text

from bot.app import Homeroom
from bot.events import Actor, CommandInvoked
from bot.intents import Ephemeral, Intent
from bot.refs import ConversationRef, MemberRef
from bot.storage.batcher import WriteTurn
from bot.storage.bulk import ids_step
from bot.storage.db import Database
from bot.storage.sqlite_steps import Step
from bot.storage.tables import outbox, processed_events
from bot.storage.writer import Plan, SqliteWriter, UpdateFromValues, compiled
from bot.testing import FakeAdapter, test_settings

AT = datetime(2026, 9, 7, 18, tzinfo=UTC)


class Ledger:
    """What the database heard, from the async engine's own listeners: each statement
    with the thread that ran it, and each connection's transactions as they ended."""

    def __init__(self, db: Database) -> None:
        self.log: list[tuple[str, int]] = []
        self.committed: list[list[str]] = []  # each committed transaction's statements
        self.committers: list[int] = []  # the thread that committed each
        self._open: dict[int, list[str]] = {}
        self._engine = db.engine.sync_engine
        event.listen(self._engine, "before_cursor_execute", self._statement)
        event.listen(self._engine, "commit", self._commit)
        event.listen(self._engine, "rollback", self._rollback)

    def _statement(self, conn: Any, _cur: Any, statement: str, *_: Any) -> None:
        words = " ".join(statement.split()[:3])
        self.log.append((words, threading.get_ident()))
        self._open.setdefault(id(conn), []).append(words)

    def _commit(self, conn: Any) -> None:
        statements = self._open.pop(id(conn), [])
        if any(not s.startswith("SELECT") for s in statements):
            self.committed.append(statements)
            self.committers.append(threading.get_ident())

    def _rollback(self, conn: Any) -> None:
        self._open.pop(id(conn), None)

    def close(self) -> None:
        event.remove(self._engine, "before_cursor_execute", self._statement)
        event.remove(self._engine, "commit", self._commit)
        event.remove(self._engine, "rollback", self._rollback)


@pytest_asyncio.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    await database.migrate()
    yield database
    await database.close()


def thread_of(db: Database) -> SqliteWriter:
    assert isinstance(db.write_turn, WriteTurn) and db.write_turn.thread is not None
    return db.write_turn.thread


def ids(prefix: str, n: int) -> list[dict[str, Any]]:
    return [
        {"platform": "fake", "event_id": f"{prefix}{k}", "received_at": AT, "handled_at": AT}
        for k in range(n)
    ]


def each(rows: Sequence[dict[str, Any]]) -> Step:
    """One `executemany` of a plain INSERT of `rows`."""
    return ("each", compiled(insert(processed_events), tuple(rows[0]), many=False), rows, ())


def write_ids(rows: Sequence[dict[str, Any]]) -> Plan:
    step = each(rows)
    return [step], lambda _: [len(rows)] * len(rows)


def refuse(rows: Sequence[dict[str, Any]]) -> Plan:
    """The rows twice: the first statement is written, then rolled back when the
    second breaks the table's key."""
    step = each(rows)
    return [step, step], lambda _: [len(rows)] * len(rows)


def stored(path: Path) -> set[str]:
    """Event IDs committed, as another connection (another process) sees them."""
    with sqlite3.connect(path) as other:
        return {row[0] for row in other.execute("SELECT event_id FROM processed_events")}


async def test_batches_waiting_together_commit_in_one_transaction_on_the_thread(
    db: Database,
) -> None:
    writer = thread_of(db)
    ledger = Ledger(db)
    try:
        first, second = await asyncio.gather(
            writer.write(write_ids, ids("a", 30)), writer.write(write_ids, ids("b", 20))
        )
    finally:
        ledger.close()
    assert (list(first), list(second)) == ([30] * 30, [20] * 20)
    assert ledger.committed == [["INSERT INTO processed_events", "INSERT INTO processed_events"]]
    assert writer.transactions == 1
    # Every statement and the commit ran on the writer thread, none on the loop's.
    assert {ident for _, ident in ledger.log} == {writer.ident}
    assert writer.ident != threading.get_ident()
    assert db.sqlite_path is not None
    assert stored(db.sqlite_path) == {f"a{k}" for k in range(30)} | {f"b{k}" for k in range(20)}


async def test_a_failing_batch_fails_alone_and_the_others_commit_without_it(
    db: Database,
) -> None:
    writer = thread_of(db)
    ledger = Ledger(db)
    try:
        results = await asyncio.gather(
            writer.write(write_ids, ids("a", 3)),
            writer.write(refuse, ids("bad", 2)),
            writer.write(write_ids, ids("c", 4)),
            return_exceptions=True,
        )
    finally:
        ledger.close()
    assert [list(r) if isinstance(r, Sequence) else type(r).__name__ for r in results] == [
        [3] * 3,
        "IntegrityError",
        [4] * 4,
    ]
    # The shared transaction rolled back at the bad batch; the other two were written
    # again, without it, in one transaction: the bad one's statements ran only once.
    assert ledger.committed == [["INSERT INTO processed_events", "INSERT INTO processed_events"]]
    assert [s for s, _ in ledger.log].count("INSERT INTO processed_events") == 5
    assert db.sqlite_path is not None
    assert stored(db.sqlite_path) == {"a0", "a1", "a2", "c0", "c1", "c2", "c3"}


async def test_the_thread_writes_only_while_it_holds_the_write_turn(db: Database) -> None:
    """An async-engine writer holding the turn (a feature's transaction) keeps the
    thread from writing: the two never meet in SQLite's busy handler."""
    writer = thread_of(db)
    assert db.write_turn is not None
    await db.write_turn.acquire()
    async with db.engine.begin() as conn:  # a write through the async engine, under the turn
        await conn.execute(insert(processed_events), ids("async", 1))
        waiting = asyncio.ensure_future(writer.write(write_ids, ids("t", 2)))
        for _ in range(20):
            await asyncio.sleep(0)
    for _ in range(20):  # committed, but the turn is still held: the thread gets nothing
        await asyncio.sleep(0)
    assert (writer.handed, writer.transactions, waiting.done()) == (0, 0, False)
    db.write_turn.release()
    assert list(await waiting) == [2, 2]
    assert (writer.handed, writer.transactions) == (1, 1)
    assert db.sqlite_path is not None
    assert stored(db.sqlite_path) == {"async0", "t0", "t1"}


class CheckingAdapter(FakeAdapter):
    """At each delivery, reads the database from another connection: the answer's
    outbox row, its in-flight mark and its command's ID must be committed by then."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.seen: list[tuple[int, int, int]] = []
        self.threads: set[int] = set()

    async def deliver(self, intent: Intent, *, key: str | None = None) -> str | None:
        assert isinstance(intent, Ephemeral)
        with sqlite3.connect(self.path) as other:
            event_id = intent.in_reply_to or ""
            rows = other.execute(
                "SELECT count(*), count(sending_since) FROM outbox "
                "WHERE status = 'pending' AND payload LIKE ?",
                (f'%"{event_id}"%',),
            ).fetchone()
            claimed = other.execute(
                "SELECT count(*) FROM processed_events WHERE event_id = ?", (event_id,)
            ).fetchone()
        self.seen.append((rows[0], rows[1], claimed[0]))
        return await super().deliver(intent, key=key)


def command(n: int) -> CommandInvoked:
    member = MemberRef("fake", "school", f"member{n}")
    return CommandInvoked(
        event_id=f"cmd-{n}",
        at=AT,
        conversation=ConversationRef("fake", "school", "parents"),
        actor=Actor(member, locale="en"),
        text="help role",
    )


async def test_every_row_is_committed_by_the_thread_before_its_intent_reaches_the_platform(
    tmp_path: Path,
) -> None:
    path = tmp_path / "h.db"
    homeroom = Homeroom(test_settings(f"sqlite+aiosqlite:///{path}"))
    adapter = CheckingAdapter(path)
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    await homeroom.handle(command(1000))  # the community is loaded (one read, once)
    await homeroom.outbox.idle()
    adapter.seen.clear()
    writer = thread_of(homeroom.db)
    before = writer.transactions
    ledger = Ledger(homeroom.db)
    try:
        await asyncio.gather(*(homeroom.handle(command(n)) for n in range(40)))
        await homeroom.outbox.idle()
    finally:
        ledger.close()
        await homeroom.stop()
    # Each answer's row, its in-flight mark and its command's ID were on disk first.
    assert adapter.seen == [(1, 1, 1)] * 40
    # The hot writes (IDs, outbox rows, in-flight and sent marks) all ran on the thread.
    hot = ("INSERT INTO processed_events", "INSERT INTO outbox", "UPDATE outbox SET")
    threads = {ident for statement, ident in ledger.log if statement.startswith(hot)}
    assert threads == {writer.ident}
    assert writer.ident != threading.get_ident()
    # Batched: 160 rows (40 IDs, 40 outbox rows, 80 marks) in a few transactions, each
    # one of the thread's; and a command's ID and its answer's row committed together.
    on_thread = [
        t for t, by in zip(ledger.committed, ledger.committers, strict=True) if by == writer.ident
    ]
    assert len(on_thread) == writer.transactions - before < 40
    together = [
        t for t in on_thread if {"INSERT INTO processed_events", "INSERT INTO outbox"} <= set(t)
    ]
    assert len(together) == 1  # the 40 IDs, the 40 answers (and the new members' locales)
    with sqlite3.connect(path) as other:
        assert other.execute("SELECT count(*) FROM outbox WHERE status='sent'").fetchone() == (41,)
        assert other.execute(
            "SELECT count(*) FROM processed_events WHERE event_id LIKE 'cmd-%'"
        ).fetchone() == (41,)


async def test_an_in_memory_database_has_no_thread_and_writes_through_the_engine() -> None:
    db = Database("sqlite+aiosqlite://")
    try:
        assert isinstance(db.write_turn, WriteTurn) and db.write_turn.thread is None
        await db.migrate()
        async with db.engine.begin() as conn:
            assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await db.close()


async def test_many_rows_per_statement_store_what_sqlalchemy_would_in_order(
    db: Database,
) -> None:
    """333 rows go in statements of 256, 64, 4, 4, 4 and 1 rows: their IDs follow in
    order, and every value (the zoned times too) reads back through the async engine
    as it was given; the merged update gives each row its own values."""
    writer = thread_of(db)
    ledger = Ledger(db)
    rows = [
        {
            "platform": "fake",
            "lane": f"lane{n}",
            "payload": f"p{n}",
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": AT + timedelta(seconds=n),
            "created_at": AT,
            "lease_owner": None,
            "lease_until": None,
            "reply_handle": None,
            "reply_until": None,
        }
        for n in range(333)
    ]
    marks = UpdateFromValues(outbox, "id", ["status", "sent_at", "delivered_id"])

    def insert(batch: Sequence[dict[str, Any]]) -> Plan:
        return [ids_step(outbox, batch)], lambda results: results[0]

    def mark(ids: Sequence[int]) -> Plan:
        rows = [
            {
                "id": i,
                "status": "sent",
                "sent_at": AT + timedelta(minutes=k),
                "delivered_id": f"m{k}",
            }
            for k, i in enumerate(ids)
            if k % 2 == 0
        ]
        return [marks.step(rows)], lambda _: list(ids)

    try:
        ids = list(await writer.write(insert, rows))
        await writer.write(mark, ids)
    finally:
        ledger.close()
    assert ids == list(range(ids[0], ids[0] + 333))
    inserts = [s for s, _ in ledger.log if s.startswith("INSERT INTO outbox")]
    updates = [s for s, _ in ledger.log if s.startswith("UPDATE outbox SET")]
    # 333 rows: 256+64+4+4+4+1; 167 marks: 64+64+16+16+4+1+1+1; one transaction.
    assert (len(inserts), len(updates), writer.transactions) == (6, 8, 2)
    async with db.engine.connect() as conn:
        stored = {
            r.id: r
            for r in await conn.execute(
                select(
                    outbox.c.id,
                    outbox.c.payload,
                    outbox.c.next_attempt_at,
                    outbox.c.status,
                    outbox.c.sent_at,
                    outbox.c.delivered_id,
                )
            )
        }
    for k, i in enumerate(ids):
        row = stored[i]
        assert (row.payload, row.next_attempt_at) == (f"p{k}", AT + timedelta(seconds=k))
        if k % 2 == 0:
            assert (row.status, row.sent_at, row.delivered_id) == (
                "sent",
                AT + timedelta(minutes=k),
                f"m{k}",
            )
        else:
            assert (row.status, row.sent_at, row.delivered_id) == ("pending", None, None)
