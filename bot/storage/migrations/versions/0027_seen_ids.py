"""numbers members have seen are never given again: AUTOINCREMENT on SQLite

Revision ID: 0027
Revises: 0026

SQLite gives a new row the highest rowid plus one, so when the newest question, poll,
chat, digest, FAQ entry, prompt schedule or idea was deleted (`me delete`, `faq remove`,
retention) the next one took its number, and "question #3" or an old button's value
named a different thing. AUTOINCREMENT (kept in sqlite_sequence) never goes back. A
SQLite table gets it only when created, so each is rebuilt (rows, indexes and keys kept;
the FAQ's full-text triggers, which the rebuild drops, made again). PostgreSQL's
sequences never go back already: nothing to do there.

The migrations that first make these tables now make them with AUTOINCREMENT on
SQLite, so a new database has it already: only a table whose SQL lacks it is rebuilt
(rebuilding all eleven was 40% of a new database's migration time, and start-up to the
first answer must stay under 0.6 s). A database made before that change is rebuilt as
before.
"""

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

# Every table whose IDs members see (bot.storage.tables.SEEN_IDS).
TABLES = (
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


def upgrade() -> None:
    _rebuild(autoincrement=True)


def downgrade() -> None:
    _rebuild(autoincrement=False)


def _rebuild(*, autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    rebuilt = False
    for table in TABLES:
        if _has_autoincrement(table) == autoincrement:
            continue
        rebuilt = True
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass
    if rebuilt:
        for statement in _faq_triggers():
            op.execute(statement)


def _has_autoincrement(table: str) -> bool:
    """Whether SQLite made `table` with AUTOINCREMENT (only its CREATE TABLE says so)."""
    sql = (
        op.get_bind()
        .exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        )
        .scalar_one()
    )
    return "AUTOINCREMENT" in sql.upper()


def _faq_triggers() -> list[str]:
    """The FAQ's full-text triggers as 0020 made them (dropped with the old table)."""
    remove = (
        "INSERT INTO faq_search(faq_search, rowid, question, answer) "
        "VALUES ('delete', old.id, old.question, old.answer);"
    )
    add = (
        "INSERT INTO faq_search(rowid, question, answer) VALUES (new.id, new.question, new.answer);"
    )
    return [
        "DROP TRIGGER IF EXISTS faq_entries_ai",
        "DROP TRIGGER IF EXISTS faq_entries_ad",
        "DROP TRIGGER IF EXISTS faq_entries_au",
        f"CREATE TRIGGER faq_entries_ai AFTER INSERT ON faq_entries BEGIN {add} END",
        f"CREATE TRIGGER faq_entries_ad AFTER DELETE ON faq_entries BEGIN {remove} END",
        "CREATE TRIGGER faq_entries_au AFTER UPDATE OF question, answer ON faq_entries "
        f"BEGIN {remove} {add} END",
    ]
