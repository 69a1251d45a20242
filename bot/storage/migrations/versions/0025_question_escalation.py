"""who a routing rule's late questions go to after the backup: `question_routes`
gains `escalate_to` (a member) and `escalate_role` (a role); neither means the
organizers, as before

Revision ID: 0025
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0023"  # re-chained on merge, after rights
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("question_routes", sa.Column("escalate_to", sa.String(length=64), nullable=True))
    op.add_column(
        "question_routes", sa.Column("escalate_role", sa.String(length=16), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("question_routes") as batch:
        batch.drop_column("escalate_role")
        batch.drop_column("escalate_to")
