"""The prompts feature's export and delete hooks: a member's prompt ideas, their
notices preferences, the schedules they made, and what they said and how they reacted
in discussions (their words are their data too)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features import Privacy
from bot.features.prompts import discussions
from bot.refs import MemberRef
from bot.storage.members import Exported, by_member, rows
from bot.storage.tables import community_prompts, idea_notices, schedules

# What a deleted member's schedules say made them: the schedule is the group's and stays.
NOBODY = ""


def _schedules_of(member: MemberRef) -> Any:
    return by_member(schedules, member, "created_by")


async def export_member(conn: AsyncConnection, member: MemberRef) -> Exported:
    ideas = await conn.execute(
        select(
            community_prompts.c.text,
            community_prompts.c.status,
            community_prompts.c.author_language,
            community_prompts.c.created_at,
        )
        .where(by_member(community_prompts, member, "author_id"))
        .order_by(community_prompts.c.id)
    )
    notices = await conn.execute(
        select(idea_notices.c.dm_off, idea_notices.c.last_sent_at).where(
            by_member(idea_notices, member)
        )
    )
    made = await conn.execute(
        select(schedules.c.id, schedules.c.channel, schedules.c.series_id, schedules.c.created_at)
        .where(_schedules_of(member))
        .order_by(schedules.c.id)
    )
    return {
        "community_prompts": rows(ideas),
        "idea_notices": rows(notices),
        "schedules": rows(made),
        **await discussions.export_member(conn, member),
    }


async def delete_member(conn: AsyncConnection, member: MemberRef) -> int:
    """Ideas the group did not take are deleted; an accepted prompt is the group's now
    and stays, without its author. Schedules stay, without who made them."""
    mine = by_member(community_prompts, member, "author_id")
    gone = (
        await conn.execute(
            delete(community_prompts).where(mine & (community_prompts.c.status != "accepted"))
        )
    ).rowcount
    gone += (
        await conn.execute(
            update(community_prompts).where(mine).values(author_id=None, author_language=None)
        )
    ).rowcount
    gone += (
        await conn.execute(delete(idea_notices).where(by_member(idea_notices, member)))
    ).rowcount
    gone += (
        await conn.execute(update(schedules).where(_schedules_of(member)).values(created_by=NOBODY))
    ).rowcount
    return gone + await discussions.delete_member(conn, member)


PRIVACY = Privacy(
    covers=(
        ("community_prompts", "author_id"),
        ("community_prompts", "text"),
        ("idea_notices", "user_id"),
        ("schedules", "created_by"),
        ("discussion_replies", "user_id"),
        ("discussion_replies", "text"),
        ("discussion_reactions", "user_id"),
    ),
    export=export_member,
    delete=delete_member,
)
