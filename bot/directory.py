"""Communities, their groups, and members' roles and preferences.

Every command checks a role and picks a language, so these reads are on the hot path.
They are served from a short-lived cache (the database stays the truth): writes made
here update the cache at once, and entries expire after CACHE_TTL_SECONDS so changes
made by another replica are seen soon after.

Members' profiles are cached a community at a time (a "roster"): its role holders,
preferences and remembered locales load in ONE query, shared by every command that
arrives while it runs, and a member not in it is a parent with no preferences. So a
community's new members never wait on a read of their own (measured once at 1.3-1.6 ms
each, the bulk of a first command). The roster stays fresh through change events: a
grant, a revoke or a remembered locale updates it in place, and `forget` (a member's
preferences or data changed elsewhere: `me settings`, `me delete`) drops it, so the next
command reloads the community in one query.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from functools import cache, partial
from typing import Any

from sqlalchemy import (
    bindparam,
    delete,
    insert,
    literal,
    null,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.clock import Clock
from bot.people import People
from bot.refs import CommunityRef, MemberRef
from bot.storage.backlog import Backlog
from bot.storage.batcher import Batcher
from bot.storage.places import community_named
from bot.storage.sqlite_steps import Step, Values
from bot.storage.tables import communities, groups, member_locales, member_roles, members
from bot.storage.upsert import ignoring_duplicates_step, insert_ignoring_duplicates
from bot.storage.writer import Plan, compiled


class Role(StrEnum):
    """What a member may do. Every member is a parent; the others are granted."""

    PARENT = "parent"
    LIAISON = "liaison"
    ORGANIZER = "organizer"


GRANTABLE_ROLES = (Role.LIAISON, Role.ORGANIZER)


class GroupPurpose(StrEnum):
    PARENTS = "parents"
    LIAISONS = "liaisons"


@dataclass(frozen=True, slots=True)
class CommunitySettings:
    id: int
    ref: CommunityRef
    timezone: str
    languages: tuple[str, ...]
    groups: dict[GroupPurpose, tuple[str, ...]] = field(default_factory=dict)

    @property
    def default_language(self) -> str:
        return self.languages[0]

    @property
    def queue_channel(self) -> str | None:
        channels = self.groups.get(GroupPurpose.LIAISONS, ())
        return channels[0] if channels else None


@dataclass(frozen=True, slots=True)
class MemberProfile:
    ref: MemberRef
    roles: frozenset[Role]
    language: str | None = None
    timezone: str | None = None
    locale: str | None = None  # what their platform last said; `language` is their choice
    # Whether the bot may start DMs with them, and when not (bot.dm_gate reads these).
    dm_off: bool = False
    quiet_hours: str | None = None  # "21:00-07:00", in their zone
    paused_until: str | None = None  # YYYY-MM-DD, in their zone


_PARENT = frozenset({Role.PARENT})  # the roles of a member with none granted


class Directory:
    """Reads and writes community settings, groups and member roles."""

    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        *,
        default_language: str,
        default_timezone: str,
        ttl_seconds: float,
        write_turn: asyncio.Lock | None = None,
        backlog: Backlog | None = None,
    ) -> None:
        self._engine = engine
        self._locales: Batcher[tuple[int, str, str], None] = Batcher(
            engine,
            self._write_locales,
            "member_locales",
            clock,
            write_turn,
            backlog=backlog,
            sync=_write_locales_sqlite,
        )
        self._clock = clock
        self._default_language = default_language
        self._default_timezone = default_timezone
        self._ttl = ttl_seconds
        self._communities: dict[CommunityRef, tuple[float, CommunitySettings]] = {}
        # community -> (loaded at, user ID -> profile of members with any row)
        self._rosters: dict[CommunityRef, tuple[float, dict[str, MemberProfile]]] = {}
        self._loading: dict[CommunityRef, asyncio.Future[dict[str, MemberProfile]]] = {}
        # Bumped by `forget`: a roster read before the change is not kept after it.
        self._changes: dict[CommunityRef, int] = {}
        # Bumped by `forget` and `changed`: what a feature caches of a community (the
        # questions feature's routing rules and liaisons' hours) is read afresh after it.
        self._generations: dict[CommunityRef, int] = {}
        self.people = People()  # what the platforms themselves know of members

    def _fresh(self, stamp: float) -> bool:
        return self._clock.monotonic() - stamp < self._ttl

    async def community(self, ref: CommunityRef) -> CommunitySettings:
        """The community's settings, creating its row the first time we hear from it."""
        cached = self._communities.get(ref)
        if cached and self._fresh(cached[0]):
            return cached[1]
        async with self._engine.begin() as conn:
            settings = await self._load_community(conn, ref)
        self._communities[ref] = (self._clock.monotonic(), settings)
        return settings

    async def _load_community(self, conn: AsyncConnection, ref: CommunityRef) -> CommunitySettings:
        where = community_named(ref)
        row = (await conn.execute(select(communities).where(where))).first()
        if row is None:
            # Two first requests from a new workspace can race here: insert only if new.
            now = self._clock.now()
            await insert_ignoring_duplicates(
                conn,
                communities,
                [
                    {
                        "platform": ref.platform,
                        "external_id": ref.community,
                        "created_at": now,
                        "updated_at": now,
                    }
                ],
            )
            row = (await conn.execute(select(communities).where(where))).one()
        group_rows = await conn.execute(
            select(groups.c.purpose, groups.c.channel_id)
            .where(groups.c.community_id == row.id)
            .order_by(groups.c.id)
        )
        by_purpose: dict[GroupPurpose, list[str]] = {}
        for purpose, channel in group_rows:
            by_purpose.setdefault(GroupPurpose(purpose), []).append(channel)
        languages = tuple(filter(None, (row.languages or "").split(","))) or (
            self._default_language,
        )
        return CommunitySettings(
            id=row.id,
            ref=ref,
            timezone=row.timezone or self._default_timezone,
            languages=languages,
            groups={purpose: tuple(chs) for purpose, chs in by_purpose.items()},
        )

    async def update_community(
        self,
        ref: CommunityRef,
        *,
        timezone: str | None = None,
        languages: tuple[str, ...] | None = None,
        queue_channel: str | None = None,
        parent_group: str | None = None,
    ) -> CommunitySettings:
        """Apply `setup` changes in one transaction and return the new settings."""
        current = await self.community(ref)
        now = self._clock.now()
        async with self._engine.begin() as conn:
            values: dict[str, object] = {"updated_at": now}
            if timezone:
                values["timezone"] = timezone
            if languages:
                values["languages"] = ",".join(languages)
            await conn.execute(
                update(communities).where(communities.c.id == current.id).values(**values)
            )
            if queue_channel:
                await conn.execute(
                    delete(groups).where(
                        (groups.c.community_id == current.id)
                        & (groups.c.purpose == GroupPurpose.LIAISONS.value)
                    )
                )
                await self._add_group(conn, current.id, queue_channel, GroupPurpose.LIAISONS, now)
            if parent_group and parent_group not in current.groups.get(GroupPurpose.PARENTS, ()):
                await self._add_group(conn, current.id, parent_group, GroupPurpose.PARENTS, now)
            settings = await self._load_community(conn, ref)
        self._communities[ref] = (self._clock.monotonic(), settings)
        return settings

    @staticmethod
    async def _add_group(
        conn: AsyncConnection, community_id: int, channel: str, purpose: GroupPurpose, at: datetime
    ) -> None:
        await conn.execute(
            insert(groups).values(
                community_id=community_id, channel_id=channel, purpose=purpose.value, created_at=at
            )
        )

    async def profile(self, ref: MemberRef) -> MemberProfile:
        """A member's granted roles and chosen preferences (everyone is a parent)."""
        roster = await self._roster(ref.community_ref)
        found = roster.get(ref.id)
        if found is None:
            return MemberProfile(ref=ref, roles=_PARENT)
        return found if found.ref == ref else replace(found, ref=ref)

    async def _roster(self, ref: CommunityRef) -> dict[str, MemberProfile]:
        cached = self._rosters.get(ref)
        if cached and self._fresh(cached[0]):
            return cached[1]
        loading = self._loading.get(ref)
        if loading is None:  # one load per community, whoever asks meanwhile
            loading = asyncio.ensure_future(self._load_roster(ref))
            self._loading[ref] = loading
            loading.add_done_callback(partial(self._loaded, ref))
        return await asyncio.shield(loading)

    def _loaded(self, ref: CommunityRef, loading: asyncio.Future[object]) -> None:
        if self._loading.get(ref) is loading:
            del self._loading[ref]
        if not loading.cancelled():
            loading.exception()  # read: each caller awaiting it gets the error itself

    async def _load_roster(self, ref: CommunityRef) -> dict[str, MemberProfile]:
        """Every member of the community with a role, preferences or a locale, in one
        query; again if `forget` changed something while it ran."""
        community = await self.community(ref)
        while True:
            changes = self._changes.get(ref, 0)
            roster = await self._read_roster(community)
            if self._changes.get(ref, 0) == changes:
                self._rosters[ref] = (self._clock.monotonic(), roster)
                return roster

    async def _read_roster(self, community: CommunitySettings) -> dict[str, MemberProfile]:
        cid = community.id
        rows = union_all(  # one round trip for the whole community
            select(
                literal("role").label("kind"),
                member_roles.c.user_id.label("user_id"),
                member_roles.c.role.label("a"),
                null().label("b"),
                null().label("c"),
                null().label("d"),
                null().label("e"),
            ).where(member_roles.c.community_id == cid),
            select(
                literal("prefs"),
                members.c.user_id,
                members.c.language,
                members.c.timezone,
                members.c.dm_off,
                members.c.quiet_hours,
                members.c.paused_until,
            ).where(members.c.community_id == cid),
            select(
                literal("locale"),
                member_locales.c.user_id,
                member_locales.c.locale,
                null(),
                null(),
                null(),
                null(),
            ).where(member_locales.c.community_id == cid),
        )
        async with self._engine.connect() as conn:
            found = (await conn.execute(rows)).all()
        roles: dict[str, set[Role]] = {}
        prefs: dict[str, tuple[object, ...]] = {}
        locales: dict[str, str] = {}
        for kind, user_id, *values in found:
            if kind == "role":
                roles.setdefault(user_id, set()).add(Role(values[0]))
            elif kind == "prefs":
                prefs[user_id] = tuple(values)
            else:
                locales[user_id] = values[0]
        roster: dict[str, MemberProfile] = {}
        for user_id in roles.keys() | prefs.keys() | locales.keys():
            language, timezone, dm_off, quiet, paused = prefs.get(user_id, (None,) * 5)
            roster[user_id] = MemberProfile(
                ref=MemberRef(community.ref.platform, community.ref.community, user_id),
                roles=frozenset(roles.get(user_id, set()) | {Role.PARENT}),
                language=language,  # type: ignore[arg-type]
                timezone=timezone,  # type: ignore[arg-type]
                locale=locales.get(user_id),
                dm_off=bool(dm_off),
                quiet_hours=quiet,  # type: ignore[arg-type]
                paused_until=paused,  # type: ignore[arg-type]
            )
        return roster

    def _change(self, ref: MemberRef, profile: MemberProfile | None) -> None:
        """A change event: this member's cached profile is now `profile` (None: read the
        community afresh on the next command)."""
        community = ref.community_ref
        cached = self._rosters.get(community)
        if profile is None:
            self._changes[community] = self._changes.get(community, 0) + 1
            self.changed(community)
            self._rosters.pop(community, None)
        elif cached is not None:
            cached[1][ref.id] = profile

    def changed(self, ref: CommunityRef) -> None:
        """A change event for what features cache of a community: called after the
        commit of a change (a routing rule, a liaison's office hours), so a cache stamped
        with the `generation` it read under is read afresh on its next use."""
        self._generations[ref] = self._generations.get(ref, 0) + 1

    def generation(self, ref: CommunityRef) -> int:
        """How many changes this process has made to the community (see `changed`):
        take it BEFORE reading what is cached, so a change committed meanwhile makes
        the read stale rather than lost."""
        return self._generations.get(ref, 0)

    def forget(self, ref: MemberRef) -> None:
        """Drop the cached profiles of a member whose preferences or data just changed
        (`me settings`, `me delete`), so this process reads them afresh at once: the
        member's community reloads, in one query, on its next command."""
        self._change(ref, None)

    async def remember_locale(self, ref: MemberRef, locale: str) -> None:
        """Keep the language a member's platform reports, so that notices written to them
        later (when they are not the one speaking) are in it. Only a change is written,
        and without waiting: a burst of new members shares group commits (`Batcher`), so
        answering them never waits on these writes. The cache knows it at once."""
        profile = await self.profile(ref)
        if profile.locale != locale[:16]:
            self.note_locale(profile, await self.community(ref.community_ref), locale)

    def note_locale(
        self, profile: MemberProfile, community: CommunitySettings, locale: str
    ) -> None:
        """`remember_locale` for a member whose profile and community the caller holds
        (the core, for every command: no second look-up of either)."""
        locale = locale[:16]
        if profile.locale == locale:
            return
        self._change(profile.ref, replace(profile, locale=locale))
        self._locales.submit((community.id, profile.ref.id, locale))

    async def flush(self) -> None:
        """Wait until every remembered locale is written (used on stop)."""
        await self._locales.drain()

    async def _write_locales(
        self, conn: AsyncConnection, rows: Sequence[tuple[int, str, str]]
    ) -> list[None]:
        if conn.dialect.name == "postgresql":  # one upsert for the batch (arrays)
            latest = {(c, u): loc for c, u, loc in rows}  # a member's last word counts
            await conn.execute(
                _LOCALES_UPSERT,
                {
                    "communities": [c for c, _ in latest],
                    "users": [u for _, u in latest],
                    "locales": list(latest.values()),
                },
            )
            return [None] * len(rows)
        await insert_ignoring_duplicates(conn, member_locales, _locale_rows(rows))
        await conn.execute(_LOCALE_UPDATE, _locale_changes(rows))
        return [None] * len(rows)

    async def grant(self, ref: MemberRef, role: Role, granted_by: MemberRef) -> bool:
        """Grant a role; False when the member already had it."""
        community = await self.community(ref.community_ref)
        async with self._engine.begin() as conn:
            exists = (
                await conn.execute(
                    select(member_roles.c.role).where(
                        (member_roles.c.community_id == community.id)
                        & (member_roles.c.user_id == ref.id)
                        & (member_roles.c.role == role.value)
                    )
                )
            ).first()
            if exists is None:
                await conn.execute(
                    insert(member_roles).values(
                        community_id=community.id,
                        user_id=ref.id,
                        role=role.value,
                        granted_by=granted_by.id,
                        granted_at=self._clock.now(),
                    )
                )
        self._change(ref, None)  # its community reloads with the grant
        return exists is None

    async def revoke(self, ref: MemberRef, role: Role) -> bool:
        """Revoke a role; False when the member did not have it."""
        community = await self.community(ref.community_ref)
        async with self._engine.begin() as conn:
            result = await conn.execute(
                delete(member_roles).where(
                    (member_roles.c.community_id == community.id)
                    & (member_roles.c.user_id == ref.id)
                    & (member_roles.c.role == role.value)
                )
            )
        self._change(ref, None)
        return bool(result.rowcount)

    async def members_with_roles(self, ref: CommunityRef) -> list[tuple[str, Role]]:
        """(user ID, role) for every granted role in the community, by role then grant."""
        community = await self.community(ref)
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                select(member_roles.c.user_id, member_roles.c.role)
                .where(member_roles.c.community_id == community.id)
                .order_by(member_roles.c.role, member_roles.c.granted_at, member_roles.c.user_id)
            )
            return [(user_id, Role(role)) for user_id, role in rows]


# PostgreSQL: a batch of members' locales in one statement (bot.storage.pgbatch). Keys
# are sorted so that two batches lock the rows they share in the same order.
_LOCALES_UPSERT = text(
    "INSERT INTO member_locales (community_id, user_id, locale) "
    "SELECT c, u, l FROM unnest(CAST(:communities AS INTEGER[]), "
    "CAST(:users AS VARCHAR[]), CAST(:locales AS VARCHAR[])) AS v(c, u, l) ORDER BY c, u "
    "ON CONFLICT (community_id, user_id) DO UPDATE SET locale = excluded.locale"
)

_LOCALE_UPDATE = (
    update(member_locales)
    .where(
        (member_locales.c.community_id == bindparam("cid"))
        & (member_locales.c.user_id == bindparam("uid"))
    )
    .values(locale=bindparam("loc"))
)


def _locale_rows(rows: Sequence[tuple[int, str, str]]) -> list[dict[str, Any]]:
    return [{"community_id": c, "user_id": u, "locale": loc} for c, u, loc in rows]


def _locale_changes(rows: Sequence[tuple[int, str, str]]) -> list[dict[str, Any]]:
    return [{"cid": c, "uid": u, "loc": loc} for c, u, loc in rows]


def _write_locales_sqlite(rows: Sequence[tuple[int, str, str]]) -> Plan:
    """`Directory._write_locales` planned for SQLite's writer (bot.storage.writer)."""
    steps: list[Step] = [
        ignoring_duplicates_step(member_locales, _locale_rows(rows)),
        ("each", _locale_update_sqlite(), _locale_changes(rows), ()),
    ]
    return steps, lambda _: [None] * len(rows)


@cache
def _locale_update_sqlite() -> Values:
    """`_LOCALE_UPDATE` compiled for SQLite's writer, when first written (not at start)."""
    return compiled(_LOCALE_UPDATE, many=False)
