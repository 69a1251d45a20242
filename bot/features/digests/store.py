"""Reading and writing digests: the snapshot a draft is made of, dropping an item,
publishing. Every write runs in the caller's transaction (`conn`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features.digests.material import Material
from bot.features.digests.tables import digest_items, digest_topics, digests
from bot.refs import CommunityRef, ConversationRef
from bot.storage.tables import communities

Credit = Literal["names", "initials", "none"]
GroupBy = Literal["question", "role"]
# Rows written per statement: a chat of thousands of answers goes in a few inserts, and
# the loop gets a turn between them.
BATCH = 500


@dataclass(frozen=True, slots=True)
class Digest:
    """A digest's header, with where it lives as a ConversationRef."""

    id: int
    where: ConversationRef
    kind: str
    source_id: str
    title: str
    status: str
    credit: Credit
    group_by: GroupBy
    started_at: datetime
    ended_at: datetime
    created_by: str | None
    created_at: datetime
    published_at: datetime | None

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"


@dataclass(frozen=True, slots=True)
class TopicRow:
    position: int
    label: str
    text: str
    link: str | None


@dataclass(frozen=True, slots=True)
class ItemRow:
    number: int
    topic: int
    author_id: str | None
    text: str
    link: str | None
    reactions: int
    role: str | None
    dropped: bool


async def community_ref(conn: AsyncConnection, community_id: int) -> CommunityRef:
    row = (
        await conn.execute(
            select(communities.c.platform, communities.c.external_id).where(
                communities.c.id == community_id
            )
        )
    ).one()
    return CommunityRef(row.platform, row.external_id)


async def insert_draft(
    conn: AsyncConnection,
    material: Material,
    *,
    now: datetime,
    created_by: str | None,
    credit: Credit = "names",
    group_by: GroupBy = "question",
) -> int:
    """Copy the material into a new draft; its ID. Items are numbered 1, 2, ... in the
    order of the questions, each question's oldest first."""
    digest_id = (
        await conn.execute(
            insert(digests)
            .values(
                community_id=material.community_id,
                channel=material.channel,
                kind=material.kind,
                source_id=material.source_id,
                title=material.title,
                status="draft",
                credit=credit,
                grouping=group_by,
                started_at=material.started_at,
                ended_at=material.ended_at,
                created_by=created_by,
                created_at=now,
            )
            .returning(digests.c.id)
        )
    ).scalar_one()
    if material.topics:
        await conn.execute(
            insert(digest_topics),
            [
                {
                    "digest_id": digest_id,
                    "position": position,
                    "label": topic.label,
                    "text": topic.text,
                    "link": topic.link,
                }
                for position, topic in enumerate(material.topics)
            ],
        )
    batch: list[dict[str, Any]] = []
    number = 0
    for position, topic in enumerate(material.topics):
        for c in topic.contributions:
            number += 1
            batch.append(
                {
                    "digest_id": digest_id,
                    "number": number,
                    "topic": position,
                    "author_id": c.author_id,
                    "text": c.text,
                    "at": c.at,
                    "link": c.link,
                    "reactions": c.reactions,
                    # Anonymous content keeps no role: in a group with one liaison,
                    # "from the school" would say who wrote it.
                    "role": c.role if c.author_id is not None else None,
                    "dropped": 0,
                }
            )
            if len(batch) >= BATCH:
                await conn.execute(insert(digest_items), batch)
                batch = []
    if batch:
        await conn.execute(insert(digest_items), batch)
    return int(digest_id)


def _digest(row: Any) -> Digest:
    return Digest(
        id=row.id,
        where=ConversationRef(row.platform, row.community, row.channel),
        kind=row.kind,
        source_id=row.source_id,
        title=row.title,
        status=row.status,
        credit=row.credit,
        group_by=row.grouping,
        started_at=row.started_at,
        ended_at=row.ended_at,
        created_by=row.created_by,
        created_at=row.created_at,
        published_at=row.published_at,
    )


def _with_names() -> Any:
    return select(
        digests, communities.c.platform, communities.c.external_id.label("community")
    ).join(communities, communities.c.id == digests.c.community_id)


async def get(conn: AsyncConnection, digest_id: int, community: CommunityRef) -> Digest | None:
    """The digest with this ID in this community (None elsewhere: IDs are not shared)."""
    row = (
        await conn.execute(
            _with_names().where(
                (digests.c.id == digest_id)
                & (communities.c.platform == community.platform)
                & (communities.c.external_id == community.community)
            )
        )
    ).first()
    return None if row is None else _digest(row)


async def latest(
    conn: AsyncConnection, where: ConversationRef, *, status: str = "published"
) -> Digest | None:
    """The newest digest of a group with this status."""
    row = (
        await conn.execute(
            _with_names()
            .where(
                (communities.c.platform == where.platform)
                & (communities.c.external_id == where.community)
                & (digests.c.channel == where.channel)
                & (digests.c.status == status)
            )
            .order_by(digests.c.published_at.desc(), digests.c.id.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else _digest(row)


async def published_in(conn: AsyncConnection, where: ConversationRef) -> list[Digest]:
    """Every published digest of a group, oldest first: the group's archive."""
    found = await conn.execute(
        _with_names()
        .where(
            (communities.c.platform == where.platform)
            & (communities.c.external_id == where.community)
            & (digests.c.channel == where.channel)
            & (digests.c.status == "published")
        )
        .order_by(digests.c.published_at, digests.c.id)
    )
    return [_digest(row) for row in found]


async def drafts_in(conn: AsyncConnection, community: CommunityRef) -> list[Digest]:
    found = await conn.execute(
        _with_names()
        .where(
            (communities.c.platform == community.platform)
            & (communities.c.external_id == community.community)
            & (digests.c.status == "draft")
        )
        .order_by(digests.c.id)
    )
    return [_digest(row) for row in found]


async def topics(conn: AsyncConnection, digest_id: int) -> list[TopicRow]:
    found = await conn.execute(
        select(digest_topics)
        .where(digest_topics.c.digest_id == digest_id)
        .order_by(digest_topics.c.position)
    )
    return [TopicRow(r.position, r.label, r.text, r.link) for r in found]


async def items(conn: AsyncConnection, digest_id: int, chunk: int = BATCH) -> list[ItemRow]:
    """A digest's items in order, read `chunk` rows at a time so a long digest gives the
    event loop a turn between them."""
    c = digest_items.c  # not `at`: shown nowhere, and 20,000 times a date to convert
    result = await conn.stream(
        select(c.number, c.topic, c.author_id, c.text, c.link, c.reactions, c.role, c.dropped)
        .where(c.digest_id == digest_id)
        .order_by(c.number)
    )
    found: list[ItemRow] = []
    async for part in result.partitions(chunk):
        found.extend(
            ItemRow(
                r.number,
                r.topic,
                r.author_id,
                r.text,
                r.link,
                r.reactions,
                r.role,
                bool(r.dropped),
            )
            for r in part
        )
    return found


async def counts(conn: AsyncConnection, digest_id: int) -> tuple[int, int]:
    """(questions, items kept) of a digest."""
    questions = await conn.scalar(
        select(func.count())
        .select_from(digest_topics)
        .where(digest_topics.c.digest_id == digest_id)
    )
    kept = await conn.scalar(
        select(func.count())
        .select_from(digest_items)
        .where((digest_items.c.digest_id == digest_id) & (digest_items.c.dropped == 0))
    )
    return int(questions or 0), int(kept or 0)


async def drop(conn: AsyncConnection, digest_id: int, number: int) -> bool:
    """Leave an item out of a draft; False when it was already left out."""
    done = await conn.execute(
        update(digest_items)
        .where(
            (digest_items.c.digest_id == digest_id)
            & (digest_items.c.number == number)
            & (digest_items.c.dropped == 0)
        )
        .values(dropped=1)
    )
    return bool(done.rowcount)


async def mark_published(conn: AsyncConnection, digest_id: int, now: datetime) -> bool:
    """Publish a draft; False when it was published already (a double press)."""
    done = await conn.execute(
        update(digests)
        .where((digests.c.id == digest_id) & (digests.c.status == "draft"))
        .values(status="published", published_at=now)
    )
    return bool(done.rowcount)


async def has_item(conn: AsyncConnection, digest_id: int, number: int) -> bool:
    found = await conn.scalar(
        select(func.count())
        .select_from(digest_items)
        .where((digest_items.c.digest_id == digest_id) & (digest_items.c.number == number))
    )
    return bool(found)


async def community_id_of(conn: AsyncConnection, digest_id: int) -> int:
    return int(
        (
            await conn.execute(select(digests.c.community_id).where(digests.c.id == digest_id))
        ).scalar_one()
    )
