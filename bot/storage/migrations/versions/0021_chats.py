"""chats: live chats, their questions and the answers filed under them, and recurring
chats

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_series",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("template", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("at_time", sa.String(length=5), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("start_date", sa.String(length=10), nullable=False),
        sa.Column("end_date", sa.String(length=10), nullable=True),
        sa.Column("every_weeks", sa.Integer(), nullable=False),
        sa.Column("month_week", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_chat_series_community_id_communities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_series")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "chats",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("intro", sa.Text(), nullable=True),
        sa.Column("wrap_up", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("interval_s", sa.Integer(), nullable=False),
        sa.Column("missed", sa.String(length=4), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("posted", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.DateTime(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_chats_community_id_communities")
        ),
        sa.ForeignKeyConstraint(
            ["series_id"], ["chat_series.id"], name=op.f("fk_chats_series_id_chat_series")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chats")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_chats_community_id_channel_status"),
        "chats",
        ["community_id", "channel", "status"],
        unique=False,
    )
    op.create_table(
        "chat_questions",
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(length=128), nullable=True),
        sa.Column("posted_at", sa.DateTime(), nullable=True),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name=op.f("fk_chat_questions_chat_id_chats")
        ),
        sa.PrimaryKeyConstraint("chat_id", "number", name=op.f("pk_chat_questions")),
    )
    op.create_table(
        "chat_answers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("thread", sa.String(length=128), nullable=True),
        sa.Column("author_id", sa.String(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("reactions", sa.Integer(), nullable=False),
        sa.Column("filed_by", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name=op.f("fk_chat_answers_chat_id_chats")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_answers")),
        sa.UniqueConstraint(
            "chat_id",
            "message_id",
            "number",
            name=op.f("uq_chat_answers_chat_id_message_id_number"),
        ),
    )
    op.create_index(
        op.f("ix_chat_answers_chat_id_message_id"),
        "chat_answers",
        ["chat_id", "message_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_chat_answers_chat_id_message_id"), table_name="chat_answers")
    op.drop_table("chat_answers")
    op.drop_table("chat_questions")
    op.drop_index(op.f("ix_chats_community_id_channel_status"), table_name="chats")
    op.drop_table("chats")
    op.drop_table("chat_series")
