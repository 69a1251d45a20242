"""one community key, finished: schedules name their community by community_id only

Revision ID: 0015
Revises: 0014

`schedules` carried its community twice: `community_id` and the platform and community
strings, which were what a schedule posted to. The strings are dropped; a schedule's
ConversationRef is rebuilt by joining `communities`. Should a row's key and strings ever
disagree (a hand edit), the key is set from the strings first, so every schedule keeps
posting where it did. `postings` names no community itself (its schedule does) and is
left as it is; its rows and the discussions' links to schedules survive the rebuild of
`schedules` that SQLite needs (foreign keys are checked after, see Database.migrate).

A downgrade writes the strings back from `communities`.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_KEY = (
    "(SELECT communities.id FROM communities WHERE communities.platform = schedules.platform "
    "AND communities.external_id = schedules.community)"
)
_STRINGS = "(SELECT communities.{c} FROM communities WHERE communities.id = schedules.community_id)"


def upgrade() -> None:
    op.execute(f"UPDATE schedules SET community_id = COALESCE({_KEY}, community_id)")
    # The rebuild keeps the AUTOINCREMENT that 0003 gives a new database (see 0027).
    with op.batch_alter_table("schedules", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_column("platform")
        batch.drop_column("community")
        batch.create_index(
            "ix_schedules_community_id_channel", ["community_id", "channel"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("schedules") as batch:
        batch.drop_index("ix_schedules_community_id_channel")
        batch.add_column(sa.Column("platform", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("community", sa.String(length=64), nullable=True))
    op.execute(
        f"UPDATE schedules SET platform = {_STRINGS.format(c='platform')}, "
        f"community = {_STRINGS.format(c='external_id')}"
    )
    with op.batch_alter_table("schedules") as batch:
        batch.alter_column("platform", existing_type=sa.String(length=16), nullable=False)
        batch.alter_column("community", existing_type=sa.String(length=64), nullable=False)
