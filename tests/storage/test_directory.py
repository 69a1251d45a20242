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
