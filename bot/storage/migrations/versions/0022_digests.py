"""digests: drafts and published digests, their questions and items, and each member's
choice of how digests credit them

Revision ID: 0022
Revises: 0021

A digest is a snapshot of a conversation (bot/features/digests/tables.py); an anonymous
item holds no member ID.
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("credit", sa.String(length=8), nullable=False),
        sa.Column("grouping", sa.String(length=8), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_digests_community_id_communities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digests")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_digests_community_id_channel_status", "digests", ["community_id", "channel", "status"]
    )
    op.create_table(
        "digest_topics",
        sa.Column("digest_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["digest_id"], ["digests.id"], name=op.f("fk_digest_topics_digest_id_digests")
        ),
        sa.PrimaryKeyConstraint("digest_id", "position", name=op.f("pk_digest_topics")),
    )
    op.create_table(
        "digest_items",
        sa.Column("digest_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("topic", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.String(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("reactions", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=True),
        sa.Column("dropped", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["digest_id"], ["digests.id"], name=op.f("fk_digest_items_digest_id_digests")
        ),
        sa.PrimaryKeyConstraint("digest_id", "number", name=op.f("pk_digest_items")),
    )
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("digest_credit", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.drop_column("digest_credit")
    op.drop_table("digest_items")
    op.drop_table("digest_topics")
    op.drop_index("ix_digests_community_id_channel_status", table_name="digests")
    op.drop_table("digests")
