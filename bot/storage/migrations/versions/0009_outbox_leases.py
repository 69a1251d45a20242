"""outbox rows leased to the process that may send them

Revision ID: 0009
Revises: 0007

A second process started while the first was still sending (a deploy) took every
pending row at start and sent it again. Each pending row now names the process that
holds it and until when; a process takes only rows with no live lease. Rows already
in the table have none, so the next process to start takes them, as before.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("lease_owner", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("lease_owner")
