"""discussions: posted prompts, the replies in their threads and reactions to them

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "discussions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("community", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("root", sa.String(length=128), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column("series_id", sa.String(length=40), nullable=False),
        sa.Column("prompt_id", sa.String(length=40), nullable=False),
        sa.Column("posted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["schedules.id"], name=op.f("fk_discussions_schedule_id_schedules")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussions")),
        sa.UniqueConstraint(
            "platform",
            "community",
            "channel",
            "root",
            name=op.f("uq_discussions_platform_community_channel_root"),
        ),
    )
    op.create_table(
        "discussion_replies",
        sa.Column("discussion_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["discussion_id"],
            ["discussions.id"],
            name=op.f("fk_discussion_replies_discussion_id_discussions"),
        ),
        sa.PrimaryKeyConstraint("discussion_id", "message_id", name=op.f("pk_discussion_replies")),
    )
    op.create_table(
        "discussion_reactions",
        sa.Column("discussion_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("emoji", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["discussion_id"],
            ["discussions.id"],
            name=op.f("fk_discussion_reactions_discussion_id_discussions"),
        ),
        sa.PrimaryKeyConstraint(
            "discussion_id", "message_id", "user_id", "emoji", name=op.f("pk_discussion_reactions")
        ),
    )


def downgrade() -> None:
    op.drop_table("discussion_reactions")
    op.drop_table("discussion_replies")
    op.drop_table("discussions")
