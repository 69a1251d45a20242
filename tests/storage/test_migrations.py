from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from bot.storage.db import Database
from bot.storage.tables import metadata


async def test_migrations_create_exactly_the_declared_schema(database_url: str) -> None:
    db = Database(database_url)
    try:
        assert await db.pending_migrations() == [
            "0001",
            "0002",
            "0003",
            "0004",
            "0005",
            "0006",
            "0007",
            "0008",
            "0009",
            "0010",
            "0011",
            "0012",
        ]
        await db.migrate()
        await db.migrate()  # running again on start is a no-op
        assert await db.pending_migrations() == []
        async with db.engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
            )
        assert diff == []
    finally:
        await db.close()


async def test_sqlite_runs_in_wal_mode_with_normal_sync(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'deep' / 'h.db'}")
    try:
        async with db.engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA synchronous"))).scalar() == 1  # NORMAL
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    finally:
        await db.close()
    assert (tmp_path / "deep" / "h.db").exists()


async def test_schedules_running_before_0012_get_their_timers(
    database_url: str,
) -> None:
    """A schedule running when the timers table arrives keeps posting: it gets its timer."""
    from alembic import command

    from bot.storage.db import _alembic_config

    db = Database(database_url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(lambda sync: command.upgrade(_alembic_config(sync), "0011"))
            await conn.execute(
                text(
                    "INSERT INTO communities (id, platform, external_id, created_at, "
                    "updated_at) VALUES (1, 'fake', 'school', '2026-09-01 00:00:00', "
                    "'2026-09-01 00:00:00')"
                )
            )
            for sid, status in ((1, "active"), (2, "paused")):
                await conn.execute(
                    text(
                        "INSERT INTO schedules (id, community_id, platform, community, "
                        "channel, series_id, weekday, at_time, timezone, start_date, "
                        "skip_dates, after_break, status, next_date, next_index, next_due, "
                        "created_by, created_at) VALUES (:id, 1, 'fake', 'school', 'parents', "
                        "'moving-up', 0, '19:00', 'UTC', '2026-09-07', '', 'shift', :status, "
                        "'2026-09-07', 0, '2026-09-07 19:00:00', 'dana', "
                        "'2026-09-01 00:00:00')"
                    ),
                    {"id": sid, "status": status},
                )
        await db.migrate()
        async with db.engine.connect() as conn:
            rows = (await conn.execute(text("SELECT feature, kind, key, state FROM timers"))).all()
        assert [tuple(r) for r in rows] == [("prompts", "schedule", "1", "pending")]
    finally:
        await db.close()
