"""The FAQ's export and delete hooks.

A member's data here: proposals about their questions (a named asker), proposals they
made and entries they wrote (a liaison or organizer). An anonymous asker has nothing
here to export or delete: no row holds their ID.

On deletion, proposals still waiting or declined for a named asker go; an agreed one is
a published entry now, written for every family, and stays without the asker's ID. The
proposer or writer of an entry is taken off it; the entry stays, as the group's.
"""

from __future__ import annotations

from bot.features.faq.tables import faq_entries, faq_proposals
from bot.privacy import Held, member_privacy

NOBODY = ""  # faq_proposals.proposed_by is required: a deleted proposer leaves this

PRIVACY = member_privacy(
    Held(
        faq_proposals,
        "asker_id",
        shows=("question", "answer", "status", "created_at"),
        name="faq_questions_asked",
        order_by="id",
        stays=faq_proposals.c.status == "agreed",
    ),
    Held(
        faq_proposals,
        "proposed_by",
        shows=("id", "question", "status"),
        name="faq_proposals_made",
        order_by="id",
        goes=False,
        left=NOBODY,
    ),
    Held(
        faq_entries,
        "created_by",
        shows=("id", "question", "created_at"),
        name="faq_entries_written",
        order_by="id",
        goes=False,
    ),
)
