"""several replicas on one database: reply handles travel with the outbox row

Revision ID: 0026
Revises: 0022

A reply's handle (Slack's response_url, a Discord interaction's token) lived only in
the memory of the process that received the request, so no other replica could send
the reply. It is now stored on the reply's row with its expiry, and cleared once sent.
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0022"  # re-chained by the lead on merge
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("reply_handle", sa.Text(), nullable=True))
        batch.add_column(sa.Column("reply_until", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("reply_until")
        batch.drop_column("reply_handle")
