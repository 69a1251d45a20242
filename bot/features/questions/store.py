"""Reading and writing questions, routes, notes and blocks (in the caller's
transaction, so what a handler changes commits with what it stages)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features.questions.model import Question
from bot.features.questions.tables import (
    question_blocks,
    question_liaisons,
    question_notes,
    question_routes,
    questions,
)
from bot.refs import NO_COMMUNITY
from bot.storage.tables import communities


@dataclass(frozen=True, slots=True)
class Route:
    id: int
    topic: str | None
    grade: str | None
    language: str | None
    liaison_id: str
    backup_id: str | None
    reply_within_minutes: int | None
    created_by: str = ""
    escalate_to: str | None = None
    escalate_role: str | None = None

    @property
    def is_fallback(self) -> bool:
        return self.topic is None and self.grade is None and self.language is None

    @property
    def weight(self) -> int:
        """How specific the rule is: topic counts most, then grade, then language."""
        return (
            4 * (self.topic is not None)
            + 2 * (self.grade is not None)
            + (self.language is not None)
        )

    def fits(self, topic: str, grade: str | None, language: str) -> bool:
        return (
            self.topic in (None, topic)
            and self.grade in (None, grade)
            and self.language in (None, language)
        )


def _selected() -> Select[Any]:
    return select(
        *questions.c,
        communities.c.platform.label("c_platform"),
        communities.c.external_id.label("c_ext"),
    ).join(communities, communities.c.id == questions.c.community_id)


async def get(conn: AsyncConnection, community_id: int, question_id: int) -> Question | None:
    row = (
        await conn.execute(
            _selected().where(
                (questions.c.id == question_id) & (questions.c.community_id == community_id)
            )
        )
    ).first()
    return Question.of(row) if row else None


async def by_id(conn: AsyncConnection, question_id: int) -> Question | None:
    row = (await conn.execute(_selected().where(questions.c.id == question_id))).first()
    return Question.of(row) if row else None


async def where(
    conn: AsyncConnection, condition: ColumnElement[bool], limit: int | None = None
) -> list[Question]:
    query = _selected().where(condition).order_by(questions.c.id)
    if limit is not None:
        query = query.limit(limit)
    return [Question.of(r) for r in await conn.execute(query)]


def askers(community_id: int, member_id: str, token: str) -> ColumnElement[bool]:
    """A member's questions: named ones by ID, anonymous ones by their token."""
    mine: ColumnElement[bool] = (questions.c.community_id == community_id) & (
        (questions.c.asker_id == member_id) | (questions.c.asker_token == token)
    )
    return mine


async def communities_on(conn: AsyncConnection, platform: str) -> list[tuple[int, str]]:
    """Every community of a platform: its row ID and the platform's own ID (never the
    stand-in community of direct messages that belong to none)."""
    rows = await conn.execute(
        select(communities.c.id, communities.c.external_id)
        .where((communities.c.platform == platform) & (communities.c.external_id != NO_COMMUNITY))
        .order_by(communities.c.id)
    )
    return [(int(r.id), str(r.external_id)) for r in rows]


async def add(conn: AsyncConnection, **values: Any) -> int:
    values.setdefault("paused_seconds", 0)
    values.setdefault("escalation", 0)
    values.setdefault("reminded", False)
    return _new_id(await conn.execute(insert(questions).values(**values)))


def _new_id(result: Any) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


async def change(conn: AsyncConnection, question_id: int, **values: Any) -> None:
    await conn.execute(update(questions).where(questions.c.id == question_id).values(**values))


async def note(
    conn: AsyncConnection,
    question_id: int,
    kind: str,
    author_id: str | None,
    text: str,
    at: datetime,
    as_team: bool = False,
) -> None:
    await conn.execute(
        insert(question_notes).values(
            question_id=question_id,
            kind=kind,
            author_id=author_id,
            text=text,
            as_team=as_team,
            created_at=at,
        )
    )


async def notes(conn: AsyncConnection, question_id: int) -> list[Any]:
    return list(
        await conn.execute(
            select(question_notes)
            .where(question_notes.c.question_id == question_id)
            .order_by(question_notes.c.id)
        )
    )


async def last_answer(conn: AsyncConnection, question_id: int) -> str | None:
    found = await conn.scalar(
        select(question_notes.c.text)
        .where((question_notes.c.question_id == question_id) & (question_notes.c.kind == "answer"))
        .order_by(question_notes.c.id.desc())
        .limit(1)
    )
    return None if found is None else str(found)


# -- routes -----------------------------------------------------------------------------
def _route(row: Any) -> Route:
    r = row._mapping
    return Route(
        r["id"],
        r["topic"],
        r["grade"],
        r["language"],
        r["liaison_id"],
        r["backup_id"],
        r["reply_within_minutes"],
        r["created_by"],
        r["escalate_to"],
        r["escalate_role"],
    )


async def routes(conn: AsyncConnection, community_id: int) -> list[Route]:
    rows = await conn.execute(
        select(question_routes)
        .where(question_routes.c.community_id == community_id)
        .order_by(question_routes.c.id)
    )
    return [_route(r) for r in rows]


async def route(conn: AsyncConnection, community_id: int, route_id: int) -> Route | None:
    row = (
        await conn.execute(
            select(question_routes).where(
                (question_routes.c.id == route_id)
                & (question_routes.c.community_id == community_id)
            )
        )
    ).first()
    return _route(row) if row else None


def matching(found: Sequence[Route], topic: str, grade: str | None, language: str) -> list[Route]:
    """The rules that fit, most specific first (topic > grade > language), then oldest."""
    fitting = [r for r in found if r.fits(topic, grade, language)]
    return sorted(fitting, key=lambda r: (-r.weight, r.id))


async def add_route(conn: AsyncConnection, **values: Any) -> int:
    return _new_id(await conn.execute(insert(question_routes).values(**values)))


async def remove_route(conn: AsyncConnection, community_id: int, route_id: int) -> bool:
    gone = await conn.execute(
        delete(question_routes).where(
            (question_routes.c.id == route_id) & (question_routes.c.community_id == community_id)
        )
    )
    return bool(gone.rowcount)


async def remove_fallbacks(conn: AsyncConnection, community_id: int) -> None:
    await conn.execute(
        delete(question_routes).where(
            (question_routes.c.community_id == community_id)
            & question_routes.c.topic.is_(None)
            & question_routes.c.grade.is_(None)
            & question_routes.c.language.is_(None)
        )
    )


# -- liaisons' choices and blocks -------------------------------------------------------
async def named(conn: AsyncConnection, community_id: int, member_id: str) -> bool:
    found = await conn.scalar(
        select(question_liaisons.c.named).where(
            (question_liaisons.c.community_id == community_id)
            & (question_liaisons.c.user_id == member_id)
        )
    )
    return bool(found)


async def set_named(conn: AsyncConnection, community_id: int, member_id: str, value: bool) -> None:
    await conn.execute(
        delete(question_liaisons).where(
            (question_liaisons.c.community_id == community_id)
            & (question_liaisons.c.user_id == member_id)
        )
    )
    await conn.execute(
        insert(question_liaisons).values(community_id=community_id, user_id=member_id, named=value)
    )


async def blocked(conn: AsyncConnection, community_id: int, token: str) -> bool:
    found = await conn.scalar(
        select(question_blocks.c.asker_token).where(
            (question_blocks.c.community_id == community_id)
            & (question_blocks.c.asker_token == token)
        )
    )
    return found is not None


async def block(
    conn: AsyncConnection, community_id: int, token: str, by: str, at: datetime
) -> bool:
    if await blocked(conn, community_id, token):
        return False
    await conn.execute(
        insert(question_blocks).values(
            community_id=community_id, asker_token=token, blocked_by=by, created_at=at
        )
    )
    return True
