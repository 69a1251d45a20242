"""The polls feature's export and delete hooks. A member's data here: the polls and
recurring polls they created, and their ballots in named polls. Their ballots in
anonymous polls are stored under a one-way token, not their ID: nothing ties them to the
member, so no export can show them and no deletion can find them (by design)."""

from __future__ import annotations

import json

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features import Privacy
from bot.features.polls.tables import poll_ballots, poll_series, polls
from bot.refs import MemberRef
from bot.storage.members import Exported, by_member, rows
from bot.storage.places import at_place

NOBODY = ""  # who made a poll whose creator's data was deleted: the poll is the group's


def _named_ballots(member: MemberRef):  # type: ignore[no-untyped-def]
    named = select(polls.c.id).where((polls.c.anonymous == 0) & at_place(polls, member))
    return (poll_ballots.c.voter == member.id) & poll_ballots.c.poll_id.in_(named)


async def export_member(conn: AsyncConnection, member: MemberRef) -> Exported:
    made = await conn.execute(
        select(polls.c.id, polls.c.channel, polls.c.question, polls.c.options, polls.c.created_at)
        .where(by_member(polls, member, "created_by"))
        .order_by(polls.c.id)
    )
    series = await conn.execute(
        select(poll_series.c.id, poll_series.c.channel, poll_series.c.template)
        .where(by_member(poll_series, member, "created_by"))
        .order_by(poll_series.c.id)
    )
    ballots = (
        await conn.execute(
            select(poll_ballots.c.poll_id, poll_ballots.c.choice, polls.c.options)
            .join(polls, polls.c.id == poll_ballots.c.poll_id)
            .where(_named_ballots(member))
            .order_by(poll_ballots.c.poll_id, poll_ballots.c.choice)
        )
    ).all()
    return {
        "polls": rows(made),
        "poll_series": rows(series),
        "poll_ballots": [
            {"poll_id": b.poll_id, "choice": json.loads(b.options)[b.choice]} for b in ballots
        ],
    }


async def delete_member(conn: AsyncConnection, member: MemberRef) -> int:
    """Their named votes go; polls they made stay with the group, without their name."""
    gone = (await conn.execute(delete(poll_ballots).where(_named_ballots(member)))).rowcount
    gone += (
        await conn.execute(
            update(polls).where(by_member(polls, member, "created_by")).values(created_by=NOBODY)
        )
    ).rowcount
    gone += (
        await conn.execute(
            update(poll_series)
            .where(by_member(poll_series, member, "created_by"))
            .values(created_by=NOBODY)
        )
    ).rowcount
    return int(gone)


PRIVACY = Privacy(
    covers=(
        ("polls", "created_by"),
        ("polls", "question"),
        ("polls", "options"),
        ("poll_series", "created_by"),
        ("poll_series", "template"),
        ("poll_ballots", "voter"),
    ),
    export=export_member,
    delete=delete_member,
)
