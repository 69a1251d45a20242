from bot.app import Homeroom
from bot.directory import GroupPurpose, Role
from bot.refs import CommunityRef, MemberRef

SCHOOL = CommunityRef("fake", "school")
SAM = MemberRef("fake", "school", "sam")
DANA = MemberRef("fake", "school", "dana")


async def test_roles_are_kept_in_the_database(homeroom: Homeroom) -> None:
    directory = homeroom.directory
    assert await directory.grant(SAM, Role.LIAISON, granted_by=DANA)
    assert not await directory.grant(SAM, Role.LIAISON, granted_by=DANA)
    assert (await directory.profile(SAM)).roles == {Role.PARENT, Role.LIAISON}
    assert await directory.members_with_roles(SCHOOL) == [("sam", Role.LIAISON)]

    fresh = Homeroom(homeroom.settings, clock=homeroom.clock)  # another process, no cache
    try:
        assert Role.LIAISON in (await fresh.directory.profile(SAM)).roles
        assert await fresh.directory.revoke(SAM, Role.LIAISON)
        assert not await fresh.directory.revoke(SAM, Role.LIAISON)
    finally:
        await fresh.db.close()


async def test_cached_profiles_expire_so_other_replicas_changes_are_seen(
    homeroom: Homeroom,
) -> None:
    directory = homeroom.directory
    assert (await directory.profile(SAM)).roles == {Role.PARENT}
    other = Homeroom(homeroom.settings, clock=homeroom.clock)
    try:
        await other.directory.grant(SAM, Role.ORGANIZER, granted_by=DANA)
    finally:
        await other.db.close()
    assert Role.ORGANIZER not in (await directory.profile(SAM)).roles  # still cached
    homeroom.clock.advance(homeroom.settings.cache_ttl_seconds + 1)  # type: ignore[attr-defined]
    assert Role.ORGANIZER in (await directory.profile(SAM)).roles


async def test_community_settings_and_groups(homeroom: Homeroom) -> None:
    directory = homeroom.directory
    first = await directory.community(SCHOOL)
    assert (first.timezone, first.languages, first.queue_channel) == ("UTC", ("en",), None)
    updated = await directory.update_community(
        SCHOOL,
        timezone="America/Chicago",
        languages=("es", "en"),
        queue_channel="q",
        parent_group="p",
    )
    assert updated.default_language == "es"
    assert updated.queue_channel == "q"
    assert updated.groups[GroupPurpose.PARENTS] == ("p",)
    moved = await directory.update_community(SCHOOL, queue_channel="q2", parent_group="p")
    assert moved.queue_channel == "q2"
    assert moved.groups[GroupPurpose.PARENTS] == ("p",)
    assert moved.timezone == "America/Chicago"


async def test_first_requests_from_a_new_community_may_race(homeroom: Homeroom) -> None:
    import asyncio

    fresh = [Homeroom(homeroom.settings, clock=homeroom.clock) for _ in range(2)]
    try:
        first, second = await asyncio.gather(*(app.directory.community(SCHOOL) for app in fresh))
        assert first.id == second.id
    finally:
        for app in fresh:
            await app.db.close()


async def test_a_communitys_profiles_load_in_one_query_and_stay_fresh(
    homeroom: Homeroom,
) -> None:
    import asyncio

    from sqlalchemy import event, update

    from bot.storage.tables import members
    from bot.storage.upsert import insert_ignoring_duplicates

    await homeroom.directory.grant(SAM, Role.LIAISON, granted_by=DANA)
    community = await homeroom.directory.community(SCHOOL)
    async with homeroom.db.engine.begin() as conn:
        row = {"community_id": community.id, "user_id": "dana", "created_at": homeroom.clock.now()}
        await insert_ignoring_duplicates(conn, members, [row])
        await conn.execute(update(members).values(language="es", dm_off=True))

    fresh = Homeroom(homeroom.settings, clock=homeroom.clock)  # no cache yet
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    try:
        await fresh.directory.community(SCHOOL)
        event.listen(fresh.db.engine.sync_engine, "before_cursor_execute", count)
        newcomers = [MemberRef("fake", "school", f"new{n}") for n in range(50)]
        profiles = await asyncio.gather(
            *(fresh.directory.profile(m) for m in [SAM, DANA, *newcomers])
        )
        assert len(statements) == 1  # one query for the whole community, shared
        sam, dana, *new = profiles
        assert (sam.ref, sam.roles, sam.language) == (SAM, {Role.PARENT, Role.LIAISON}, None)
        assert (dana.roles, dana.language, dana.dm_off) == ({Role.PARENT}, "es", True)
        assert {(p.ref, p.roles, p.language, p.locale, p.dm_off) for p in new[:1]} == {
            (newcomers[0], frozenset({Role.PARENT}), None, None, False)
        }  # not found: a parent with no preferences

        await fresh.directory.profile(MemberRef("fake", "school", "someone"))
        assert len(statements) == 1  # served from the roster, no per-member read

        async with fresh.db.engine.begin() as conn:  # `me settings` writes, then forgets
            await conn.execute(update(members).values(language="en"))
        del statements[:]
        assert (await fresh.directory.profile(DANA)).language == "es"  # still cached
        fresh.directory.forget(DANA)
        assert (await fresh.directory.profile(DANA)).language == "en"
        assert len(statements) == 1  # the community again, in one query

        await fresh.directory.revoke(SAM, Role.LIAISON)  # a change event: seen at once
        assert (await fresh.directory.profile(SAM)).roles == {Role.PARENT}
    finally:
        await fresh.db.close()
