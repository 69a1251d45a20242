"""schedules recur every N weeks or monthly, not only weekly

Revision ID: 0011
Revises: 0007

Existing schedules get `every_weeks = 1` and no `month_week`: weekly, as before.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedules") as batch:
        batch.add_column(sa.Column("every_weeks", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("month_week", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("schedules") as batch:
        batch.drop_column("month_week")
        batch.drop_column("every_weeks")
