from datetime import UTC, date, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event, inspect, text

from bot.app import Homeroom
from bot.clock import FakeClock
from bot.features import shared_metadata
from bot.features.faq.tables import declared_elsewhere
from bot.features.prompts.discussions import PromptPosted
from bot.intents import Post, intent_from_json
from bot.refs import ConversationRef
from bot.storage.db import Database
from bot.testing import FakeAdapter, TestBot, test_settings


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
            "0015",
            "0016",
            "0018",
            "0019",
            "0020",
            "0021",
            "0022",
            "0023",
            "0025",
            "0026",
            "0027",
            "0028",
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
                    shared_metadata(),
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


SEPT_14 = "'2026-09-14 19:00:00'"


async def test_0015_schedules_keep_their_community_and_postings_and_still_post(
    database_url: str,
) -> None:
    """Schedules written with platform and community strings beside `community_id`
    keep their community (the strings win should the two disagree: they were where the
    posts went), their postings and discussions; the prompt due next still posts, to the
    same channel, without repeating the one already posted; a downgrade to 0014 writes
    the strings back."""
    db = Database(database_url)
    try:
        await db.migrate("0014")
        async with db.engine.begin() as conn:
            at = "'2026-09-07 19:00:00'"
            for statement in (
                f"INSERT INTO communities (id, platform, external_id, created_at, updated_at) "
                f"VALUES (1, 'fake', 'school', {at}, {at}), (2, 'fake', 'other', {at}, {at})",
                # 1: school's weekly prompt, its first week posted, due again on the 14th;
                # 2: a paused one in another community's channel of the same name, whose
                # key a hand edit made disagree with its strings.
                "INSERT INTO schedules (id, community_id, platform, community, channel, "
                "series_id, weekday, at_time, timezone, start_date, skip_dates, after_break, "
                "status, next_date, next_index, next_due, created_by, created_at) VALUES "
                f"(1, 1, 'fake', 'school', 'parents', 'moving-up', 0, '19:00', 'UTC', "
                f"'2026-09-07', '', 'shift', 'active', '2026-09-14', 1, {SEPT_14}, 'dana', {at}),"
                f"(2, 1, 'fake', 'other', 'parents', 'moving-up', 0, '19:00', 'UTC', "
                f"'2026-09-07', '', 'shift', 'paused', '2026-09-14', 1, {SEPT_14}, 'lee', {at})",
                "INSERT INTO postings (schedule_id, occurrence, prompt_id, outcome, at) VALUES "
                f"(1, '2026-09-07', 'what-they-say', 'posted', {at}), "
                f"(2, '2026-09-07', 'what-you-feel', 'posted', {at})",
                "INSERT INTO discussions (id, community_id, channel, root, schedule_id, "
                f"series_id, prompt_id, posted_at) VALUES (5, 1, 'parents', 'm1', 1, "
                f"'moving-up', 'what-they-say', {at})",
                "INSERT INTO timers (feature, kind, key, due_at, state, attempts) VALUES "
                f"('prompts', 'schedule', '1', {SEPT_14}, 'pending', 0)",
            ):
                await conn.execute(text(statement))
        await db.migrate()
        async with db.engine.connect() as conn:
            kept = (
                await conn.execute(text("SELECT id, community_id, channel FROM schedules"))
            ).all()
            claims = (await conn.execute(text("SELECT schedule_id, prompt_id FROM postings"))).all()
            linked = (await conn.execute(text("SELECT id, schedule_id FROM discussions"))).all()
            columns = await conn.run_sync(
                lambda sync: {c["name"] for c in inspect(sync).get_columns("schedules")}
            )
        assert sorted(kept) == [(1, 1, "parents"), (2, 2, "parents")]
        assert sorted(claims) == [(1, "what-they-say"), (2, "what-you-feel")]
        assert linked == [(5, 1)]
        assert {"platform", "community"} & columns == set()
    finally:
        await db.close()

    # The next Monday's prompt: the second of the series (the other community's channel
    # of the same name had it, which counts for nothing here), to school's #parents.
    clock = FakeClock(datetime(2026, 9, 14, 19, 0, tzinfo=UTC))
    app = Homeroom(test_settings(database_url), clock=clock)
    adapter = FakeAdapter(clock=clock)
    app.attach(adapter)
    await app.start(timers=False)
    try:
        assert await app.timers.run_due() == 1
        await TestBot(app, adapter).settle()
        posts = [i for i in adapter.sent if isinstance(i, Post)]
        assert [(p.to, p.message.text.split("\n")[-1]) for p in posts] == [
            (
                ConversationRef("fake", "school", "parents"),
                "And you? What are you looking forward to, and what worries you, about "
                "this change?",
            )
        ]
        [schedule] = await app.scheduler.in_community(ConversationRef("fake", "school", "x"))
        assert (schedule.id, schedule.community_id, schedule.next_date) == (
            1,
            1,
            date(2026, 9, 21),
        )
    finally:
        await app.stop()

    db = Database(database_url)
    try:
        await db.migrate("0014", down=True)
        async with db.engine.connect() as conn:
            back = (
                await conn.execute(
                    text("SELECT id, community_id, platform, community, channel FROM schedules")
                )
            ).all()
            claimed = (await conn.execute(text("SELECT count(*) FROM postings"))).scalar()
        assert sorted(back) == [
            (1, 1, "fake", "school", "parents"),
            (2, 2, "fake", "other", "parents"),
        ]
        assert claimed == 3  # the two kept, and the one posted after the upgrade
    finally:
        await db.close()


async def test_0025_gives_routes_an_escalation_and_takes_it_back(database_url: str) -> None:
    """A rule made before 0025 keeps escalating to the organizers (both columns empty);
    a downgrade drops the columns and keeps the rule."""
    db = Database(database_url)
    try:
        await db.migrate("0023")
        at = "'2026-09-07 16:00:00'"
        async with db.engine.begin() as conn:
            for statement in (
                f"INSERT INTO communities (id, platform, external_id, created_at, updated_at) "
                f"VALUES (7, 'slack', 'T1', {at}, {at})",
                f"INSERT INTO question_routes (community_id, liaison_id, created_by, created_at) "
                f"VALUES (7, 'U1', 'U2', {at})",
            ):
                await conn.execute(text(statement))
        await db.migrate()
        async with db.engine.connect() as conn:
            read = (
                await conn.execute(
                    text("SELECT liaison_id, escalate_to, escalate_role FROM question_routes")
                )
            ).all()
        assert read == [("U1", None, None)]
        await db.migrate("0023", down=True)
        async with db.engine.connect() as conn:
            columns = await conn.run_sync(
                lambda sync: [c["name"] for c in inspect(sync).get_columns("question_routes")]
            )
            kept = (await conn.execute(text("SELECT liaison_id FROM question_routes"))).all()
        assert "escalate_to" not in columns and "escalate_role" not in columns
        assert kept == [("U1",)]
    finally:
        await db.close()


# Tables whose integer IDs no member ever sees (not in a message, a command or a button).
INTERNAL_IDS = {
    "communities",
    "groups",
    "members",
    "outbox",
    "timers",
    "dialogues",
    "pending_choices",
    "discussions",
    "question_notes",
    "chat_answers",
    "away_periods",
}


def test_every_table_with_an_id_says_whether_members_see_it() -> None:
    """A new table numbered by `id` must choose: SEEN_IDS (never reused) or internal."""
    numbered = {
        t.name
        for t in shared_metadata().sorted_tables
        if [c.name for c in t.primary_key.columns] == ["id"]
    }
    seen = {
        t.name
        for t in shared_metadata().sorted_tables
        if t.dialect_kwargs.get("sqlite_autoincrement")
    }
    assert seen == {
        "questions",
        "question_routes",
        "polls",
        "poll_series",
        "chats",
        "chat_series",
        "digests",
        "faq_entries",
        "faq_proposals",
        "schedules",
        "community_prompts",
    }
    assert numbered - seen == INTERNAL_IDS


async def test_0027_numbers_once_seen_are_never_given_again(database_url: str) -> None:
    """Rows made before 0027 keep their IDs; a deleted newest row's number is not given
    to the next one, on every table whose IDs members see; the FAQ's search still finds
    new entries; a downgrade keeps the rows."""
    seen = sorted(
        t.name
        for t in shared_metadata().sorted_tables
        if t.dialect_kwargs.get("sqlite_autoincrement")
    )
    db = Database(database_url)
    try:
        await _made_before_autoincrement(db)
        at = "'2026-09-07 16:00:00'"
        question = (
            "INSERT INTO questions (community_id, asker_language, text, topic, language, "
            "status, reply_within_minutes, paused_seconds, escalation, reminded, created_at) "
            f"VALUES (7, 'en', :text, 'general', 'en', 'received', 60, 0, 0, false, {at})"
        )
        faq = (
            "INSERT INTO faq_entries (community_id, question, answer, language, created_at, "
            f"updated_at) VALUES (7, :text, 'Friday', 'en', {at}, {at})"
        )
        async with db.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO communities (id, platform, external_id, created_at, updated_at) "
                    f"VALUES (7, 'slack', 'T1', {at}, {at})"
                )
            )
            for words in ("first", "second"):
                await conn.execute(text(question), {"text": words})
            await conn.execute(text(faq), {"text": "When is the field trip?"})
        await db.migrate()
        async with db.engine.begin() as conn:
            if db.is_sqlite:
                made = dict(
                    (
                        await conn.execute(
                            text("SELECT name, sql FROM sqlite_master WHERE type='table'")
                        )
                    ).all()
                )
                assert [t for t in seen if "AUTOINCREMENT" not in made[t]] == []
            await conn.execute(text("DELETE FROM questions WHERE id = 2"))
            await conn.execute(text(question), {"text": "third"})
            await conn.execute(text("DELETE FROM faq_entries WHERE id = 1"))
            await conn.execute(text(faq), {"text": "Is the library open in summer?"})
            kept = (await conn.execute(text("SELECT id, text FROM questions"))).all()
            entries = (await conn.execute(text("SELECT id, question FROM faq_entries"))).all()
            if db.is_sqlite:
                found = (
                    await conn.execute(
                        text("SELECT rowid FROM faq_search WHERE faq_search MATCH 'library'")
                    )
                ).all()
                gone = (
                    await conn.execute(
                        text("SELECT rowid FROM faq_search WHERE faq_search MATCH 'trip'")
                    )
                ).all()
                assert (found, gone) == ([(2,)], [])
        assert sorted(kept) == [(1, "first"), (3, "third")]
        assert entries == [(2, "Is the library open in summer?")]
        await db.migrate("0026", down=True)
        async with db.engine.connect() as conn:
            back = (await conn.execute(text("SELECT id FROM questions"))).scalars().all()
        assert sorted(back) == [1, 3]
    finally:
        await db.close()


async def _made_before_autoincrement(db: Database) -> None:
    """Bring `db` to 0026 as the migrations made it before they created the seen-ID
    tables with AUTOINCREMENT: 0027's downgrade rebuilds the tables without it."""
    await db.migrate("0027")
    await db.migrate("0026", down=True)
    if db.is_sqlite:
        async with db.engine.connect() as conn:
            made = dict((await conn.execute(text(TABLE_SQL))).all())
        assert [t for t in SEEN if "AUTOINCREMENT" in made[t]] == []


SEEN = (
    "questions",
    "question_routes",
    "polls",
    "poll_series",
    "chats",
    "chat_series",
    "digests",
    "faq_entries",
    "faq_proposals",
    "schedules",
    "community_prompts",
)
TABLE_SQL = "SELECT name, sql FROM sqlite_master WHERE type = 'table'"
SCHEMA_SQL = "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name"


async def _statements_of(db: Database, revision: str) -> list[str]:
    """The SQL that migrating `db` up to `revision` runs."""
    ran: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        ran.append(" ".join(statement.split()))

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        await db.migrate(revision)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    return ran


async def _schema(db: Database) -> list[tuple[str, str, str, list[str]]]:
    """Every table, index and trigger SQLite keeps, as (type, name, head, parts): a
    rebuilt table's name is quoted and its constraints may come in another order, which
    changes nothing, so quotes are dropped and a table's columns and constraints sorted."""
    async with db.engine.connect() as conn:
        rows = (await conn.execute(text(SCHEMA_SQL))).all()
    schema = []
    for kind, name, sql in rows:
        flat = " ".join(sql.replace('"', "").split())
        head, parts = flat, []
        if kind == "table" and "(" in flat:
            head, _, body = flat.partition("(")
            parts = sorted(_top_level(body.rstrip().removesuffix(")")))
        schema.append((kind, name, head.strip(), parts))
    return schema


def _top_level(body: str) -> list[str]:
    """`body` split at the commas outside parentheses."""
    parts, depth, start = [], 0, 0
    for at, char in enumerate(body):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(body[start:at].strip())
            start = at + 1
    return [*parts, body[start:].strip()]


async def test_0027_rebuilds_only_tables_made_without_autoincrement(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A new SQLite database's tables are made with AUTOINCREMENT, so 0027 rebuilds none
    of them (a new database's start stays quick); one made before that has all eleven
    rebuilt. Both end with the same schema, statement for statement."""
    new = Database(f"sqlite+aiosqlite:///{tmp_path / 'new.db'}")
    old = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await new.migrate("0026")
        async with new.engine.connect() as conn:
            made = dict((await conn.execute(text(TABLE_SQL))).all())
        assert [t for t in SEEN if "AUTOINCREMENT" not in made[t]] == []
        ran = await _statements_of(new, "0027")
        looked = [s for s in ran if s.startswith("SELECT sql FROM sqlite_master")]
        changed = [s for s in ran if s.split()[0] in ("CREATE", "DROP", "ALTER", "INSERT")]
        assert (len(looked), changed) == (11, [])

        await _made_before_autoincrement(old)
        ran = await _statements_of(old, "0027")
        rebuilt = [s for s in ran if s.startswith("CREATE TABLE _alembic_tmp_")]
        triggers = [s for s in ran if s.startswith("CREATE TRIGGER")]
        assert (len(rebuilt), len(triggers)) == (11, 3)

        await new.migrate()
        await old.migrate()
        assert await _schema(new) == await _schema(old)
    finally:
        await new.close()
        await old.close()


async def test_0028_takes_faq_entries_into_the_search_index_at_once(database_url: str) -> None:
    """On PostgreSQL the FAQ's GIN index keeps no pending list (`fastupdate` off), so a
    search never reads new entries one by one; a downgrade gives the default back.
    SQLite has no such index: the migration changes nothing there."""
    db = Database(database_url)
    options = "SELECT reloptions FROM pg_class WHERE relname = 'ix_faq_entries_search_doc'"
    try:
        await db.migrate()
        if not db.is_sqlite:
            async with db.engine.connect() as conn:
                assert (await conn.execute(text(options))).scalar_one() == ["fastupdate=off"]
        await db.migrate("0027", down=True)
        if not db.is_sqlite:
            async with db.engine.connect() as conn:
                assert (await conn.execute(text(options))).scalar_one() is None
        assert await db.pending_migrations() == ["0028"]
    finally:
        await db.close()
