"""What other features may read of prompt discussions: the one door to the prompts
feature's discussion tables, so a digest never queries them itself.

Replies come in chunks (`replies`), each a list, so a thread of tens of thousands of
replies is read without holding the event loop for the whole of it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features.prompts.library import Library
from bot.features.prompts.own import OWN_SERIES
from bot.i18n import translator
from bot.storage.tables import (
    community_prompts,
    discussion_reactions,
    discussion_replies,
    discussions,
)

CHUNK = 500


@dataclass(frozen=True, slots=True)
class Discussion:
    """A posted prompt: where, when, and its words as posted."""

    id: int
    community_id: int
    channel: str
    root: str  # the prompt's message, which the replies' thread hangs from
    posted_at: datetime
    prompt: str
    series: str  # the series' title ("Moving up to middle school"), or "" if unknown


@dataclass(frozen=True, slots=True)
class Reply:
    message_id: str
    user_id: str
    text: str
    at: datetime
    reactions: int  # how many people reacted to it


@cache
def _library() -> Library:
    return Library.load()


async def _prompt(
    conn: AsyncConnection, series_id: str, prompt_id: str, language: str
) -> tuple[str, str]:
    """The prompt's words and its series' title, in `language` where the library has it."""
    if series_id == OWN_SERIES and prompt_id.startswith("own-"):
        number = prompt_id.removeprefix("own-")
        text = await conn.scalar(
            select(community_prompts.c.text).where(
                community_prompts.c.id == (int(number) if number.isdigit() else -1)
            )
        )
        return str(text or ""), translator(language)._("Our own prompts")
    series = _library().get(series_id, language)
    found = next((p for p in series.prompts if p.id == prompt_id), None) if series else None
    return (found.text if found else ""), (series.title if series else "")


async def discussions_in(
    conn: AsyncConnection,
    community_id: int,
    channel: str,
    language: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    latest: bool = False,
) -> list[Discussion]:
    """The group's discussions posted in [since, until), oldest first; with `latest`,
    only the newest of them."""
    where = (discussions.c.community_id == community_id) & (discussions.c.channel == channel)
    if since is not None:
        where = where & (discussions.c.posted_at >= since)
    if until is not None:
        where = where & (discussions.c.posted_at < until)
    query = select(discussions).where(where)
    if latest:
        query = query.order_by(discussions.c.posted_at.desc(), discussions.c.id.desc()).limit(1)
    else:
        query = query.order_by(discussions.c.posted_at, discussions.c.id)
    found = (await conn.execute(query)).all()
    listed = []
    for row in found:
        prompt, series = await _prompt(conn, row.series_id, row.prompt_id, language)
        listed.append(
            Discussion(
                id=row.id,
                community_id=row.community_id,
                channel=row.channel,
                root=row.root,
                posted_at=row.posted_at,
                prompt=prompt,
                series=series,
            )
        )
    return listed


async def replies(
    conn: AsyncConnection, discussion_id: int, chunk: int = CHUNK
) -> AsyncIterator[list[Reply]]:
    """A discussion's replies, oldest first, `chunk` at a time, each with the number of
    people who reacted to it."""
    reacted = (
        select(
            discussion_reactions.c.message_id,
            func.count(func.distinct(discussion_reactions.c.user_id)).label("people"),
        )
        .where(discussion_reactions.c.discussion_id == discussion_id)
        .group_by(discussion_reactions.c.message_id)
        .subquery()
    )
    query = (
        select(
            discussion_replies.c.message_id,
            discussion_replies.c.user_id,
            discussion_replies.c.text,
            discussion_replies.c.at,
            func.coalesce(reacted.c.people, 0).label("people"),
        )
        .outerjoin(reacted, reacted.c.message_id == discussion_replies.c.message_id)
        .where(discussion_replies.c.discussion_id == discussion_id)
        .order_by(discussion_replies.c.at, discussion_replies.c.message_id)
    )
    result = await conn.stream(query)
    async for part in result.partitions(chunk):
        yield [Reply(r.message_id, r.user_id, r.text, r.at, int(r.people)) for r in part]
