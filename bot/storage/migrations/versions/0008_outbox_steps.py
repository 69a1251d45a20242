"""the outbox notes when a row was handed to the platform

Revision ID: 0008
Revises: 0007

`sending_since` is written (in one group commit for the rows starting together) before a
row is handed to the platform. A row still pending with it set was in flight when the
process stopped: on resume the outbox asks the platform whether it arrived (where the
adapter can tell) before sending it again with the same key.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("sending_since", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("sending_since")
