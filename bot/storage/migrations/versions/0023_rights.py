"""members' quiet hours and pause; retention policies per community

Revision ID: 0023
Revises: 0020

`members.quiet_hours` ("21:00-07:00") and `members.paused_until` (a date) hold DMs the
bot starts (bot/dm_gate.py); `retention_policies` says how many days a community keeps
closed questions and raw discussion messages (bot/features/rights).
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"  # re-chained on merge, after digests
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retention_policies",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.String(length=16), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_retention_policies_community_id_communities"),
        ),
        sa.PrimaryKeyConstraint("community_id", "what", name=op.f("pk_retention_policies")),
    )
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("quiet_hours", sa.String(length=11), nullable=True))
        batch.add_column(sa.Column("paused_until", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.drop_column("paused_until")
        batch.drop_column("quiet_hours")
    op.drop_table("retention_policies")
