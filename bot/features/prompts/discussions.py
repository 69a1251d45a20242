"""A posted prompt becomes a discussion: its replies and their reactions are recorded,
so a digest can later gather what the group said and valued.

The prompt's post carries a key ("discussion:<schedule>:<series>:<prompt>"); once the
platform has it, the outbox tells us the message ID the replies will hang from (Slack's
thread_ts, Discord's thread, the console's message number).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock
from bot.context import Context
from bot.events import Event, MessagePosted, ReactionAdded
from bot.features import Feature
from bot.intents import Intent, Pin, Post
from bot.refs import ConversationRef
from bot.storage.tables import discussion_reactions, discussion_replies, discussions
from bot.storage.upsert import insert_ignoring_duplicates

KEY = "discussion:"


def discussion_key(schedule_id: int, series_id: str, prompt_id: str) -> str:
    return f"{KEY}{schedule_id}:{series_id}:{prompt_id}"


class Discussions:
    def __init__(
        self, engine: AsyncEngine, clock: Clock, send: Callable[[list[Intent]], None]
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._send = send

    async def on_delivered(self, intent: Intent, delivered_id: str | None) -> None:
        """Record a prompt's discussion once the platform has given its message an ID."""
        if (
            not isinstance(intent, Post)
            or not (intent.key or "").startswith(KEY)
            or not delivered_id
        ):
            return
        schedule_id, series_id, prompt_id = (intent.key or "").removeprefix(KEY).split(":", 2)
        where = intent.to
        async with self._engine.begin() as conn:
            await insert_ignoring_duplicates(
                conn,
                discussions,
                [
                    {
                        "platform": where.platform,
                        "community": where.community,
                        "channel": where.channel,
                        "root": delivered_id,
                        "schedule_id": int(schedule_id),
                        "series_id": series_id,
                        "prompt_id": prompt_id,
                        "posted_at": self._clock.now(),
                    }
                ],
            )
            previous = (
                await conn.execute(
                    select(discussions.c.root)
                    .where(
                        (discussions.c.platform == where.platform)
                        & (discussions.c.community == where.community)
                        & (discussions.c.channel == where.channel)
                        & (discussions.c.series_id == series_id)
                        & (discussions.c.root != delivered_id)
                    )
                    .order_by(discussions.c.id.desc())
                    .limit(1)
                )
            ).scalar()
        # The current prompt is pinned and the series' one before it unpinned, where
        # platforms pin: another series running in the same channel keeps its own pin.
        pins: list[Intent] = [Pin(to=replace(where, message=delivered_id))]
        if previous:
            pins.append(Pin(to=replace(where, message=previous), pinned=False))
        self._send(pins)

    async def _find(self, where: ConversationRef, root: str) -> int | None:
        async with self._engine.connect() as conn:
            return (
                await conn.execute(
                    select(discussions.c.id).where(
                        (discussions.c.platform == where.platform)
                        & (discussions.c.community == where.community)
                        & (discussions.c.channel == where.channel)
                        & (discussions.c.root == root)
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
                        (discussions.c.platform == where.platform)
                        & (discussions.c.community == where.community)
                        & (discussions.c.channel == where.channel)
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


async def _hear(ctx: Context, event: Event) -> list[Intent]:
    return await ctx.services.discussions.hear(ctx, event)


FEATURE = Feature(name="discussions", listeners=(_hear,))
