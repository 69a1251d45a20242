"""the language a member's platform reports, in a table of its own

Revision ID: 0007
Revises: 0006

It was a column of `members` (0006), whose rows carry a creation time: noted on a
member's first event, that time could date the first thing they did, which may have
been anonymous. Its own table keeps no time, and it is bookkeeping that the
refused-input checks leave aside, like the outbox.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_locales",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_member_locales_community_id_communities"),
        ),
        sa.PrimaryKeyConstraint("community_id", "user_id", name=op.f("pk_member_locales")),
    )
    op.execute(
        "INSERT INTO member_locales (community_id, user_id, locale) "
        "SELECT community_id, user_id, locale FROM members WHERE locale IS NOT NULL"
    )
    with op.batch_alter_table("members") as batch:
        batch.drop_column("locale")


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("locale", sa.String(length=16), nullable=True))
    op.drop_table("member_locales")
