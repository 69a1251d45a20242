"""Material from the prompts feature's discussions (through its api): one prompt thread,
or every prompt a group discussed in a week. Live chats hand over their own material
(`bot.features.digests.api.draft_from`)."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.directory import CommunitySettings, Role
from bot.features.digests.links import message_link
from bot.features.digests.material import Contribution, Material, Topic
from bot.features.prompts import api as prompts
from bot.kernel import Kernel
from bot.refs import ConversationRef

TITLE_MOST = 120


async def _liaisons(kernel: Kernel, community: CommunitySettings) -> frozenset[str]:
    holders = await kernel.directory.members_with_roles(community.ref)
    return frozenset(user for user, role in holders if role is Role.LIAISON)


async def _topic(
    conn: AsyncConnection,
    where: ConversationRef,
    discussion: prompts.Discussion,
    liaisons: frozenset[str],
) -> Topic:
    contributions: list[Contribution] = []
    async for chunk in prompts.replies(conn, discussion.id):
        contributions.extend(
            Contribution(
                author_id=reply.user_id,
                text=reply.text,
                at=reply.at,
                link=message_link(
                    where.platform,
                    where.community,
                    where.channel,
                    reply.message_id,
                    discussion.root,
                ),
                reactions=reply.reactions,
                role="liaison" if reply.user_id in liaisons else "parent",
            )
            for reply in chunk
        )
        await asyncio.sleep(0)
    return Topic(
        label="",
        text=discussion.prompt,
        contributions=tuple(contributions),
        link=message_link(where.platform, where.community, where.channel, discussion.root),
    )


def _title(text: str) -> str:
    one = " ".join(text.split())
    return one if len(one) <= TITLE_MOST else one[: TITLE_MOST - 1].rstrip() + "…"


async def discussion(
    kernel: Kernel,
    conn: AsyncConnection,
    where: ConversationRef,
    community: CommunitySettings,
    day: date | None,
) -> Material | None:
    """The group's prompt discussion posted on `day` (its latest then), or its latest."""
    since = until = None
    if day is not None:
        since, until = _day_bounds(day, community.timezone, days=1)
    found = await prompts.discussions_in(
        conn,
        community.id,
        where.channel,
        community.default_language,
        since=since,
        until=until,
        latest=True,
    )
    if not found:
        return None
    [posted] = found
    topic = await _topic(conn, where, posted, await _liaisons(kernel, community))
    last = max((c.at for c in topic.contributions), default=posted.posted_at)
    return Material(
        kind="discussion",
        source_id=str(posted.id),
        community_id=community.id,
        channel=where.channel,
        title=_title(posted.series or posted.prompt) or posted.posted_at.date().isoformat(),
        started_at=posted.posted_at,
        ended_at=last,
        topics=(topic,),
    )


async def week(
    kernel: Kernel,
    conn: AsyncConnection,
    where: ConversationRef,
    community: CommunitySettings,
    day: date | None,
) -> Material | None:
    """Every prompt discussion of the group in the week (Monday to Sunday, in the
    community's zone) that holds `day`; without a day, in the seven days up to now."""
    if day is None:
        until = kernel.clock.now()
        since = until - timedelta(days=7)
        before = None  # up to now, this very moment included
    else:
        monday = day - timedelta(days=day.weekday())
        since, until = _day_bounds(monday, community.timezone, days=7)
        before = until
    found = await prompts.discussions_in(
        conn, community.id, where.channel, community.default_language, since=since, until=before
    )
    if not found:
        return None
    liaisons = await _liaisons(kernel, community)
    topics = tuple([await _topic(conn, where, d, liaisons) for d in found])
    zone = ZoneInfo(community.timezone)
    first = since.astimezone(zone).date()
    last = (until - timedelta(seconds=1)).astimezone(zone).date()
    return Material(
        kind="week",
        source_id=first.isoformat(),
        community_id=community.id,
        channel=where.channel,
        title=f"{first.isoformat()}/{last.isoformat()}",  # dates: words.title_in
        started_at=since,
        ended_at=until,
        topics=topics,
    )


def _day_bounds(first: date, zone: str, *, days: int) -> tuple[datetime, datetime]:
    start = datetime.combine(first, time(0), ZoneInfo(zone))
    return start, datetime.combine(first + timedelta(days=days), time(0), ZoneInfo(zone))
