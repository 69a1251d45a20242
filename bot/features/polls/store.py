"""The polls feature's state: its polls, ballots and recurring series in the database.

Votes are written by the ballot box (bot.features.polls.ballots), a window's votes in
one transaction; the card is updated by staging an `Update` of its message (the outbox
coalesces a burst of them)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.anonymity import Anonymity
from bot.clock import Clock
from bot.features.polls.model import Poll, Tally, poll_from_row
from bot.features.polls.tables import poll_ballots, poll_groups, poll_series, polls
from bot.refs import ConversationRef, MemberRef
from bot.storage.places import community_key
from bot.storage.tables import timers
from bot.timers import Timers

FEATURE = "polls"
CLOSE, REMIND, REPEAT = "close", "remind", "repeat"


class PollStore:
    def __init__(
        self, engine: AsyncEngine, clock: Clock, timers: Timers, anonymity: Anonymity
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.timers = timers
        self.anonymity = anonymity

    # -- who a ballot is ------------------------------------------------------------------
    def voter_key(self, poll: Poll, member: MemberRef) -> str:
        """The member's ID on a named poll; on an anonymous one, the one-way token."""
        if poll.anonymous:
            return self.anonymity.token("poll", str(poll.id), member)
        return member.id

    # -- polls ------------------------------------------------------------------------------
    async def insert(
        self,
        conn: AsyncConnection,
        where: ConversationRef,
        *,
        question: str,
        options: Sequence[str],
        anonymous: bool,
        max_choices: int,
        visibility: str,
        created_by: str,
        closes_at: datetime | None,
        remind_at: datetime | None,
        series_id: int | None = None,
    ) -> Poll:
        """A new open poll, with its close and reminder timers, in the caller's
        transaction (call `timers.wake()` after it commits)."""
        now = self.clock.now()
        made = await conn.execute(
            insert(polls).values(
                community_id=community_key(where),
                channel=where.channel,
                question=question,
                options=json.dumps(list(options), ensure_ascii=False),
                anonymous=int(anonymous),
                max_choices=max_choices,
                visibility=visibility,
                status="open",
                created_by=created_by,
                created_at=now,
                closes_at=closes_at,
                remind_at=remind_at,
                series_id=series_id,
            )
        )
        assert made.inserted_primary_key is not None
        poll_id = made.inserted_primary_key[0]
        if closes_at is not None:
            await self.timers.set(conn, FEATURE, CLOSE, str(poll_id), closes_at)
        if remind_at is not None:
            await self.timers.set(conn, FEATURE, REMIND, str(poll_id), remind_at)
        found = await self.get_in(conn, int(poll_id), where)
        assert found is not None
        return found

    async def get_in(
        self, conn: AsyncConnection, poll_id: int, where: ConversationRef | MemberRef
    ) -> Poll | None:
        """The poll numbered `poll_id` in `where`'s community (None elsewhere)."""
        row = (
            await conn.execute(
                select(polls).where(
                    (polls.c.id == poll_id) & (polls.c.community_id == community_key(where))
                )
            )
        ).first()
        return poll_from_row(row, where.platform, where.community) if row else None

    async def get(self, poll_id: int, where: ConversationRef | MemberRef) -> Poll | None:
        async with self.engine.connect() as conn:
            return await self.get_in(conn, poll_id, where)

    async def open_in(self, where: ConversationRef) -> list[Poll]:
        """The open polls of `where`'s channel, oldest first."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(polls)
                .where(
                    (polls.c.community_id == community_key(where))
                    & (polls.c.channel == where.channel)
                    & (polls.c.status == "open")
                )
                .order_by(polls.c.id)
            )
            return [poll_from_row(r, where.platform, where.community) for r in rows]

    async def by_card(
        self, conn: AsyncConnection, where: ConversationRef, message: str
    ) -> Poll | None:
        row = (
            await conn.execute(
                select(polls).where(
                    (polls.c.community_id == community_key(where))
                    & (polls.c.channel == where.channel)
                    & (polls.c.message_id == message)
                )
            )
        ).first()
        return poll_from_row(row, where.platform, where.community) if row else None

    async def card_message(self, conn: AsyncConnection, poll_id: int) -> str | None:
        """The card's message as committed now, the poll's row locked for the rest of the
        transaction (PostgreSQL; SQLite's writers take turns anyway): of a vote and the
        card's receipt written at once, the later sees what the earlier wrote."""
        found = await conn.execute(
            select(polls.c.message_id).where(polls.c.id == poll_id).with_for_update()
        )
        message = found.scalar()
        return None if message is None else str(message)

    async def posted(self, conn: AsyncConnection, poll_id: int, message_id: str | None) -> None:
        await conn.execute(update(polls).where(polls.c.id == poll_id).values(message_id=message_id))

    async def mark_closed(self, conn: AsyncConnection, poll: Poll, now: datetime) -> bool:
        """Close it; False when it was closed already (a close raced another)."""
        done = await conn.execute(
            update(polls)
            .where((polls.c.id == poll.id) & (polls.c.status == "open"))
            .values(status="closed", closed_at=now)
        )
        for kind in (CLOSE, REMIND):
            await self.timers.cancel(conn, FEATURE, kind, str(poll.id))
        return bool(done.rowcount)

    # -- ballots ----------------------------------------------------------------------------
    async def choices_of(self, conn: AsyncConnection, poll: Poll, voter: str) -> set[int]:
        rows = await conn.execute(
            select(poll_ballots.c.choice).where(
                (poll_ballots.c.poll_id == poll.id) & (poll_ballots.c.voter == voter)
            )
        )
        return {int(r[0]) for r in rows}

    async def set_choices(
        self, conn: AsyncConnection, poll: Poll, voter: str, choices: set[int]
    ) -> None:
        await conn.execute(
            delete(poll_ballots).where(
                (poll_ballots.c.poll_id == poll.id) & (poll_ballots.c.voter == voter)
            )
        )
        if choices:
            await conn.execute(
                insert(poll_ballots),
                [{"poll_id": poll.id, "voter": voter, "choice": c} for c in sorted(choices)],
            )

    async def tally(self, conn: AsyncConnection, poll: Poll, *, names: bool = False) -> Tally:
        rows = (
            await conn.execute(
                select(poll_ballots.c.choice, func.count())
                .where(poll_ballots.c.poll_id == poll.id)
                .group_by(poll_ballots.c.choice)
            )
        ).all()
        by_choice = {int(c): int(n) for c, n in rows}
        voters = (
            await conn.execute(
                select(func.count(func.distinct(poll_ballots.c.voter))).where(
                    poll_ballots.c.poll_id == poll.id
                )
            )
        ).scalar_one()
        counts = tuple(by_choice.get(i, 0) for i in range(len(poll.options)))
        who: tuple[tuple[str, ...], ...] = ()
        if names and not poll.anonymous:
            listed: list[list[str]] = [[] for _ in poll.options]
            for voter, choice in await conn.execute(
                select(poll_ballots.c.voter, poll_ballots.c.choice)
                .where(poll_ballots.c.poll_id == poll.id)
                .order_by(poll_ballots.c.voter)
            ):
                if 0 <= choice < len(listed):
                    listed[choice].append(voter)
            who = tuple(tuple(names_) for names_ in listed)
        return Tally(counts, int(voters), who)

    async def voters(self, conn: AsyncConnection, poll: Poll) -> set[str]:
        rows = await conn.execute(
            select(poll_ballots.c.voter).where(poll_ballots.c.poll_id == poll.id).distinct()
        )
        return {r[0] for r in rows}

    # -- who may create ---------------------------------------------------------------------
    async def organizers_only(self, where: ConversationRef) -> bool:
        async with self.engine.connect() as conn:
            found = (
                await conn.execute(
                    select(poll_groups.c.organizers_only).where(
                        (poll_groups.c.community_id == community_key(where))
                        & (poll_groups.c.channel == where.channel)
                    )
                )
            ).scalar()
        return bool(found)

    async def set_organizers_only(self, where: ConversationRef, on: bool) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                delete(poll_groups).where(
                    (poll_groups.c.community_id == community_key(where))
                    & (poll_groups.c.channel == where.channel)
                )
            )
            if on:
                await conn.execute(
                    insert(poll_groups).values(
                        community_id=community_key(where),
                        channel=where.channel,
                        organizers_only=1,
                    )
                )

    # -- recurring series ---------------------------------------------------------------
    async def add_series(self, conn: AsyncConnection, values: dict[str, Any]) -> int:
        made = await conn.execute(insert(poll_series).values(**values))
        key = made.inserted_primary_key
        assert key is not None
        return int(key[0])

    async def stop_series(self, series_id: int) -> None:
        """No more occurrences: the series is stopped and its timer gone."""
        async with self.engine.begin() as conn:
            await conn.execute(
                update(poll_series).where(poll_series.c.id == series_id).values(status="stopped")
            )
            await self.timers.cancel(conn, FEATURE, REPEAT, str(series_id))

    async def series(self, conn: AsyncConnection, series_id: int) -> Any:
        return (
            await conn.execute(select(poll_series).where(poll_series.c.id == series_id))
        ).first()

    async def waiting_series(self, where: ConversationRef) -> list[tuple[str, int, datetime]]:
        """The channel's recurring polls with none of their polls open (between two
        times, when each closes before the next is asked): each one's question, its
        latest poll's number (which `poll stop` takes) and when it is asked next."""
        latest = (
            select(func.max(polls.c.id))
            .where(polls.c.series_id == poll_series.c.id)
            .scalar_subquery()
        )
        open_series = select(polls.c.series_id).where(
            (polls.c.status == "open") & polls.c.series_id.is_not(None)
        )
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(poll_series.c.template, latest.label("latest"), timers.c.due_at)
                .join(
                    timers,
                    (timers.c.feature == FEATURE)
                    & (timers.c.kind == REPEAT)
                    & (timers.c.key == cast(poll_series.c.id, String)),
                )
                .where(
                    (poll_series.c.community_id == community_key(where))
                    & (poll_series.c.channel == where.channel)
                    & (poll_series.c.status == "active")
                    & poll_series.c.id.not_in(open_series)
                )
                .order_by(timers.c.due_at, poll_series.c.id)
            )
            return [
                (json.loads(r.template)["question"], int(r.latest), r.due_at)
                for r in rows
                if r.latest is not None
            ]

    async def template(self, conn: AsyncConnection, series_id: int) -> dict[str, Any]:
        row = await self.series(conn, series_id)
        return dict(json.loads(row.template)) if row else {}
