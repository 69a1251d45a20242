"""office hours and time away of school liaisons

Revision ID: 0018
Revises: 0014

What answer-by promises count (bot/features/office_hours).
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "office_hours",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member", sa.String(length=64), nullable=False),
        sa.Column("days", sa.String(length=16), nullable=False),
        sa.Column("opens", sa.String(length=5), nullable=False),
        sa.Column("closes", sa.String(length=5), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_office_hours_community_id_communities"),
        ),
        sa.PrimaryKeyConstraint("community_id", "member", name=op.f("pk_office_hours")),
    )
    op.create_table(
        "away_periods",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member", sa.String(length=64), nullable=False),
        sa.Column("starts", sa.DateTime(), nullable=False),
        sa.Column("until", sa.DateTime(), nullable=False),
        sa.Column("backup", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_away_periods_community_id_communities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_away_periods")),
    )
    op.create_index(
        op.f("ix_away_periods_community_id_member"),
        "away_periods",
        ["community_id", "member"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_away_periods_community_id_member"), table_name="away_periods")
    op.drop_table("away_periods")
    op.drop_table("office_hours")
