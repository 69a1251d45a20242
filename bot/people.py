"""What only the platform knows about its people: whether someone is a member at all,
their name, their language, and whether they are one of its admins.

Adapters that can tell offer `find_member(community, user_id)` (None when there is no
such member) and `list_members(community)`; `Homeroom.attach` registers them here.
Where a platform offers neither, or asking fails, the core assumes the member exists
and knows nothing more of them, so nothing breaks for want of a lookup.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.refs import MemberRef

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PlatformMember:
    id: str
    name: str
    locale: str | None = None
    is_admin: bool = False


FindMember = Callable[[str, str], Awaitable[PlatformMember | None]]
ListMembers = Callable[[str], Awaitable[Sequence[PlatformMember]]]


class People:
    def __init__(self) -> None:
        self._find: dict[str, FindMember] = {}
        self._list: dict[str, ListMembers] = {}

    def add(self, platform: str, find: FindMember | None, listing: ListMembers | None) -> None:
        if find is not None:
            self._find[platform] = find
        if listing is not None:
            self._list[platform] = listing

    async def find(self, ref: MemberRef) -> PlatformMember | None:
        """The member as their platform knows them; None only when it says there is no
        such member. A platform that cannot tell gives a member known only by ID."""
        find = self._find.get(ref.platform)
        if find is None:
            return PlatformMember(ref.id, ref.id)
        try:
            return await find(ref.community, ref.id)
        except Exception as error:  # a nicety: a platform error must not stop a command
            # One line, no traceback: a platform out of reach is not a bug of ours.
            log.warning(
                "event=member_lookup_failed platform=%s error=%s",
                ref.platform,
                type(error).__name__,
            )
            return PlatformMember(ref.id, ref.id)

    async def everyone(self, platform: str, community: str) -> list[PlatformMember]:
        """Every member the platform lists in `community` (none where it cannot list, or
        asking fails): who a reminder may go to."""
        listing = self._list.get(platform)
        if listing is None:
            return []
        try:
            return list(await listing(community))
        except Exception as error:
            log.warning(
                "event=member_list_failed platform=%s error=%s", platform, type(error).__name__
            )
            return []

    async def nearest(self, ref: MemberRef) -> PlatformMember | None:
        """The member whose name or ID is closest to `ref`'s, for "did you mean"."""
        listing = self._list.get(ref.platform)
        if listing is None:
            return None
        try:
            members = await listing(ref.community)
        except Exception as error:
            log.warning(
                "event=member_list_failed platform=%s error=%s", ref.platform, type(error).__name__
            )
            return None
        by_key: dict[str, PlatformMember] = {}
        for member in members:
            by_key.setdefault(member.name.lower(), member)
            by_key.setdefault(member.id.lower(), member)
        close = difflib.get_close_matches(ref.id.lower(), list(by_key), n=1, cutoff=0.6)
        return by_key[close[0]] if close else None
