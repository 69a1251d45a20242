from datetime import datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

import bot.features.office_hours.store
import bot.features.questions.tables  # noqa: F401  (its tables are on the shared metadata)
from bot.features.faq.tables import declared_elsewhere
from bot.features.prompts.discussions import PromptPosted
from bot.intents import intent_from_json
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
            "0013",
            "0014",
            "0018",
            "0019",
            "0020",
        ]
        await db.migrate()
        await db.migrate()  # running again on start is a no-op
        assert await db.pending_migrations() == []
        async with db.engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(
                    # The FAQ's full-text index is made by SQL per dialect (FTS5 tables on
                    # SQLite, a generated tsvector column and its index on PostgreSQL), so
                    # no Table declares it: leave those objects out, by name.
                    MigrationContext.configure(sync, opts={"include_name": declared_elsewhere}),
                    metadata,
                )
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


# A prompt's post as the outbox kept it before 0013: its discussion named by a string key.
OLD_POST = (
    '{"to":{"platform":"slack","community":"T1","channel":"C1","thread":null,"message":null},'
    '"message":{"text":"Week 1"},"in_reply_to":null,"opens_thread":true,'
    '"key":"discussion:12:moving-up:w1","kind":"post"}'
)


async def test_0013_gives_every_row_its_community_key_and_back(database_url: str) -> None:
    """Rows written with platform and community strings get their community's key (a
    discussion's replies stay attached); rows whose community has no row are dropped,
    and a downgrade writes the strings back."""
    db = Database(database_url)
    try:
        await db.migrate("0011")
        async with db.engine.begin() as conn:
            at = "'2026-09-07 16:00:00'"
            for statement in (
                f"INSERT INTO communities (id, platform, external_id, created_at, updated_at) "
                f"VALUES (7, 'slack', 'T1', {at}, {at})",
                f"INSERT INTO dialogues (platform, community, channel, user_id, form, answers, "
                f"created_at) VALUES ('slack', 'T1', 'C1', 'U1', '{{}}', '{{}}', {at}), "
                f"('slack', 'T9', 'C1', 'U1', '{{}}', '{{}}', {at})",
                f"INSERT INTO pending_choices (platform, community, channel, user_id, buttons, "
                f"created_at) VALUES ('slack', 'T1', 'C1', NULL, '[]', {at})",
                f"INSERT INTO discussions (id, platform, community, channel, root, series_id, "
                f"prompt_id, posted_at) VALUES (3, 'slack', 'T1', 'C1', '1.2', 's', 'p', {at})",
                f"INSERT INTO discussion_replies (discussion_id, message_id, user_id, text, at) "
                f"VALUES (3, '1.3', 'U2', 'hi', {at})",
            ):
                await conn.execute(text(statement))
            await conn.execute(
                text(
                    "INSERT INTO outbox (platform, lane, payload, status, attempts, "
                    "next_attempt_at, created_at) VALUES ('slack', 'l', :p, 'pending', 0, :at, :at)"
                ),
                {"p": OLD_POST, "at": datetime(2026, 9, 7, 16, 0)},
            )
        await db.migrate()
        async with db.engine.connect() as conn:
            read = {
                table: (
                    await conn.execute(text(f"SELECT community_id, channel FROM {table}"))
                ).all()
                for table in ("dialogues", "pending_choices", "discussions")
            }
            replies = (
                await conn.execute(text("SELECT discussion_id FROM discussion_replies"))
            ).all()
        assert read == {
            "dialogues": [(7, "C1")],  # the one in community T9, which has no row, is gone
            "pending_choices": [(7, "C1")],
            "discussions": [(7, "C1")],
        }
        assert replies == [(3,)]
        async with db.engine.connect() as conn:
            [payload] = (await conn.execute(text("SELECT payload FROM outbox"))).scalars().all()
        post = intent_from_json(payload)
        assert post.tag is not None and post.tag.rebuild(PromptPosted) == PromptPosted(  # type: ignore[attr-defined]
            12, "moving-up", "w1"
        )
        assert post.message.text == "Week 1" and post.opens_thread
        await db.migrate("0011", down=True)
        async with db.engine.connect() as conn:
            back = (
                await conn.execute(text("SELECT platform, community, channel FROM discussions"))
            ).all()
        assert back == [("slack", "T1", "C1")]
    finally:
        await db.close()


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
