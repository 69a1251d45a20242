"""A new SQLite database made in one step from a snapshot of the newest schema.

Running every migration on a new database costs its first start about a quarter of a
second here (Alembic and Mako imported, then 28 revisions, each its own steps and
table rebuilds), and that start is the first thing a new organizer sees. So, as Rails
loads `schema.rb` instead of replaying its history, a new SQLite database is made from
`schema.sqlite.sql`: the `CREATE` statements SQLite keeps for a database that Alembic
migrated to the newest revision, replayed in one transaction, and that revision written
to `alembic_version`. Every later migration runs through Alembic as before.

The snapshot is used only when its revision is the newest migration's (read without
Alembic, `newest_revision`); otherwise Alembic makes the database as ever. A test makes
one database each way and finds the same tables, indexes, triggers and rows, so a
migration added without a new snapshot fails there with the command that writes it:

    .venv/bin/python -m bot.storage.schema

PostgreSQL is always migrated by Alembic (under its advisory lock, for replicas).
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
from functools import cache
from pathlib import Path

from sqlalchemy.engine import Connection

SNAPSHOT = Path(__file__).with_name("schema.sqlite.sql")
_REVISION = "-- revision: "
# Order of replay: tables before what is built on them.
_KINDS = ("table", "index", "trigger", "view")


@cache
def snapshot() -> tuple[str, tuple[str, ...]] | None:
    """(revision, statements) of the snapshot file; None when it is missing or unreadable."""
    try:
        text = SNAPSHOT.read_text(encoding="utf-8")
    except OSError:
        return None
    first, _, body = text.partition("\n")
    if not first.startswith(_REVISION):
        return None
    return first.removeprefix(_REVISION).strip(), tuple(_split(body))


def _split(script: str) -> list[str]:
    """The statements of `script`, each without its closing semicolon (a trigger's body
    holds semicolons of its own: SQLite's `complete_statement` tells where one ends)."""
    statements, lines = [], []
    for line in script.splitlines(keepends=True):
        lines.append(line)
        if sqlite3.complete_statement("".join(lines)):
            statements.append("".join(lines).strip().removesuffix(";").strip())
            lines = []
    if "".join(lines).strip():
        raise ValueError("the schema snapshot ends inside a statement")
    return statements


def load(connection: Connection, statements: tuple[str, ...], revision: str) -> None:
    """Make the schema on an empty database inside the caller's transaction."""
    for statement in statements:
        connection.exec_driver_sql(statement)
    connection.exec_driver_sql("INSERT INTO alembic_version (version_num) VALUES (?)", (revision,))


def dump(connection: sqlite3.Connection) -> list[str]:
    """The statements that make `connection`'s schema again: every table, index, trigger
    and view SQLite keeps, in the order they were made within each kind. Left out: what
    SQLite makes by itself (`sqlite_sequence`, an index behind a UNIQUE or PRIMARY KEY)
    and the shadow tables of a full-text table, which its own `CREATE VIRTUAL TABLE`
    makes."""
    rows = connection.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
    ).fetchall()
    virtual = [name for _, name, sql in rows if sql.upper().startswith("CREATE VIRTUAL TABLE")]
    kept = [
        (kind, sql)
        for kind, name, sql in rows
        if not name.startswith("sqlite_")
        and not any(name.startswith(f"{table}_") for table in virtual)
    ]
    return [sql for kind in _KINDS for k, sql in kept if k == kind]


def write_snapshot() -> Path:
    """Migrate a new database with Alembic to the newest revision and write its schema
    to SNAPSHOT."""
    from bot.storage.db import Database, newest_revision

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "schema.db"

        async def migrate() -> None:
            db = Database(f"sqlite+aiosqlite:///{path}")
            try:
                await db.migrate(use_snapshot=False)
            finally:
                await db.close()

        asyncio.run(migrate())
        with sqlite3.connect(path) as connection:
            statements = dump(connection)
    header = f"{_REVISION}{newest_revision()}\n"
    SNAPSHOT.write_text(header + "".join(f"{s};\n" for s in statements), encoding="utf-8")
    snapshot.cache_clear()
    return SNAPSHOT


if __name__ == "__main__":
    print(f"wrote {write_snapshot()}")
