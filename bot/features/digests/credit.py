"""How a digest credits what a member wrote: by name, by initials, or not at all.

Two say: the member (`me settings credit-in-digests=name|initials|none`, for every
digest) and the organizer who builds the digest (`credit=names|initials|none`, for that
digest). The stricter wins, so neither can name someone more than they agreed to. A
member who chose nothing is credited by name: a digest "credits contributors, unless
they asked not to be named" (docs/domain.md), as the #PTChat recaps did, and naming
is how a group sees who helps; anyone who would rather not is one setting away.
Anonymous content is never credited, whatever anyone chose.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.people import People
from bot.refs import CommunityRef, MemberRef
from bot.storage.tables import members

MemberChoice = Literal["name", "initials", "none"]
MEMBER_CHOICES: tuple[MemberChoice, ...] = ("name", "initials", "none")
DEFAULT_CHOICE: MemberChoice = "name"
# The organizer's setting, by the same order of strictness.
_ORGANIZER = {"names": "name", "initials": "initials", "none": "none"}


def stricter(member: str, organizer: str) -> MemberChoice:
    """The stricter of the member's choice and the organizer's setting."""
    theirs = MEMBER_CHOICES.index(member if member in MEMBER_CHOICES else DEFAULT_CHOICE)
    ours = MEMBER_CHOICES.index(_ORGANIZER.get(organizer, organizer))
    return MEMBER_CHOICES[max(theirs, ours)]


def initials(name: str) -> str:
    """“María López” as “M. L.”; a name of one word as its first letter."""
    words = [w for w in name.replace("_", " ").replace(".", " ").split() if w[:1].isalnum()]
    return " ".join(f"{w[0].upper()}." for w in words[:3]) or "?"


async def choices(
    conn: AsyncConnection, community_id: int, authors: Iterable[str]
) -> dict[str, MemberChoice]:
    """Each author's own choice (the default for those who made none)."""
    wanted = sorted(set(authors))
    found: dict[str, MemberChoice] = dict.fromkeys(wanted, DEFAULT_CHOICE)
    for start in range(0, len(wanted), 500):
        rows = await conn.execute(
            select(members.c.user_id, members.c.digest_credit).where(
                (members.c.community_id == community_id)
                & members.c.user_id.in_(wanted[start : start + 500])
            )
        )
        for user, choice in rows:
            if choice in MEMBER_CHOICES:
                found[user] = choice
    return found


async def credits(
    conn: AsyncConnection,
    people: People,
    community: CommunityRef,
    community_id: int,
    authors: Iterable[str],
    organizer: str,
) -> Mapping[str, str | None]:
    """What each author is credited as in a digest with the organizer's setting:
    their name, their initials, or None (not credited)."""
    own = await choices(conn, community_id, authors)
    shown: dict[str, str | None] = {}
    for author, choice in own.items():
        credit = stricter(choice, organizer)
        if credit == "none":
            shown[author] = None
            continue
        found = await people.find(MemberRef(community.platform, community.community, author))
        name = found.name if found else author
        shown[author] = name if credit == "name" else initials(name)
    return shown
