"""community prompts: a group's own prompts, suggested or added

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "community_prompts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("author_id", sa.String(length=64), nullable=True),
        sa.Column("author_language", sa.String(length=8), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_community_prompts_community_id_communities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_prompts")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_community_prompts_community_id_status"),
        "community_prompts",
        ["community_id", "status"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_community_prompts_community_id_status"), table_name="community_prompts")
    op.drop_table("community_prompts")
