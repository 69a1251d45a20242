"""The FAQ's tables, on the shared metadata (migration 0020 makes them).

`faq_entries` holds published entries only: everything in it is searchable. Its full-text
index is the database's own and is not declared here, because it differs by dialect
(see migration 0020 and `bot.features.faq.search`):

- SQLite: `faq_search`, an FTS5 external-content virtual table over `question` and
  `answer`, kept in sync by triggers on `faq_entries`;
- PostgreSQL: `faq_entries.search_doc`, a stored generated `tsvector` (English or Spanish
  configuration by the entry's language, accents folded), with a GIN index.

`faq_proposals` holds what a liaison proposed until the asker decides. An anonymous
asker is never stored: only a one-way token (`asker_token`) that tells whether the
member pressing "Agree" is the asker.

This module imports nothing of the feature, so the migrations test can import it to make
the shared metadata complete.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from bot.storage.tables import MEMBER, SEEN_IDS, UTCDateTime, metadata

faq_entries = Table(
    "faq_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("topic", String(32), nullable=True),
    Column("grade", String(16), nullable=True),
    Column("language", String(8), nullable=False),
    # The routed question it grew from (the questions feature's record), if any.
    Column("question_id", Integer, nullable=True),
    # Who wrote it: the organizer who added it or the liaison who proposed it.
    Column("created_by", String(64), nullable=True, info=MEMBER),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    # Where it was posted in the FAQ channel, once delivered.
    Column("channel_id", String(64), nullable=True),
    Column("message_id", String(128), nullable=True),
    Index(None, "community_id", "language"),
    **SEEN_IDS,
)

faq_proposals = Table(
    "faq_proposals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("question_id", Integer, nullable=True),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("topic", String(32), nullable=True),
    Column("grade", String(16), nullable=True),
    Column("language", String(8), nullable=False),
    # A named asker's ID; None for an anonymous one, who has only `asker_token`.
    Column("asker_id", String(64), nullable=True, info=MEMBER),
    # kernel.anonymity.token("faq-consent", str(id), asker): one-way, never an ID.
    Column("asker_token", String(32), nullable=True, info={"member": False}),
    Column("proposed_by", String(64), nullable=False, info=MEMBER),
    Column("status", String(16), nullable=False),  # waiting, agreed, declined
    Column("entry_id", Integer, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("decided_at", UTCDateTime(), nullable=True),
    **SEEN_IDS,
)

# The channel where published entries are posted (a Discord forum gets a forum post).
faq_channels = Table(
    "faq_channels",
    metadata,
    Column("community_id", Integer, ForeignKey("communities.id"), primary_key=True),
    Column("channel_id", String(64), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# Database objects the migration makes for full-text search that no Table declares
# (they differ by dialect): the schema comparison leaves them out by name.
SEARCH_OBJECTS: Mapping[str, frozenset[str]] = {
    # FTS5's virtual table and the shadow tables it keeps (external content: no _content).
    "table": frozenset(
        {
            "faq_search",
            "faq_search_data",
            "faq_search_idx",
            "faq_search_docsize",
            "faq_search_config",
        }
    ),
    "column": frozenset({"search_doc"}),  # PostgreSQL's generated tsvector
    "index": frozenset({"ix_faq_entries_search_doc"}),  # and its GIN index
}


def declared_elsewhere(
    name: str | None, type_: Any, parent_names: MutableMapping[Any, str | None]
) -> bool:
    """Alembic's `include_name` hook: False for the full-text objects above, which are
    made by raw SQL per dialect and so are not in the metadata on purpose."""
    if type_ == "column" and parent_names.get("table_name") != "faq_entries":
        return True
    return name not in SEARCH_OBJECTS.get(type_, frozenset())
