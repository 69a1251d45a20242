"""The async database: one SQLAlchemy Core engine for SQLite (aiosqlite) and PostgreSQL
(asyncpg), migrated by Alembic on start.

Alembic itself (and Mako under it; Pygments is kept out: `_without_pygments`) is imported only when
there is something to migrate or report: a start on a database already at the newest
revision learns so from one query (`SELECT version_num FROM alembic_version`) against the
newest revision read from the migration files' own `revision` lines.

SQLite always runs in WAL mode with synchronous=NORMAL: a process crash loses nothing
committed, and a committed row costs a fraction of a millisecond instead of several.
"""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import sys
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.storage import schema
from bot.storage.batcher import WriteTurn
from bot.storage.sqlite_steps import PRAGMAS
from bot.storage.writer import SqliteWriter, WriterProcess, WriterThread

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 0x484F4D45524F4F4D  # PostgreSQL advisory lock key: "HOMEROOM" in ASCII


# PostgreSQL's connections kept open. SQLAlchemy's default keeps 5 and closes any
# opened beyond them as soon as it is returned; under a burst (100 questions a second:
# bench/questions.py) the group commits, the outbox and each question's FAQ search need
# more than 5 at once, so connections were opened and closed ~30 times a second, each a
# new server process. Kept open instead, up to 20, and 10 more for a moment.
POSTGRES_POOL = {"pool_size": 20, "max_overflow": 10}


class DatabaseUnavailable(Exception):
    """The database cannot be opened or reached; the message is the line a person reads."""


class Database:
    """Owns the engine; `migrate()` brings the schema to the newest revision."""

    def __init__(self, url: str, *, writer: Literal["process", "thread"] = "thread") -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.engine: AsyncEngine = create_async_engine(
            self.url,
            pool_pre_ping=not self.is_sqlite,
            **({} if self.is_sqlite else POSTGRES_POOL),
            # A failing statement's error would otherwise quote its parameters (what a
            # member wrote, their ID) into the log.
            hide_parameters=True,
        )
        # Group-commit writers take turns on SQLite (one writer at a time anyway); on
        # PostgreSQL each has its own turn and they write in parallel.
        self.write_turn: asyncio.Lock | None = WriteTurn() if self.is_sqlite else None
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            if self.sqlite_path is not None and isinstance(self.write_turn, WriteTurn):
                # Group commits go to a writer of their own (bot.storage.writer); an
                # in-memory database is one connection's alone, so it has none.
                runs: WriterThread | WriterProcess = (
                    WriterProcess(self.sqlite_path)
                    if writer == "process"
                    else WriterThread(self.url, self.engine.sync_engine, _sqlite_pragmas)
                )
                self.write_turn.thread = SqliteWriter(runs, self.write_turn)
            # The folder is made when the file is first opened, not before, so that
            # `homeroom check` (which opens nothing that does not exist) creates nothing.
            event.listen(self.engine.sync_engine, "do_connect", self._make_folder)

    @property
    def display_url(self) -> str:
        """The URL without its password, for logs and `homeroom check`."""
        return self.url.render_as_string(hide_password=True)

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file, or None (PostgreSQL, or an in-memory database)."""
        if not self.is_sqlite or self.url.database in (None, "", ":memory:"):
            return None
        return Path(self.url.database)

    def location_problem(self) -> str | None:
        """Why the SQLite file could not be opened or created, found without creating
        anything (so `homeroom check` can say it); None when it can."""
        path = self.sqlite_path
        if path is None or (problem := writable_problem(path)) is None:
            return None
        fix = "set DATABASE_URL to a file in a folder you can write to"
        return f"the SQLite database {problem}: {fix}"

    def describe_location(self) -> str:
        path = self.sqlite_path
        if path is not None and not path.exists():
            return f"{self.display_url} (not created yet; `homeroom run` creates it)"
        return self.display_url

    def explain(self, error: BaseException) -> str | None:
        """One line naming what went wrong reaching this database and what to do, or None
        when `error` is not a problem of reaching or opening it."""
        return _explain(self, error)

    def _make_folder(self, *_: Any) -> None:
        path = self.sqlite_path
        if path is not None:
            if (problem := self.location_problem()) is not None:
                raise DatabaseUnavailable(problem)
            path.parent.mkdir(parents=True, exist_ok=True)

    async def migrate(
        self, revision: str = "head", *, down: bool = False, use_snapshot: bool = True
    ) -> bool:
        """Bring the schema to `revision` (the newest by default; tests move it down).
        True when the schema was made or changed; False when it was found at the newest
        revision. A new SQLite file is made from the schema's snapshot when that is the
        newest revision's (bot.storage.schema), unless `use_snapshot` is False."""
        if revision == "head" and not down and await self._at_newest():
            return False  # the usual start: nothing to do, and no Alembic to load
        if revision == "head" and not down and use_snapshot and await self._made_from_snapshot():
            return True
        step = partial(_downgrade if down else _upgrade, revision=revision)
        if not self.is_sqlite:
            async with self.engine.begin() as conn:
                # Replicas starting together on an empty database would each create the
                # tables, and all but one crash. Each waits its turn here; the lock goes
                # with the transaction, so the next one finds the schema at head.
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
                await conn.run_sync(step)
            return True
        # SQLite changes a table's columns by rebuilding it, which trips the foreign keys
        # of the tables that point at it mid-way. SQLite's own procedure: turn them off
        # outside the transaction, migrate, check them all, and turn them back on.
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await conn.commit()
            try:
                await conn.run_sync(step)
                broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
                if broken:
                    raise RuntimeError(f"a migration broke foreign keys: {broken[:5]}")
                await conn.commit()
            finally:
                await conn.rollback()
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                await conn.commit()
        return True

    async def _made_from_snapshot(self) -> bool:
        """Make a new SQLite file's schema from the snapshot, in one transaction; False
        (nothing done) when the database is not a new SQLite file or the snapshot is not
        the newest revision's."""
        path, newest, known = self.sqlite_path, newest_revision(), schema.snapshot()
        if path is None or path.exists() or known is None or known[0] != newest:
            return False
        async with self.engine.begin() as conn:
            await conn.run_sync(schema.load, known[1], known[0])
        return True

    async def _at_newest(self) -> bool:
        """Whether the schema is known, by one query, to be at the newest revision. False
        whenever in doubt (a new database, a file not yet made, an unknown or older
        revision, migration files that are not one plain chain): Alembic then decides,
        under the PostgreSQL advisory lock, and explains a revision it does not know."""
        newest = newest_revision()
        path = self.sqlite_path
        if newest is None or (path is not None and not path.exists()):
            return False
        try:
            async with self.engine.connect() as conn:
                found = await conn.exec_driver_sql("SELECT version_num FROM alembic_version")
                versions = [row[0] for row in found]
        except (OperationalError, ProgrammingError):  # no version table: never migrated
            return False
        return versions == [newest]

    async def pending_migrations(self) -> list[str]:
        """Revisions not yet applied (empty when the schema is current). A SQLite file
        that does not exist yet is not created: every revision is pending."""
        from alembic.script import ScriptDirectory

        path = self.sqlite_path
        if path is not None and not path.exists():
            script = ScriptDirectory(str(MIGRATIONS))
            return [r.revision for r in reversed(list(script.walk_revisions()))]
        async with self.engine.connect() as conn:
            return await conn.run_sync(_pending)

    async def start_writer(self) -> None:
        """Start SQLite's writer (bot.storage.writer) now, beside the rest of the bot's
        start, rather than when the first answer waits for it."""
        if isinstance(self.write_turn, WriteTurn) and self.write_turn.thread is not None:
            await self.write_turn.thread.runs.ready()

    async def close(self) -> None:
        if isinstance(self.write_turn, WriteTurn) and self.write_turn.thread is not None:
            await self.write_turn.thread.close()
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in PRAGMAS:  # the writer process's too
        cursor.execute(pragma)
    cursor.close()


# A migration file's `revision = "0027"` and `down_revision = "0026"` (or None) lines.
_REVISION_LINE = re.compile(r'^(down_revision|revision)\b[^=\n]*=\s*(None|"[^"\n]*")', re.M)


@cache
def newest_revision() -> str | None:
    """The newest revision, read from the migration files' `revision` and `down_revision`
    lines without Alembic (a test checks it agrees with Alembic's head). None when they
    are anything but one plain chain: a merge, a branch, a line this cannot read."""
    return newest_in(MIGRATIONS / "versions")


def newest_in(folder: Path) -> str | None:
    """`newest_revision` of the migration files in `folder`."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in folder.glob("*.py"):
        lines = dict(_REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        if "revision" not in lines:
            continue  # not a migration (__init__.py)
        if lines["revision"] == "None" or "down_revision" not in lines:
            return None
        revisions.add(lines["revision"].strip('"'))
        if lines["down_revision"] != "None":
            parents.add(lines["down_revision"].strip('"'))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None


def _alembic_config(connection: Connection) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _without_pygments() -> None:
    """Import Alembic without Pygments. Alembic loads Mako, whose error pages colour
    template source with Pygments when it can: 15 ms of a new database's start to its
    first answer, for pages Homeroom never renders (it makes no migration files). Mako
    falls back to plain text when the plugin cannot be imported."""
    if "alembic.command" in sys.modules:
        return
    plugin = "mako.ext.pygmentplugin"
    before = sys.modules.get(plugin, _MISSING)
    sys.modules[plugin] = None  # type: ignore[assignment]  # import fails: no Pygments
    try:
        import alembic.command  # noqa: F401
    finally:
        if before is _MISSING:
            del sys.modules[plugin]
        else:
            sys.modules[plugin] = before  # type: ignore[assignment]


_MISSING = object()


def _upgrade(connection: Connection, revision: str = "head") -> None:
    _without_pygments()
    from alembic import command

    command.upgrade(_alembic_config(connection), revision)


def _downgrade(connection: Connection, revision: str) -> None:
    _without_pygments()
    from alembic import command

    command.downgrade(_alembic_config(connection), revision)


def _pending(connection: Connection) -> list[str]:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config(connection))
    current = set(MigrationContext.configure(connection).get_current_heads())
    pending: list[str] = []
    for revision in script.walk_revisions():
        if revision.revision in current:
            break
        pending.append(revision.revision)
    return list(reversed(pending)) if current or pending else pending


def writable_problem(path: Path) -> str | None:
    """Why a file at `path` could not be written, or created with its folders; found by
    looking, creating nothing. Starts with the path, e.g. "data/x.db is a folder"."""
    if path.is_dir():
        return f"{path} is a folder, not a file"
    if path.exists():
        if not os.access(path, os.R_OK | os.W_OK):
            return f"{path} cannot be read and written by this user"
        if not os.access(path.parent, os.W_OK | os.X_OK):
            return f"{path} is in a folder this user cannot write to"
        return None
    existing = path.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"{path} cannot be created: {existing} is a file, not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{path} cannot be created: this user cannot write to the folder {existing}"
    return None


def _explain(db: Database, error: BaseException) -> str | None:
    if isinstance(error, DatabaseUnavailable):
        return str(error)
    chain = _causes(error)
    if any("Can't locate revision" in str(link) for link in chain):
        return (
            f"the database at {db.display_url} was set up by a newer Homeroom (its schema "
            "revision is unknown here): run that newer version, or set DATABASE_URL to "
            "another database"
        )
    cause = chain[-1]
    kinds = {type(link).__name__ for link in chain}
    kind = type(cause).__name__
    if db.is_sqlite:
        if isinstance(cause, sqlite3.DatabaseError) or "sqlite" in type(cause).__module__:
            first = str(cause).splitlines()[0] if str(cause) else kind
            return (
                f"can't open the SQLite database {db.sqlite_path} ({first}): check that "
                "DATABASE_URL names a SQLite file in a folder you can write to"
            )
        return None
    where = f"{db.url.host or 'localhost'}:{db.url.port or 5432}"
    if "InvalidCatalogNameError" in kinds:
        name = db.url.database
        return (
            f'PostgreSQL at {where} has no database "{name}": create it '
            f"(createdb {name}) or fix the name in DATABASE_URL"
        )
    if kinds & {"InvalidPasswordError", "InvalidAuthorizationSpecificationError"}:
        return (
            f'PostgreSQL at {where} refused the user "{db.url.username}": check the user '
            "and password in DATABASE_URL"
        )
    if isinstance(cause, OSError | TimeoutError) and "DBAPIError" not in kinds:
        reason = cause.strerror or str(cause) or kind
        return (
            f"can't reach PostgreSQL at {where} ({reason}): is the server running there? "
            "Check DATABASE_URL"
        )
    return None


def _causes(error: BaseException) -> list[BaseException]:
    """The error, what SQLAlchemy wrapped (`orig`), and what that wrapped (`__cause__`)."""
    chain = [error]
    while len(chain) < 6:
        link = chain[-1]
        inner = getattr(link, "orig", None) or link.__cause__
        if not isinstance(inner, BaseException) or inner in chain:
            break
        chain.append(inner)
    return chain
