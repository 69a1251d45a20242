"""The connections kept open to PostgreSQL (bot/storage/db.py): a burst needs more than
SQLAlchemy's default five at once, and every one opened beyond the kept ones was closed
on its return, so a burst of questions opened ~30 new server connections a second
(bench/questions.py). Making the engine connects to nothing, so no server is needed."""

from bot.storage.db import Database


async def test_postgresql_keeps_twenty_connections_open_and_ten_more_for_a_moment() -> None:
    db = Database("postgresql+asyncpg://homeroom@127.0.0.1:5432/nowhere")
    try:
        pool = db.engine.pool
        assert (pool.size(), pool._max_overflow) == (20, 10)  # type: ignore[attr-defined]
    finally:
        await db.close()


async def test_sqlite_keeps_its_own_pool() -> None:
    db = Database("sqlite+aiosqlite:///:memory:")
    try:
        assert type(db.engine.pool).__name__ == "StaticPool"
    finally:
        await db.close()
