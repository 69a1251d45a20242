"""polls: polls, their ballots (a token in place of the voter on anonymous polls),
recurring polls, who may create polls per group; members' choice of no direct messages

Revision ID: 0016
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "poll_series",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("template", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("at_time", sa.String(length=5), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("start_date", sa.String(length=10), nullable=False),
        sa.Column("every_weeks", sa.Integer(), nullable=False),
        sa.Column("month_week", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_poll_series_community_id_communities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_series")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "polls",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("anonymous", sa.Integer(), nullable=False),
        sa.Column("max_choices", sa.Integer(), nullable=False),
        sa.Column("visibility", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closes_at", sa.DateTime(), nullable=True),
        sa.Column("remind_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("message_id", sa.String(length=128), nullable=True),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_polls_community_id_communities")
        ),
        sa.ForeignKeyConstraint(
            ["series_id"], ["poll_series.id"], name=op.f("fk_polls_series_id_poll_series")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_polls")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_polls_community_id_channel_status"),
        "polls",
        ["community_id", "channel", "status"],
        unique=False,
    )
    op.create_table(
        "poll_ballots",
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("voter", sa.String(length=64), nullable=False),
        sa.Column("choice", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["poll_id"], ["polls.id"], name=op.f("fk_poll_ballots_poll_id_polls")
        ),
        sa.PrimaryKeyConstraint("poll_id", "voter", "choice", name=op.f("pk_poll_ballots")),
    )
    op.create_table(
        "poll_groups",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("organizers_only", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_poll_groups_community_id_communities"),
        ),
        sa.PrimaryKeyConstraint("community_id", "channel", name=op.f("pk_poll_groups")),
    )
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("dm_off", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.drop_column("dm_off")
    op.drop_table("poll_groups")
    op.drop_table("poll_ballots")
    op.drop_index(op.f("ix_polls_community_id_channel_status"), table_name="polls")
    op.drop_table("polls")
    op.drop_table("poll_series")
