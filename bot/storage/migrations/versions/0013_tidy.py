"""one community key: dialogues, pending choices and discussions carry community_id

Revision ID: 0013
Revises: 0011 (in branch wt-wiring; "0012" once wt-timers' migration is merged)

Every row that belongs to a community now names it the same way, by `community_id`
(the key `communities` gives it), instead of its platform and community strings. Rows
whose community has no row (none can be a discussion: a schedule needs its community)
are dropped: a form half-answered or a numbered choice is only kept for a while anyway.
`schedules` keeps its redundant strings for now (its code is being split elsewhere).

A prompt's post waiting in the outbox said which discussion it opens by a string key
(`"key": "discussion:<schedule>:<series>:<prompt>"`); it now carries a typed tag. Such
rows are rewritten, so a prompt in flight across the upgrade still gets its discussion.
"""

import json

import sqlalchemy as sa
from alembic import op

PROMPT_POSTED = "bot.features.prompts.discussions.PromptPosted"

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_KEY = (
    "(SELECT communities.id FROM communities WHERE communities.platform = {t}.platform "
    "AND communities.external_id = {t}.community)"
)


def _to_key(table: str) -> None:
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column("community_id", sa.Integer(), nullable=True))
    op.execute(f"UPDATE {table} SET community_id = {_KEY.format(t=table)}")
    op.execute(f"DELETE FROM {table} WHERE community_id IS NULL")


def _keys_to_tags() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, payload FROM outbox WHERE status = 'pending' "
            'AND payload LIKE \'%"key":"discussion:%\''
        )
    ).all()
    for row_id, payload in rows:
        intent = json.loads(payload)
        schedule_id, series_id, prompt_id = intent.pop("key").split(":", 3)[1:]
        intent["tag"] = {
            "name": PROMPT_POSTED,
            "values": {
                "prompt_id": prompt_id,
                "schedule_id": int(schedule_id),
                "series_id": series_id,
            },
        }
        bind.execute(
            sa.text("UPDATE outbox SET payload = :payload WHERE id = :id"),
            {"payload": json.dumps(intent, separators=(",", ":")), "id": row_id},
        )


def upgrade() -> None:
    _keys_to_tags()
    _to_key("dialogues")
    with op.batch_alter_table("dialogues") as batch:
        batch.drop_constraint("uq_dialogues_platform_community_user_id", type_="unique")
        batch.drop_column("platform")
        batch.drop_column("community")
        batch.alter_column("community_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(
            "fk_dialogues_community_id_communities", "communities", ["community_id"], ["id"]
        )
        batch.create_unique_constraint(
            "uq_dialogues_community_id_user_id", ["community_id", "user_id"]
        )

    _to_key("pending_choices")
    with op.batch_alter_table("pending_choices") as batch:
        batch.drop_index("ix_pending_choices_platform_community_channel")
        batch.drop_column("platform")
        batch.drop_column("community")
        batch.alter_column("community_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(
            "fk_pending_choices_community_id_communities", "communities", ["community_id"], ["id"]
        )
        batch.create_index(
            "ix_pending_choices_community_id_channel", ["community_id", "channel"], unique=False
        )

    _to_key("discussions")
    with op.batch_alter_table("discussions") as batch:
        batch.drop_constraint("uq_discussions_platform_community_channel_root", type_="unique")
        batch.drop_column("platform")
        batch.drop_column("community")
        batch.alter_column("community_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(
            "fk_discussions_community_id_communities", "communities", ["community_id"], ["id"]
        )
        batch.create_unique_constraint(
            "uq_discussions_community_id_channel_root", ["community_id", "channel", "root"]
        )


_STRINGS = "(SELECT communities.{c} FROM communities WHERE communities.id = {t}.community_id)"


def _from_key(table: str) -> None:
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column("platform", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("community", sa.String(length=64), nullable=True))
    op.execute(
        f"UPDATE {table} SET platform = {_STRINGS.format(c='platform', t=table)}, "
        f"community = {_STRINGS.format(c='external_id', t=table)}"
    )


def downgrade() -> None:
    _from_key("discussions")
    with op.batch_alter_table("discussions") as batch:
        batch.drop_constraint("uq_discussions_community_id_channel_root", type_="unique")
        batch.drop_constraint("fk_discussions_community_id_communities", type_="foreignkey")
        batch.drop_column("community_id")
        batch.alter_column("platform", existing_type=sa.String(length=16), nullable=False)
        batch.alter_column("community", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint(
            "uq_discussions_platform_community_channel_root",
            ["platform", "community", "channel", "root"],
        )
    _from_key("pending_choices")
    with op.batch_alter_table("pending_choices") as batch:
        batch.drop_index("ix_pending_choices_community_id_channel")
        batch.drop_constraint("fk_pending_choices_community_id_communities", type_="foreignkey")
        batch.drop_column("community_id")
        batch.alter_column("platform", existing_type=sa.String(length=16), nullable=False)
        batch.alter_column("community", existing_type=sa.String(length=64), nullable=False)
        batch.create_index(
            "ix_pending_choices_platform_community_channel",
            ["platform", "community", "channel"],
            unique=False,
        )
    _from_key("dialogues")
    with op.batch_alter_table("dialogues") as batch:
        batch.drop_constraint("uq_dialogues_community_id_user_id", type_="unique")
        batch.drop_constraint("fk_dialogues_community_id_communities", type_="foreignkey")
        batch.drop_column("community_id")
        batch.alter_column("platform", existing_type=sa.String(length=16), nullable=False)
        batch.alter_column("community", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint(
            "uq_dialogues_platform_community_user_id", ["platform", "community", "user_id"]
        )
