"""A new SQLite database made from the schema snapshot is the one Alembic would make."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.storage import db as db_module
from bot.storage import schema
from bot.storage.db import Database, newest_revision

Objects = list[tuple[str, str, object]]
Rows = dict[str, list[tuple[object, ...]]]


def _everything(path: Path) -> tuple[Objects, Rows]:
    """Every object SQLite keeps (type, name, SQL) and every table's rows. A table's
    columns and constraints are compared as a set: Alembic's rebuild of a table (batch
    mode) writes its constraints in an order that differs from one run to the next, which
    changes nothing. A `sqlite_sequence` row at 0 (a table's rows all deleted before any
    was kept) means what no row means: the next ID is 1."""
    with sqlite3.connect(path) as connection:
        found = connection.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
        objects: Objects = [(kind, name, _parts(sql)) for kind, name, sql in found.fetchall()]
        rows = {
            name: sorted(connection.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
            for kind, name, _ in objects
            if kind == "table"
        }
    rows["sqlite_sequence"] = [row for row in rows.get("sqlite_sequence", []) if row[1] != 0]
    return objects, rows


def _parts(sql: str | None) -> object:
    """A CREATE TABLE's head and its set of columns and constraints; other SQL as it is."""
    if sql is None or not sql.startswith("CREATE TABLE") or "(" not in sql:
        return sql
    head, _, body = sql.partition("(")
    parts, depth, start = [], 0, 0
    body = body.rstrip().removesuffix(")")
    for at, char in enumerate(body):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(body[start:at].strip())
            start = at + 1
    return head, frozenset([*parts, body[start:].strip()])


async def _made(path: Path, *, use_snapshot: bool) -> bool:
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        return await db.migrate(use_snapshot=use_snapshot)
    finally:
        await db.close()


def test_the_snapshot_is_the_newest_revisions() -> None:
    known = schema.snapshot()
    assert known is not None
    assert known[0] == newest_revision(), (
        "a migration was added: write the schema snapshot again with "
        "`.venv/bin/python -m bot.storage.schema`"
    )


async def test_a_new_database_from_the_snapshot_is_the_one_alembic_makes(tmp_path: Path) -> None:
    """Same tables, columns, indexes, triggers, full-text tables (with their shadow
    tables) and rows, `alembic_version` included, statement for statement."""
    assert await _made(tmp_path / "snapshot.db", use_snapshot=True) is True
    assert await _made(tmp_path / "alembic.db", use_snapshot=False) is True
    made, migrated = _everything(tmp_path / "snapshot.db"), _everything(tmp_path / "alembic.db")
    assert made == migrated
    assert made[1]["alembic_version"] == [(newest_revision(),)]
    assert len([o for o in made[0] if o[0] == "trigger"]) == 3  # the FAQ search's


async def test_a_new_database_is_made_without_alembic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_alembic(*_: object, **__: object) -> None:
        raise AssertionError("Alembic ran")

    monkeypatch.setattr(db_module, "_upgrade", no_alembic)
    path = tmp_path / "new.db"
    assert await _made(path, use_snapshot=True) is True
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        assert await db.migrate() is False  # found at the newest revision
        assert await db.pending_migrations() == []
    finally:
        await db.close()


async def test_alembic_takes_a_snapshot_made_database_down_and_up(tmp_path: Path) -> None:
    """Later migrations (and downgrades) run on it as on one Alembic made."""
    path = tmp_path / "new.db"
    await _made(path, use_snapshot=True)
    newest = newest_revision()
    assert newest is not None
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        await db.migrate("0026", down=True)
        assert await db.pending_migrations() == ["0027", "0028"]
        assert await db.migrate() is True
        assert await db.pending_migrations() == []
    finally:
        await db.close()


async def test_a_stale_snapshot_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A snapshot of an older revision (a migration added, the snapshot not written
    again) is not used: Alembic makes the database, to the newest revision."""
    known = schema.snapshot()
    assert known is not None
    monkeypatch.setattr(schema, "snapshot", lambda: ("0027", known[1]))
    ran: list[str] = []
    upgrade = db_module._upgrade

    def recorded(conn: object, revision: str) -> None:
        ran.append(revision)
        upgrade(conn, revision)  # type: ignore[arg-type]

    monkeypatch.setattr(db_module, "_upgrade", recorded)
    assert await _made(tmp_path / "new.db", use_snapshot=True) is True
    assert ran == ["head"]
    assert _everything(tmp_path / "new.db")[1]["alembic_version"] == [(newest_revision(),)]


def test_statements_with_semicolons_of_their_own_are_kept_whole() -> None:
    script = (
        "CREATE TABLE a (x INTEGER);\n"
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  DELETE FROM a;\n  SELECT 1;\nEND;\n"
    )
    assert schema._split(script) == [
        "CREATE TABLE a (x INTEGER)",
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  DELETE FROM a;\n  SELECT 1;\nEND",
    ]
    with pytest.raises(ValueError):
        schema._split("CREATE TABLE a (x INTEGER")
