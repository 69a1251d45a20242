"""Telling organizers that prompt ideas are waiting, without nagging them.

Each organizer gets at most one direct message a day (DAY), saying how many ideas wait
then, in their own language; ideas that arrive in between are told in the next one,
which the community's "idea-notices" timer (bot/timers.py) sends once the day has
passed (so a busy week of ideas is one message a day, not one per idea). Organizers
are those granted the role and the platform admins seen running organizer commands.
One who turned these messages off (`prompt notices dm=no`) gets none; the count stays
on their home page and in `prompt suggestions`. The messages never say who suggested
anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.clock import Clock
from bot.directory import Directory, Role
from bot.features.prompts.own import OwnPrompts
from bot.intents import DirectMessage, Intent, Message
from bot.notify import reader
from bot.refs import CommunityRef, MemberRef
from bot.storage.tables import communities, idea_notices
from bot.storage.upsert import insert_ignoring_duplicates
from bot.timers import TimerResult, TimerRun, Timers

if TYPE_CHECKING:
    from bot.context import Context

DAY = timedelta(days=1)
# The community's timer: feature "prompts", this kind, keyed by the community's row ID.
FEATURE = "prompts"
KIND = "idea-notices"


class IdeaNotices:
    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        directory: Directory,
        own: OwnPrompts,
        timers: Timers,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._directory = directory
        self._own = own
        self._timers = timers
        self._admins: set[tuple[CommunityRef, str]] = set()

    async def idea_arrived(self, community: CommunityRef) -> list[Intent]:
        """Mark every organizer as having news, and return the notices due at once.

        Every organizer, the idea's author included: leaving the author out would show
        who wrote an anonymous idea (the one organizer who was not told)."""
        settings = await self._directory.community(community)
        holders = await self._directory.members_with_roles(community)
        organizers = [user for user, role in holders if role is Role.ORGANIZER]
        now = self._clock.now()
        async with self._engine.begin() as conn:
            await insert_ignoring_duplicates(
                conn,
                idea_notices,
                [_row(settings.id, u) for u in organizers],
            )
            await conn.execute(
                update(idea_notices)
                .where(
                    (idea_notices.c.community_id == settings.id)
                    & (
                        idea_notices.c.user_id.in_(organizers)
                        | (idea_notices.c.platform_admin == 1)
                    )
                    & idea_notices.c.waiting_since.is_(None)
                )
                .values(waiting_since=now)
            )
        notes = await self.due(settings.id)
        async with self._engine.begin() as conn:  # the rest wait for the community's timer
            await self._set_timer(conn, settings.id)
        self._timers.wake()
        return notes

    async def fire(self, run: TimerRun) -> dict[str, TimerResult]:
        """The "idea-notices" timer's handler: each community's notices whose day has
        passed, marked sent in the timer's transaction, and when its next one is due."""
        results: dict[str, TimerResult] = {}
        for timer in run.due:
            community_id = int(timer.key)
            notes = await self.due(community_id, run.conn)
            results[timer.key] = TimerResult(notes, await self._next(run.conn, community_id))
        return results

    async def _next(self, conn: AsyncConnection, community_id: int) -> datetime | None:
        """When the community's next held-back notice is due, if one is waiting: a day
        after the last one its organizer got, or now for one never told (messages just
        turned back on)."""
        sent = (
            await conn.execute(
                select(idea_notices.c.last_sent_at).where(
                    (idea_notices.c.community_id == community_id)
                    & idea_notices.c.waiting_since.is_not(None)
                    & (idea_notices.c.dm_off == 0)
                )
            )
        ).scalars()
        now = self._clock.now()
        return min((now if last is None else last + DAY for last in sent), default=None)

    async def _set_timer(self, conn: AsyncConnection, community_id: int) -> None:
        due = await self._next(conn, community_id)
        if due is None:
            await self._timers.cancel(conn, FEATURE, KIND, str(community_id))
        else:
            await self._timers.set(conn, FEATURE, KIND, str(community_id), due)

    async def due(
        self, community_id: int | None = None, conn: AsyncConnection | None = None
    ) -> list[Intent]:
        """The notices due now (all communities, or one), marked as sent: in `conn`'s
        transaction when given (the timer's), else in one of its own."""
        if conn is not None:
            return await self._due(conn, community_id)
        async with self._engine.begin() as own:
            return await self._due(own, community_id)

    async def _due(self, conn: AsyncConnection, community_id: int | None) -> list[Intent]:
        now = self._clock.now()
        query = (
            select(
                idea_notices.c.community_id,
                idea_notices.c.user_id,
                communities.c.platform,
                communities.c.external_id,
                idea_notices.c.platform_admin,
            )
            .join(communities, communities.c.id == idea_notices.c.community_id)
            .where(
                idea_notices.c.waiting_since.is_not(None)
                & (idea_notices.c.dm_off == 0)
                & (
                    idea_notices.c.last_sent_at.is_(None)
                    | (idea_notices.c.last_sent_at <= now - DAY)
                )
            )
        )
        if community_id is not None:
            query = query.where(idea_notices.c.community_id == community_id)
        query = query.order_by(idea_notices.c.community_id, idea_notices.c.user_id)
        rows = (await conn.execute(query)).all()
        notes: dict[tuple[int, str], Intent] = {}
        counts: dict[int, int] = {}
        for cid, user, platform, external, admin in rows:
            if cid not in counts:
                counts[cid] = await self._own.pending_count(cid)
            community = CommunityRef(platform, external)
            member = MemberRef(platform, external, user)
            roles = (await self._directory.profile(member)).roles
            if counts[cid] and (admin or Role.ORGANIZER in roles):
                default = (await self._directory.community(community)).default_language
                t = await reader(self._directory, member, default=default)
                text = t.ngettext(
                    "A prompt idea is waiting for you. “prompt suggestions” shows it.",
                    "{n} prompt ideas are waiting for you. “prompt suggestions” shows them.",
                    counts[cid],
                )
                notes[(cid, user)] = DirectMessage(
                    member=member,
                    message=Message(
                        text=text,
                        footer=t._(
                            "I send this at most once a day. “prompt notices dm=no” "
                            "stops it; your home page still shows the count."
                        ),
                    ),
                )
        if not rows:
            return []
        claimed: list[Intent] = []
        for cid, user, *_ in rows:
            # Claimed by a conditional update, so two replicas never both send it.
            # Nothing left waiting (or no longer an organizer): no news, no message.
            sent = {"last_sent_at": now} if (cid, user) in notes else {}
            result = await conn.execute(
                update(idea_notices)
                .where(
                    (idea_notices.c.community_id == cid)
                    & (idea_notices.c.user_id == user)
                    & idea_notices.c.waiting_since.is_not(None)
                )
                .values(waiting_since=None, **sent)
            )
            if result.rowcount == 1 and (cid, user) in notes:
                claimed.append(notes[(cid, user)])
        return claimed

    async def organizer_seen(self, ctx: Context) -> None:
        """Remember a platform admin who runs organizer commands: their organizer role
        comes from the platform, so only their own requests tell us of it. Written once
        per process and admin, so the pages that call this stay reads after that."""
        community, user = ctx.conversation.community_ref, ctx.member.id
        if not ctx.actor.is_platform_admin or (community, user) in self._admins:
            return
        settings = await self._directory.community(community)
        async with self._engine.begin() as conn:
            await insert_ignoring_duplicates(conn, idea_notices, [_row(settings.id, user)])
            await conn.execute(
                update(idea_notices)
                .where(
                    (idea_notices.c.community_id == settings.id) & (idea_notices.c.user_id == user)
                )
                .values(platform_admin=1)
            )
        self._admins.add((community, user))

    async def set_dm(self, community: CommunityRef, user: str, on: bool) -> None:
        """Turn an organizer's idea messages off or back on."""
        settings = await self._directory.community(community)
        async with self._engine.begin() as conn:
            await insert_ignoring_duplicates(
                conn,
                idea_notices,
                [_row(settings.id, user)],
            )
            await conn.execute(
                update(idea_notices)
                .where(
                    (idea_notices.c.community_id == settings.id) & (idea_notices.c.user_id == user)
                )
                .values(dm_off=0 if on else 1)
            )
            await self._set_timer(conn, settings.id)  # a waiting notice may go out again
        self._timers.wake()


def _row(community_id: int, user: str) -> dict[str, object]:
    return {"community_id": community_id, "user_id": user, "dm_off": 0, "platform_admin": 0}


async def notices_due(run: TimerRun) -> Mapping[str, TimerResult]:
    """The "idea-notices" timer's handler, as `Feature.timers` declares it."""
    notices: IdeaNotices = run.state.idea_notices
    return await notices.fire(run)
