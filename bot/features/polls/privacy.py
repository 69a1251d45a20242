"""The polls feature's export and delete hooks. A member's data here: the polls and
recurring polls they created, and their ballots in named polls. Their ballots in
anonymous polls are stored under a one-way token, not their ID: nothing ties them to the
member, so no export can show them and no deletion can find them (by design)."""

from __future__ import annotations

import json

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features.polls.tables import poll_ballots, poll_series, polls
from bot.privacy import Held, member_privacy
from bot.refs import MemberRef
from bot.storage.members import Exported
from bot.storage.places import at_place

NOBODY = ""  # who made a poll whose creator's data was deleted: the poll is the group's


def _named_ballots(member: MemberRef) -> ColumnElement[bool]:
    named = select(polls.c.id).where((polls.c.anonymous == 0) & at_place(polls, member))
    return (poll_ballots.c.voter == member.id) & poll_ballots.c.poll_id.in_(named)


async def export_ballots(conn: AsyncConnection, member: MemberRef) -> Exported:
    """Their votes in named polls, as the option's words."""
    ballots = (
        await conn.execute(
            select(poll_ballots.c.poll_id, poll_ballots.c.choice, polls.c.options)
            .join(polls, polls.c.id == poll_ballots.c.poll_id)
            .where(_named_ballots(member))
            .order_by(poll_ballots.c.poll_id, poll_ballots.c.choice)
        )
    ).all()
    return {
        "poll_ballots": [
            {"poll_id": b.poll_id, "choice": json.loads(b.options)[b.choice]} for b in ballots
        ],
    }


async def delete_ballots(conn: AsyncConnection, member: MemberRef) -> int:
    """Their named votes go; polls they made stay with the group, without their name."""
    return int((await conn.execute(delete(poll_ballots).where(_named_ballots(member)))).rowcount)


PRIVACY = member_privacy(
    Held(
        polls,
        "created_by",
        shows=("id", "channel", "question", "options", "created_at"),
        order_by="id",
        goes=False,
        left=NOBODY,
    ),
    Held(
        poll_series,
        "created_by",
        shows=("id", "channel", "template"),
        order_by="id",
        goes=False,
        left=NOBODY,
    ),
    covers=(
        ("polls", "question"),
        ("polls", "options"),
        ("poll_series", "template"),
        ("poll_ballots", "voter"),
    ),
    export=export_ballots,
    delete=delete_ballots,
)
