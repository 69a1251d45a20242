"""FAQ entries, proposals waiting for the asker's consent, the FAQ channel, and the
database's own full-text index over the entries

Revision ID: 0020
Revises: 0019

Full text differs by dialect, so it is made here by SQL and not declared on the tables
(`bot.features.faq.tables.SEARCH_OBJECTS` names what the schema comparison leaves out):

- SQLite: `faq_search`, an FTS5 external-content table over question and answer with
  `unicode61 remove_diacritics 2` (accents folded in the index and in queries), kept in
  step with `faq_entries` by three triggers. A later migration that rebuilds
  `faq_entries` in batch mode (copy, drop, rename) drops these triggers: it must make
  them again (`_sqlite_triggers`) and run the FTS5 'rebuild' command.
- PostgreSQL: `faq_entries.search_doc`, a stored generated `tsvector` in the entry's
  language's configuration (`spanish` for es, else `english`), the question weighted A
  and the answer B, over text with its accents folded by `homeroom_fold(text)`, and a
  GIN index. `homeroom_fold` is an IMMUTABLE wrapper (a generated column needs one) of
  the `unaccent` extension where it can be created (it is a trusted extension from
  PostgreSQL 13: the database's owner may create it); where it cannot, of `translate()`
  over the accented letters of the languages Homeroom speaks.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import DBAPIError

revision = "0020"
down_revision = "0019"  # chained after the questions migration on merge
branch_labels = None
depends_on = None

# translate()'s folding, where the unaccent extension cannot be created.
ACCENTED = "áàâäãåéèêëíìîïóòôöõúùûüñçýÿÁÀÂÄÃÅÉÈÊËÍÌÎÏÓÒÔÖÕÚÙÛÜÑÇÝ"
PLAIN = "aaaaaaeeeeiiiiooooouuuuncyyAAAAAAEEEEIIIIOOOOOUUUUNCY"
_CONFIG = "CASE WHEN language = 'es' THEN 'spanish'::regconfig ELSE 'english'::regconfig END"


def upgrade() -> None:
    op.create_table(
        "faq_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=True),
        sa.Column("grade", sa.String(length=16), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=True),
        sa.Column("message_id", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_faq_entries_community_id_communities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_entries")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_faq_entries_community_id_language", "faq_entries", ["community_id", "language"]
    )
    op.create_table(
        "faq_proposals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=True),
        sa.Column("grade", sa.String(length=16), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("asker_id", sa.String(length=64), nullable=True),
        sa.Column("asker_token", sa.String(length=32), nullable=True),
        sa.Column("proposed_by", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_faq_proposals_community_id_communities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_proposals")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "faq_channels",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_faq_channels_community_id_communities"),
        ),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_faq_channels")),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE faq_search USING fts5(question, answer, "
            "content='faq_entries', content_rowid='id', "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        for statement in _sqlite_triggers():
            op.execute(statement)
    elif dialect == "postgresql":
        _postgres_fold()
        op.execute(
            "ALTER TABLE faq_entries ADD COLUMN search_doc tsvector GENERATED ALWAYS AS ("
            f"setweight(to_tsvector({_CONFIG}, homeroom_fold(question)), 'A') || "
            f"setweight(to_tsvector({_CONFIG}, homeroom_fold(answer)), 'B')) STORED"
        )
        op.execute("CREATE INDEX ix_faq_entries_search_doc ON faq_entries USING gin (search_doc)")


def _sqlite_triggers() -> list[str]:
    """FTS5's own recipe for an external-content table: every change to a row removes its
    old words (the 'delete' command needs the old values) and adds its new ones."""
    remove = (
        "INSERT INTO faq_search(faq_search, rowid, question, answer) "
        "VALUES ('delete', old.id, old.question, old.answer);"
    )
    add = (
        "INSERT INTO faq_search(rowid, question, answer) VALUES (new.id, new.question, new.answer);"
    )
    return [
        f"CREATE TRIGGER faq_entries_ai AFTER INSERT ON faq_entries BEGIN {add} END",
        f"CREATE TRIGGER faq_entries_ad AFTER DELETE ON faq_entries BEGIN {remove} END",
        "CREATE TRIGGER faq_entries_au AFTER UPDATE OF question, answer ON faq_entries "
        f"BEGIN {remove} {add} END",
    ]


def _postgres_fold() -> None:
    """`homeroom_fold(text)`: unaccent where the extension can be created, else translate."""
    bind = op.get_bind()
    try:
        with bind.begin_nested():  # a savepoint: a refusal leaves the migration usable
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS unaccent")
        schema = bind.exec_driver_sql(
            "SELECT quote_ident(n.nspname) FROM pg_extension e "
            "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent'"
        ).scalar_one()
        body = f"SELECT {schema}.unaccent('{schema}.unaccent'::regdictionary, $1)"
    except DBAPIError:
        body = f"SELECT translate($1, '{ACCENTED}', '{PLAIN}')"
    op.execute(
        "CREATE FUNCTION homeroom_fold(text) RETURNS text "
        f"LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ {body} $$"
    )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("faq_entries_ai", "faq_entries_ad", "faq_entries_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS faq_search")
    op.drop_table("faq_channels")
    op.drop_table("faq_proposals")
    op.drop_index("ix_faq_entries_community_id_language", table_name="faq_entries")
    op.drop_table("faq_entries")
    if dialect == "postgresql":
        # The unaccent extension stays: something else may use it.
        op.execute("DROP FUNCTION IF EXISTS homeroom_fold(text)")
