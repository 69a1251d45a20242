"""one timers table for every feature's timed work

Revision ID: 0012
Revises: 0011

Each active prompt schedule gets its timer (due at its next slot), and each community
with an idea notice held back gets one, so what was set up before this revision goes on.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "timers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("feature", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("feature", "kind", "key"),
    )
    op.create_index("ix_timers_state_due_at", "timers", ["state", "due_at"], unique=False)
    op.execute(
        "INSERT INTO timers (feature, kind, key, due_at, state, attempts) "
        "SELECT 'prompts', 'schedule', CAST(id AS VARCHAR(32)), next_due, 'pending', 0 "
        "FROM schedules WHERE status = 'active'"
    )
    # Communities with an idea notice held back: their timer fires at the first pass and
    # then waits for the notice's day (bot/features/prompts/notices.py).
    op.execute(
        "INSERT INTO timers (feature, kind, key, due_at, state, attempts) "
        "SELECT 'prompts', 'idea-notices', CAST(community_id AS VARCHAR(32)), "
        "MIN(last_sent_at), 'pending', 0 FROM idea_notices "
        "WHERE waiting_since IS NOT NULL AND dm_off = 0 AND last_sent_at IS NOT NULL "
        "GROUP BY community_id"
    )


def downgrade() -> None:
    op.drop_index("ix_timers_state_due_at", table_name="timers")
    op.drop_table("timers")
