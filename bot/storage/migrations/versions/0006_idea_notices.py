"""idea notices to organizers, and the locale a member's platform reports

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idea_notices",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("waiting_since", sa.DateTime(), nullable=True),
        sa.Column("last_sent_at", sa.DateTime(), nullable=True),
        sa.Column("dm_off", sa.Integer(), nullable=False),
        sa.Column("platform_admin", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_idea_notices_community_id_communities"),
        ),
        sa.PrimaryKeyConstraint("community_id", "user_id", name=op.f("pk_idea_notices")),
    )
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("locale", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.drop_column("locale")
    op.drop_table("idea_notices")
