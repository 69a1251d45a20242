"""Two Homerooms on one database: a second `homeroom run` on a SQLite file refuses to start
(it would resend the first one's outbox rows), and two replicas starting together on an
empty PostgreSQL database both migrate it, one after the other."""

import asyncio
import os
import signal
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.slack.fake import FakeSlack
from bot.storage.db import Database
from bot.testing import PostgresSession
from tests.adapters.test_start import homeroom, one_line
from tests.processes import homeroom_running, start_homeroom


def _socket_mode(fake: FakeSlack, tmp_path: Path) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_APP_TOKEN": "xapp-test",
        "SLACK_API_URL": fake.url + "/api/",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'homeroom.db'}",
    }


async def test_a_second_run_on_one_sqlite_file_refuses_in_one_line(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    settings = _socket_mode(fake_slack, tmp_path)
    async with homeroom_running(tmp_path, **settings) as first:
        code, _, err = await homeroom(tmp_path, "run", **settings)
        assert code == 1
        assert one_line(err) == (
            f"homeroom: Homeroom is already running on this database (process {first.pid}); "
            "stop it first."
        )
    # The first stopped cleanly (checked on leaving), and gave the file back.
    async with homeroom_running(tmp_path, **settings):
        pass


async def test_after_kill_9_the_next_run_starts(fake_slack: FakeSlack, tmp_path: Path) -> None:
    settings = _socket_mode(fake_slack, tmp_path)
    first = await start_homeroom(tmp_path, [], **settings)
    os.kill(first.pid, signal.SIGKILL)
    await asyncio.wait_for(first.communicate(), 20)
    async with homeroom_running(tmp_path, **settings):  # the OS released the lock
        pass


async def test_two_replicas_migrate_an_empty_postgresql_database_together(
    postgres_session: PostgresSession, tmp_path: Path
) -> None:
    url = await postgres_session.ensure()
    if url is None:
        pytest.skip(postgres_session.unavailable or "no PostgreSQL")
    for _ in range(3):  # without the lock, this failed in every try
        await postgres_session.reset()
        results = await asyncio.gather(
            homeroom(tmp_path, "migrate", DATABASE_URL=url),
            homeroom(tmp_path, "migrate", DATABASE_URL=url),
        )
        assert [code for code, _, _ in results] == [0, 0], results
        db = Database(url)
        try:
            assert await db.pending_migrations() == []
            async with db.engine.connect() as conn:
                versions = (
                    await conn.execute(text("SELECT version_num FROM alembic_version"))
                ).all()
            assert len(versions) == 1
        finally:
            await db.close()
