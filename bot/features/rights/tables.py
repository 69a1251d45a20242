"""How long each community keeps what retention may remove (bot/features/rights)."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table

from bot.storage.tables import UTCDateTime, metadata

# One row per (community, what): "questions" (closed questions and their notes) or
# "messages" (raw discussion replies and reactions). No row: kept until deleted.
retention_policies = Table(
    "retention_policies",
    metadata,
    Column("community_id", Integer, ForeignKey("communities.id"), primary_key=True),
    Column("what", String(16), primary_key=True),
    Column("days", Integer, nullable=False),
    Column("set_at", UTCDateTime(), nullable=False),
)
