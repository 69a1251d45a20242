"""Writing to people who did not just speak: each reads in their own language, and
organizers are told things as a group. Shared by every feature that notifies."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.directory import Directory, Role
from bot.i18n import Translator, pick_language, translator
from bot.intents import DirectMessage, Intent, Message
from bot.people import PlatformMember
from bot.refs import CommunityRef, MemberRef


async def reader(
    directory: Directory,
    member: MemberRef,
    *hints: str | None,
    default: str,
    known: PlatformMember | None = None,
) -> Translator:
    """The member's chosen language, else their platform's (Slack's or the console's
    locale for them), else the first hint we have, else `default` (the community's).
    `known` is what the platform already told of the member, if the caller asked it."""
    profile = await directory.profile(member)
    if known is None and profile.language is None:
        known = await directory.people.find(member)
    locale = known.locale if known else None
    # Where the platform cannot tell (Discord says only in a member's own interactions),
    # the locale it last reported with one of their events, which the directory keeps.
    return translator(
        pick_language(profile.language, locale, profile.locale, *hints, default=default)
    )


async def tell_organizers(
    directory: Directory,
    community: CommunityRef,
    default: str,
    compose: Callable[[Translator], str],
    fallback: Sequence[str] = (),
) -> list[Intent]:
    """A DM to every organizer, each in their language. Where no organizer role has been
    granted yet, the members in `fallback` (IDs) are told instead."""
    holders = await directory.members_with_roles(community)
    users = [user for user, role in holders if role is Role.ORGANIZER] or list(fallback)
    notes: list[Intent] = []
    for user in users:
        member = MemberRef(community.platform, community.community, user)
        t = await reader(directory, member, default=default)
        notes.append(DirectMessage(member=member, message=Message(text=compose(t))))
    return notes
