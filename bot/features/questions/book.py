"""The routing book: what routing a new question reads, a community at a time, kept in
memory so that asking reads no rows for it.

A question's acknowledgement says who will look at it and by when, so it waits on the
routing: the rules, whether the liaison is away (and their backup), their office hours
and time away for the promise, whether they agreed to be named, and whether the asker
is blocked. Read per question that was about nine queries (bench/questions.py); here a
community's whole book loads in five, on its first question, and serves every question
after it.

It stays true through change events (`Directory.changed`): each command that changes
any of it (`route add/fallback/remove`, `queue named`, `queue block`, `hours set`,
`away until/end`, `me delete`) announces the change after its commit, and a book read
under an older generation is read again on its next use. Changes made by another
replica are seen after the directory's cache time (`cache_ttl_seconds`), as its roles
are.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock
from bot.directory import Directory
from bot.features.office_hours import store as hours_store
from bot.features.office_hours.calendar import Away, OfficeHours, away_at
from bot.features.questions import store
from bot.features.questions.tables import question_blocks, question_liaisons
from bot.refs import CommunityRef


@dataclass(frozen=True, slots=True)
class Book:
    """A community's routing rules, liaisons' choices, calendars and blocked senders."""

    routes: tuple[store.Route, ...] = ()
    named: frozenset[str] = frozenset()  # liaisons who agreed to be named
    hours: Mapping[str, OfficeHours] = field(default_factory=dict)
    away: Mapping[str, tuple[Away, ...]] = field(default_factory=dict)
    blocked: frozenset[str] = frozenset()  # anonymity tokens of blocked senders

    def away_backup(self, member_id: str, now: datetime) -> str | None:
        """None when the member is not away at `now`; else the backup they named for it
        ('' when they named none)."""
        away = away_at(now, [a for a in self.away.get(member_id, ()) if a.until > now])
        if away is None:
            return None
        return away.backup or ""


async def read_book(engine: AsyncEngine, community_id: int) -> Book:
    async with engine.connect() as conn:
        routes = await store.routes(conn, community_id)
        named = await conn.execute(
            select(question_liaisons.c.user_id).where(
                (question_liaisons.c.community_id == community_id) & question_liaisons.c.named
            )
        )
        blocked = await conn.execute(
            select(question_blocks.c.asker_token).where(
                question_blocks.c.community_id == community_id
            )
        )
        hours, away = await hours_store.community_calendars(conn, community_id)
    return Book(
        routes=tuple(routes),
        named=frozenset(str(m) for m in named.scalars()),
        hours=hours,
        away={member: tuple(periods) for member, periods in away.items()},
        blocked=frozenset(str(t) for t in blocked.scalars()),
    )


class Books:
    """Each community's book, loaded once per change (one load shared by the questions
    that arrive while it runs)."""

    def __init__(
        self, engine: AsyncEngine, directory: Directory, clock: Clock, ttl_seconds: float
    ) -> None:
        self._engine = engine
        self._directory = directory
        self._clock = clock
        self._ttl = ttl_seconds
        # community -> (generation it was read under, read at, the book)
        self._books: dict[CommunityRef, tuple[int, float, Book]] = {}
        self._loading: dict[tuple[CommunityRef, int], asyncio.Future[Book]] = {}
        self.loads = 0  # how many times a book was read from the database (tests count)

    async def of(self, ref: CommunityRef) -> Book:
        generation = self._directory.generation(ref)
        cached = self._books.get(ref)
        if (
            cached is not None
            and cached[0] == generation
            and self._clock.monotonic() - cached[1] < self._ttl
        ):
            return cached[2]
        key = (ref, generation)
        loading = self._loading.get(key)
        if loading is None:
            loading = asyncio.ensure_future(self._load(ref, generation))
            self._loading[key] = loading
            loading.add_done_callback(partial(self._loaded, key))
        return await asyncio.shield(loading)

    async def _load(self, ref: CommunityRef, generation: int) -> Book:
        # The generation is taken before the read: a change committed while it runs
        # leaves this book stale (read again next time), never kept as current.
        stamp = self._clock.monotonic()
        community = await self._directory.community(ref)
        book = await read_book(self._engine, community.id)
        self.loads += 1
        self._books[ref] = (generation, stamp, book)
        return book

    def _loaded(self, key: tuple[CommunityRef, int], loading: asyncio.Future[Book]) -> None:
        if self._loading.get(key) is loading:
            del self._loading[key]
        if not loading.cancelled():
            loading.exception()  # read: each caller awaiting it gets the error itself
