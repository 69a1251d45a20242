"""inbound events kept before they are acknowledged: payload, handled_at, attempts

Revision ID: 0010
Revises: 0007

`processed_events` held only the IDs of events already seen. An adapter now commits
the event itself (the platform's payload) with its ID before acknowledging it, so a
kill or a database error after the acknowledgement leaves it to be handled on the next
pass instead of losing it. The payload is dropped (NULL) once the event is handled.
Rows that exist already were handled: they are marked so.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("processed_events") as batch:
        batch.add_column(sa.Column("payload", sa.Text(), nullable=True))
        batch.add_column(sa.Column("handled_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE processed_events SET handled_at = received_at")
    op.create_index(
        op.f("ix_processed_events_handled_at"), "processed_events", ["handled_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_processed_events_handled_at"), table_name="processed_events")
    with op.batch_alter_table("processed_events") as batch:
        batch.drop_column("attempts")
        batch.drop_column("handled_at")
        batch.drop_column("payload")
