"""questions to school liaisons: routes, questions, notes, blocks, liaison choices

Revision ID: 0019
Revises: 0018

An anonymous question keeps no member ID, only a keyed token and a sealed address
(bot/features/questions/tables.py).
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"  # after office hours (0018), on merge
branch_labels = None
depends_on = None


def _community() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("community_id", sa.Integer(), nullable=False)


def _fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["community_id"], ["communities.id"], name=op.f(f"fk_{table}_community_id_communities")
    )


def upgrade() -> None:
    op.create_table(
        "question_routes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _community(),
        sa.Column("topic", sa.String(length=32), nullable=True),
        sa.Column("grade", sa.String(length=8), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("liaison_id", sa.String(length=64), nullable=False),
        sa.Column("backup_id", sa.String(length=64), nullable=True),
        sa.Column("reply_within_minutes", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("question_routes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_routes")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_question_routes_community_id"), "question_routes", ["community_id"])
    op.create_table(
        "question_liaisons",
        _community(),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("named", sa.Boolean(), nullable=False),
        _fk("question_liaisons"),
        sa.PrimaryKeyConstraint("community_id", "user_id", name=op.f("pk_question_liaisons")),
    )
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _community(),
        sa.Column("asker_id", sa.String(length=64), nullable=True),
        sa.Column("asker_token", sa.String(length=32), nullable=True),
        sa.Column("asker_sealed", sa.Text(), nullable=True),
        sa.Column("asker_language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("grade", sa.String(length=8), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=True),
        sa.Column("liaison_id", sa.String(length=64), nullable=True),
        sa.Column("backup_id", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("reply_within_minutes", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("remind_at", sa.DateTime(), nullable=True),
        sa.Column("paused_at", sa.DateTime(), nullable=True),
        sa.Column("paused_seconds", sa.Integer(), nullable=False),
        sa.Column("escalation", sa.Integer(), nullable=False),
        sa.Column("reminded", sa.Boolean(), nullable=False),
        sa.Column("card_channel", sa.String(length=64), nullable=True),
        sa.Column("card_message", sa.String(length=128), nullable=True),
        sa.Column("close_reason", sa.String(length=10), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        _fk("questions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_questions_community_id_status"), "questions", ["community_id", "status"]
    )
    op.create_index(
        op.f("ix_questions_community_id_asker_token"), "questions", ["community_id", "asker_token"]
    )
    op.create_table(
        "question_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("author_id", sa.String(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("as_team", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"], ["questions.id"], name=op.f("fk_question_notes_question_id_questions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_notes")),
    )
    op.create_index(op.f("ix_question_notes_question_id"), "question_notes", ["question_id"])
    op.create_table(
        "question_blocks",
        _community(),
        sa.Column("asker_token", sa.String(length=32), nullable=False),
        sa.Column("blocked_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("question_blocks"),
        sa.PrimaryKeyConstraint("community_id", "asker_token", name=op.f("pk_question_blocks")),
    )


def downgrade() -> None:
    op.drop_table("question_blocks")
    op.drop_index(op.f("ix_question_notes_question_id"), table_name="question_notes")
    op.drop_table("question_notes")
    op.drop_index(op.f("ix_questions_community_id_asker_token"), table_name="questions")
    op.drop_index(op.f("ix_questions_community_id_status"), table_name="questions")
    op.drop_table("questions")
    op.drop_table("question_liaisons")
    op.drop_index(op.f("ix_question_routes_community_id"), table_name="question_routes")
    op.drop_table("question_routes")
