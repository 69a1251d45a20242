"""several replicas on one database: reply handles travel with the outbox row, and
one replica at a time owns a lane

Revision ID: 0026
Revises: 0022

A reply's handle (Slack's response_url, a Discord interaction's token) lived only in
the memory of the process that received the request, so no other replica could send
the reply. It is now stored on the reply's row with its expiry, and cleared once sent.

`outbox_lanes` leases each lane (a channel's posts, a member's answers) to one replica
at a time, so two replicas never interleave a channel's posts (bot/lanes.py).
`replicas` holds live replicas' heartbeats, so each paces a platform at its share, and
`platform_pauses` a platform-wide 429 that pauses them all (bot/budget.py).
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"  # re-chained on merge, after question escalation
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_lanes",
        sa.Column("lane", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("until", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("lane", name=op.f("pk_outbox_lanes")),
    )
    op.create_table(
        "replicas",
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.Column("waiting", sa.Integer(), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("owner", name=op.f("pk_replicas")),
    )
    op.create_table(
        "platform_pauses",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("until", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", name=op.f("pk_platform_pauses")),
    )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("reply_handle", sa.Text(), nullable=True))
        batch.add_column(sa.Column("reply_until", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("reply_until")
        batch.drop_column("reply_handle")
    op.drop_table("platform_pauses")
    op.drop_table("replicas")
    op.drop_table("outbox_lanes")
