"""A posted prompt becomes a discussion: its replies and their reactions are recorded,
so a digest can later gather what the group said and valued.

The prompt's post carries a `PromptPosted` tag; once the platform has it, the receipt
the prompts feature declares for that tag gives us the message ID the replies will hang from
(Slack's thread_ts, Discord's message, whose thread has the same ID, the console's message
number), inside the transaction that marks the post sent. The steps that follow are
intents of their own, each its own outbox row retried on its own: opening the reply
thread where the platform needs a call for it (Discord), pinning the new prompt and
unpinning the series' previous one. So a failure to open the thread never posts the
prompt again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.capabilities import Capabilities
from bot.clock import Clock
from bot.context import Context
from bot.events import Event, MessagePosted, ReactionAdded
from bot.intents import Intent, OpenThread, Pin, Tag
from bot.refs import ConversationRef, MemberRef
from bot.storage.members import Exported
from bot.storage.places import at_place, community_id
from bot.storage.tables import discussion_reactions, discussion_replies, discussions
from bot.storage.upsert import insert_ignoring_duplicates


@dataclass(frozen=True, slots=True)
class PromptPosted(Tag):
    """On a scheduled prompt's post: which schedule, series and prompt it is."""

    schedule_id: int
    series_id: str
    prompt_id: str


def discussion_key(schedule_id: int, series_id: str, prompt_id: str) -> PromptPosted:
    """The tag a prompt's post carries, so its receipt records the discussion."""
    return PromptPosted(schedule_id, series_id, prompt_id)


class Discussions:
    def __init__(
        self, engine: AsyncEngine, clock: Clock, capabilities: Callable[[str], Capabilities]
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._capabilities = capabilities

    async def receipt(
        self, conn: AsyncConnection, intent: Intent, tag: PromptPosted, delivered_id: str | None
    ) -> list[Intent]:
        """Record a prompt's discussion in the transaction that marks its post sent, and
        return the steps that follow it (open its thread, pin it, unpin the one before)."""
        if intent.kind != "post" or not delivered_id:
            return []
        where = intent.to
        await insert_ignoring_duplicates(
            conn,
            discussions,
            [
                {
                    "community_id": await community_id(conn, where),
                    "channel": where.channel,
                    "root": delivered_id,
                    "schedule_id": tag.schedule_id,
                    "series_id": tag.series_id,
                    "prompt_id": tag.prompt_id,
                    "posted_at": self._clock.now(),
                }
            ],
        )
        previous = (
            await conn.execute(
                select(discussions.c.root)
                .where(
                    at_place(discussions, where)
                    & (discussions.c.series_id == tag.series_id)
                    & (discussions.c.root != delivered_id)
                )
                .order_by(discussions.c.id.desc())
                .limit(1)
            )
        ).scalar()
        posted = replace(where, message=delivered_id)
        steps: list[Intent] = []
        if intent.opens_thread and self._capabilities(where.platform).explicit_threads:
            name = intent.message.title or intent.message.text.split("\n", 1)[0]
            steps.append(OpenThread(to=posted, name=name))
        # The current prompt is pinned and the series' one before it unpinned, where
        # platforms pin: another series running in the same channel keeps its own pin.
        steps.append(Pin(to=posted))
        if previous:
            steps.append(Pin(to=replace(where, message=previous), pinned=False))
        return steps

    async def _find(self, where: ConversationRef, root: str) -> int | None:
        async with self._engine.connect() as conn:
            return (
                await conn.execute(
                    select(discussions.c.id).where(
                        at_place(discussions, where) & (discussions.c.root == root)
                    )
                )
            ).scalar()

    async def hear(self, ctx: Context, event: Event) -> list[Intent]:
        """Record a reply in a discussion thread, or a reaction to one."""
        if isinstance(event, MessagePosted) and event.conversation.thread and event.text.strip():
            where = event.conversation
            discussion = await self._find(where, where.thread or "")
            if discussion is not None:
                async with self._engine.begin() as conn:
                    await insert_ignoring_duplicates(
                        conn,
                        discussion_replies,
                        [
                            {
                                "discussion_id": discussion,
                                "message_id": where.message or event.event_id,
                                "user_id": event.actor.ref.id,
                                "text": event.text,
                                "at": event.at,
                            }
                        ],
                    )
        elif isinstance(event, ReactionAdded) and event.conversation.message:
            where = event.conversation
            # Platforms name only the message reacted to: the prompt itself, or a reply.
            discussion = await self._find(where, where.thread or where.message or "")
            if discussion is None:
                discussion = await self._discussion_of_reply(where)
            if discussion is not None:
                async with self._engine.begin() as conn:
                    await insert_ignoring_duplicates(
                        conn,
                        discussion_reactions,
                        [
                            {
                                "discussion_id": discussion,
                                "message_id": where.message or "",
                                "user_id": event.actor.ref.id,
                                "emoji": event.emoji,
                            }
                        ],
                    )
        return []

    async def _discussion_of_reply(self, where: ConversationRef) -> int | None:
        async with self._engine.connect() as conn:
            return (
                await conn.execute(
                    select(discussion_replies.c.discussion_id)
                    .join(discussions, discussions.c.id == discussion_replies.c.discussion_id)
                    .where(
                        at_place(discussions, where)
                        & (discussion_replies.c.message_id == where.message)
                    )
                )
            ).scalar()

    async def reply_counts(self, schedule_ids: list[int]) -> dict[int, int]:
        """Replies recorded per schedule, for `prompt list`."""
        if not schedule_ids:
            return {}
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                select(discussions.c.schedule_id, func.count(discussion_replies.c.message_id))
                .join(discussion_replies, discussion_replies.c.discussion_id == discussions.c.id)
                .where(discussions.c.schedule_id.in_(schedule_ids))
                .group_by(discussions.c.schedule_id)
            )
            return {int(sid): int(n) for sid, n in rows}


def _theirs(table: Any, member: MemberRef) -> Any:
    """A member's rows in a discussion table: their ID, in their community's discussions."""
    in_community = select(discussions.c.id).where(at_place(discussions, member))
    return (table.c.user_id == member.id) & table.c.discussion_id.in_(in_community)


async def export_member(conn: AsyncConnection, member: MemberRef) -> Exported:
    """What a member said in discussions (their words too) and how they reacted."""
    replies = await conn.execute(
        select(
            discussion_replies.c.discussion_id, discussion_replies.c.text, discussion_replies.c.at
        )
        .where(_theirs(discussion_replies, member))
        .order_by(discussion_replies.c.at)
    )
    reactions = await conn.execute(
        select(discussion_reactions.c.discussion_id, discussion_reactions.c.emoji)
        .where(_theirs(discussion_reactions, member))
        .order_by(discussion_reactions.c.discussion_id, discussion_reactions.c.emoji)
    )
    return {
        "discussion_replies": [dict(r._mapping) for r in replies],
        "discussion_reactions": [dict(r._mapping) for r in reactions],
    }


async def delete_member(conn: AsyncConnection, member: MemberRef) -> int:
    """A member's replies (with their words) and reactions go; the discussion stays."""
    gone = 0
    for table in (discussion_replies, discussion_reactions):
        gone += (await conn.execute(delete(table).where(_theirs(table, member)))).rowcount
    return gone
