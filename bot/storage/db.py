"""The async database: one SQLAlchemy Core engine for SQLite (aiosqlite) and PostgreSQL
(asyncpg), migrated by Alembic on start.

SQLite always runs in WAL mode with synchronous=NORMAL: a process crash loses nothing
committed, and a committed row costs a fraction of a millisecond instead of several.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

MIGRATIONS = Path(__file__).parent / "migrations"


class Database:
    """Owns the engine; `migrate()` brings the schema to the newest revision."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite and self.url.database not in (None, "", ":memory:"):
            Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
        self.engine: AsyncEngine = create_async_engine(
            self.url,
            pool_pre_ping=not self.is_sqlite,
            # A failing statement's error would otherwise quote its parameters (what a
            # member wrote, their ID) into the log.
            hide_parameters=True,
        )
        # Group-commit writers take turns on SQLite (one writer at a time anyway); on
        # PostgreSQL each has its own turn and they write in parallel.
        self.write_turn: asyncio.Lock | None = asyncio.Lock() if self.is_sqlite else None
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)

    @property
    def display_url(self) -> str:
        """The URL without its password, for logs and `homeroom check`."""
        return self.url.render_as_string(hide_password=True)

    async def migrate(self) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(_upgrade)

    async def pending_migrations(self) -> list[str]:
        """Revisions not yet applied (empty when the schema is current)."""
        async with self.engine.connect() as conn:
            return await conn.run_sync(_pending)

    async def close(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    command.upgrade(_alembic_config(connection), "head")


def _pending(connection: Connection) -> list[str]:
    script = ScriptDirectory.from_config(_alembic_config(connection))
    current = set(MigrationContext.configure(connection).get_current_heads())
    pending: list[str] = []
    for revision in script.walk_revisions():
        if revision.revision in current:
            break
        pending.append(revision.revision)
    return list(reversed(pending)) if current or pending else pending
