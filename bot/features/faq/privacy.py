"""The FAQ's export and delete hooks.

A member's data here: proposals about their questions (a named asker), proposals they
made and entries they wrote (a liaison or organizer). An anonymous asker has nothing
here to export or delete: no row holds their ID.

On deletion, proposals still waiting or declined for a named asker go; an agreed one is
a published entry now, written for every family, and stays without the asker's ID. The
proposer or writer of an entry is taken off it; the entry stays, as the group's.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features import Privacy
from bot.features.faq.tables import faq_entries, faq_proposals
from bot.refs import MemberRef
from bot.storage.members import Exported, by_member, rows

NOBODY = ""  # faq_proposals.proposed_by is required: a deleted proposer leaves this


async def export_member(conn: AsyncConnection, member: MemberRef) -> Exported:
    asked = await conn.execute(
        select(
            faq_proposals.c.question,
            faq_proposals.c.answer,
            faq_proposals.c.status,
            faq_proposals.c.created_at,
        )
        .where(by_member(faq_proposals, member, "asker_id"))
        .order_by(faq_proposals.c.id)
    )
    proposed = await conn.execute(
        select(faq_proposals.c.id, faq_proposals.c.question, faq_proposals.c.status)
        .where(by_member(faq_proposals, member, "proposed_by"))
        .order_by(faq_proposals.c.id)
    )
    wrote = await conn.execute(
        select(faq_entries.c.id, faq_entries.c.question, faq_entries.c.created_at)
        .where(by_member(faq_entries, member, "created_by"))
        .order_by(faq_entries.c.id)
    )
    return {
        "faq_questions_asked": rows(asked),
        "faq_proposals_made": rows(proposed),
        "faq_entries_written": rows(wrote),
    }


async def delete_member(conn: AsyncConnection, member: MemberRef) -> int:
    asked = by_member(faq_proposals, member, "asker_id")
    gone = (
        await conn.execute(
            delete(faq_proposals).where(asked & (faq_proposals.c.status != "agreed"))
        )
    ).rowcount
    gone += (await conn.execute(update(faq_proposals).where(asked).values(asker_id=None))).rowcount
    gone += (
        await conn.execute(
            update(faq_proposals)
            .where(by_member(faq_proposals, member, "proposed_by"))
            .values(proposed_by=NOBODY)
        )
    ).rowcount
    gone += (
        await conn.execute(
            update(faq_entries)
            .where(by_member(faq_entries, member, "created_by"))
            .values(created_by=None)
        )
    ).rowcount
    return int(gone)


PRIVACY = Privacy(
    covers=(
        ("faq_entries", "created_by"),
        ("faq_proposals", "asker_id"),
        ("faq_proposals", "proposed_by"),
    ),
    export=export_member,
    delete=delete_member,
)
