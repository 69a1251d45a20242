"""schedules of prompt series, and the claimed postings of each occurrence

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "schedules",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("community", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("series_id", sa.String(length=40), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("at_time", sa.String(length=5), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("start_date", sa.String(length=10), nullable=False),
        sa.Column("end_date", sa.String(length=10), nullable=True),
        sa.Column("skip_dates", sa.Text(), nullable=False),
        sa.Column("after_break", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("next_date", sa.String(length=10), nullable=False),
        sa.Column("next_index", sa.Integer(), nullable=False),
        sa.Column("next_due", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_schedules_community_id_communities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_schedules_next_due"), "schedules", ["next_due"], unique=False)
    op.create_table(
        "postings",
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("occurrence", sa.String(length=32), nullable=False),
        sa.Column("prompt_id", sa.String(length=40), nullable=True),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["schedules.id"], name=op.f("fk_postings_schedule_id_schedules")
        ),
        sa.PrimaryKeyConstraint("schedule_id", "occurrence", name=op.f("pk_postings")),
    )


def downgrade() -> None:
    op.drop_table("postings")
    op.drop_index(op.f("ix_schedules_next_due"), table_name="schedules")
    op.drop_table("schedules")
