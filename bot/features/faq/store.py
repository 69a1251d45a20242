"""The FAQ's records: published entries (searchable as soon as they are written: the
full-text index follows the table, see migration 0020), proposals waiting for consent,
and the community's FAQ channel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.clock import Clock
from bot.features.faq.tables import faq_channels, faq_entries, faq_proposals
from bot.intents import Intent, Tag
from bot.storage.upsert import insert_ignoring_duplicates

PAGE = 10  # entries a page of `faq list`


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    question: str
    answer: str
    topic: str | None
    grade: str | None
    language: str
    channel_id: str | None = None
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class Proposal:
    id: int
    community_id: int
    question: str
    answer: str
    topic: str | None
    grade: str | None
    language: str
    question_id: int | None
    asker_id: str | None
    asker_token: str | None
    proposed_by: str
    status: str


@dataclass(frozen=True, slots=True)
class FaqPosted(Tag):
    """On an entry's post in the FAQ channel: which entry, so its receipt notes where."""

    entry_id: int


def _entry(row: Any) -> Entry:
    return Entry(
        row.id,
        row.question,
        row.answer,
        row.topic,
        row.grade,
        row.language,
        row.channel_id,
        row.message_id,
    )


class FaqStore:
    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self.engine = engine
        self._clock = clock

    async def add(
        self,
        conn: AsyncConnection,
        community_id: int,
        *,
        question: str,
        answer: str,
        topic: str | None,
        grade: str | None,
        language: str,
        created_by: str | None,
        question_id: int | None = None,
    ) -> Entry:
        """Publish an entry (in the caller's transaction): searchable once committed."""
        now = self._clock.now()
        entry_id = (
            await conn.execute(
                insert(faq_entries)
                .values(
                    community_id=community_id,
                    question=question,
                    answer=answer,
                    topic=topic,
                    grade=grade,
                    language=language,
                    question_id=question_id,
                    created_by=created_by,
                    created_at=now,
                    updated_at=now,
                )
                .returning(faq_entries.c.id)
            )
        ).scalar_one()
        return Entry(int(entry_id), question, answer, topic, grade, language)

    async def get(self, community_id: int, entry_id: int) -> Entry | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(faq_entries).where(
                        (faq_entries.c.id == entry_id)
                        & (faq_entries.c.community_id == community_id)
                    )
                )
            ).first()
        return _entry(row) if row else None

    async def edit(self, community_id: int, entry_id: int, changes: dict[str, Any]) -> Entry | None:
        """New words or tags for an entry; the index follows (SQLite's trigger, or
        PostgreSQL's generated column)."""
        where = (faq_entries.c.id == entry_id) & (faq_entries.c.community_id == community_id)
        async with self.engine.begin() as conn:
            done = await conn.execute(
                update(faq_entries).where(where).values(**changes, updated_at=self._clock.now())
            )
            if not done.rowcount:
                return None
            row = (await conn.execute(select(faq_entries).where(where))).one()
        return _entry(row)

    async def remove(self, community_id: int, entry_id: int) -> Entry | None:
        found = await self.get(community_id, entry_id)
        if found is None:
            return None
        async with self.engine.begin() as conn:
            await conn.execute(delete(faq_entries).where(faq_entries.c.id == found.id))
        return found

    async def page(self, community_id: int, number: int) -> tuple[list[Entry], int]:
        """Page `number` (from 1) of the community's entries, newest first, and the total."""
        mine = faq_entries.c.community_id == community_id
        async with self.engine.connect() as conn:
            total = int(
                (
                    await conn.execute(select(func.count()).select_from(faq_entries).where(mine))
                ).scalar_one()
            )
            rows = await conn.execute(
                select(faq_entries)
                .where(mine)
                .order_by(faq_entries.c.id.desc())
                .limit(PAGE)
                .offset((number - 1) * PAGE)
            )
            return [_entry(r) for r in rows], total

    async def channel(self, community_id: int) -> str | None:
        async with self.engine.connect() as conn:
            return (
                await conn.execute(
                    select(faq_channels.c.channel_id).where(
                        faq_channels.c.community_id == community_id
                    )
                )
            ).scalar_one_or_none()

    async def set_channel(self, community_id: int, channel_id: str) -> None:
        async with self.engine.begin() as conn:
            now = self._clock.now()
            await insert_ignoring_duplicates(
                conn,
                faq_channels,
                [{"community_id": community_id, "channel_id": channel_id, "updated_at": now}],
            )
            await conn.execute(
                update(faq_channels)
                .where(faq_channels.c.community_id == community_id)
                .values(channel_id=channel_id, updated_at=now)
            )

    async def posted(
        self, conn: AsyncConnection, intent: Intent, tag: FaqPosted, delivered: str | None
    ) -> list[Intent]:
        """Receipt: where the entry's post landed (a forum post's ID is its thread's)."""
        channel = getattr(getattr(intent, "to", None), "channel", None)
        await conn.execute(
            update(faq_entries)
            .where(faq_entries.c.id == tag.entry_id)
            .values(channel_id=channel, message_id=delivered)
        )
        return []

    # Proposals

    async def propose(self, conn: AsyncConnection, values: dict[str, Any]) -> int:
        proposal_id = (
            await conn.execute(
                insert(faq_proposals)
                .values(**values, status="waiting", created_at=self._clock.now())
                .returning(faq_proposals.c.id)
            )
        ).scalar_one()
        return int(proposal_id)

    async def set_token(self, conn: AsyncConnection, proposal_id: int, token: str) -> None:
        await conn.execute(
            update(faq_proposals).where(faq_proposals.c.id == proposal_id).values(asker_token=token)
        )

    async def proposal(self, conn: AsyncConnection, proposal_id: int) -> Proposal | None:
        row = (
            await conn.execute(select(faq_proposals).where(faq_proposals.c.id == proposal_id))
        ).first()
        if row is None:
            return None
        return Proposal(
            row.id,
            row.community_id,
            row.question,
            row.answer,
            row.topic,
            row.grade,
            row.language,
            row.question_id,
            row.asker_id,
            row.asker_token,
            row.proposed_by,
            row.status,
        )

    async def decide(self, conn: AsyncConnection, proposal_id: int, status: str) -> bool:
        """Settle a waiting proposal; False when it was settled already (a second press,
        or another replica's): the first to change its row wins."""
        done = await conn.execute(
            update(faq_proposals)
            .where((faq_proposals.c.id == proposal_id) & (faq_proposals.c.status == "waiting"))
            .values(status=status, decided_at=self._clock.now())
        )
        return bool(done.rowcount)

    async def link(self, conn: AsyncConnection, proposal_id: int, entry_id: int) -> None:
        await conn.execute(
            update(faq_proposals).where(faq_proposals.c.id == proposal_id).values(entry_id=entry_id)
        )
