"""The polls feature's timers, run by the core's one timer loop in the transaction that
claims them: a poll's close at its deadline, its reminder, and a recurring poll's next
occurrence. A deadline that passed while the bot was down fires on start, and says so."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.directory import CommunitySettings
from bot.features.polls.model import Poll
from bot.features.polls.service import PollService
from bot.features.polls.tables import poll_series, polls
from bot.i18n import Translator
from bot.intents import DirectMessage, Intent, Message, Post
from bot.notify import reader
from bot.recurrence import Recurrence
from bot.refs import CommunityRef, ConversationRef, MemberRef
from bot.render import in_languages
from bot.storage.tables import communities, members
from bot.timers import TimerResult, TimerRun


async def _place(run: TimerRun, community_id: int) -> CommunityRef | None:
    row = (
        await run.conn.execute(
            select(communities.c.platform, communities.c.external_id).where(
                communities.c.id == community_id
            )
        )
    ).first()
    return CommunityRef(row[0], row[1]) if row else None


async def _poll(run: TimerRun, poll_id: int) -> tuple[Poll, CommunitySettings] | None:
    service: PollService = run.state
    row = (await run.conn.execute(select(polls).where(polls.c.id == poll_id))).first()
    if row is None:
        return None
    place = await _place(run, row.community_id)
    if place is None:
        return None
    ref = ConversationRef(place.platform, place.community, row.channel)
    poll = await service.store.get_in(run.conn, poll_id, ref)
    if poll is None:
        return None
    return poll, await service.directory.community(place)


async def close_due(run: TimerRun) -> Mapping[str, TimerResult]:
    """Close each poll whose deadline came (late ones say the bot was offline)."""
    service: PollService = run.state
    results: dict[str, TimerResult] = {}
    for timer in run.due:
        found = await _poll(run, int(timer.key))
        if found is None or not found[0].is_open:
            continue
        poll, community = found
        intents = await service.close(run.conn, poll, community, due=timer.due_at)
        results[timer.key] = TimerResult(intents=intents)
    return results


async def remind_due(run: TimerRun) -> Mapping[str, TimerResult]:
    """Remind those who have not voted, once. On a named poll: a direct message to each
    member who has not voted and allows direct messages (never a list of them anywhere).
    On an anonymous poll the bot must not learn, through whom it writes to, who voted:
    one post to the whole group instead."""
    service: PollService = run.state
    results: dict[str, TimerResult] = {}
    for timer in run.due:
        found = await _poll(run, int(timer.key))
        if found is None or not found[0].open_at(run.now):
            continue
        poll, community = found
        if poll.anonymous:
            post = in_languages(community.languages, _group_note(poll, community))
            results[timer.key] = TimerResult(
                intents=[Post(to=poll.where.channel_only(), message=post)]
            )
            continue
        voted = await service.store.voters(run.conn, poll)
        everyone = await service.directory.people.everyone(
            poll.where.platform, poll.where.community
        )
        quiet = {
            r[0]
            for r in await run.conn.execute(
                select(members.c.user_id).where(
                    (members.c.community_id == poll.community_id) & (members.c.dm_off == 1)
                )
            )
        }
        intents: list[Intent] = []
        for person in everyone:
            if person.id in voted or person.id in quiet:
                continue
            member = MemberRef(poll.where.platform, poll.where.community, person.id)
            t = await reader(
                service.directory, member, default=community.default_language, known=person
            )
            intents.append(
                DirectMessage(
                    member=member, message=Message(text=_private_note(t, poll, community))
                )
            )
        results[timer.key] = TimerResult(intents=intents)
    return results


def _when(t: Translator, poll: Poll, community: CommunitySettings) -> str:
    assert poll.closes_at is not None
    return t.when(poll.closes_at, community.timezone)


def _private_note(t: Translator, poll: Poll, community: CommunitySettings) -> str:
    return t._(
        "A gentle reminder: poll #{id} in {channel}, “{question}”, closes {when}. "
        "Your voice counts, if you'd like to vote.",
        id=poll.id,
        channel=f"<#{poll.where.channel}>",
        question=poll.question,
        when=_when(t, poll, community),
    )


def _group_note(poll: Poll, community: CommunitySettings) -> Callable[[Translator], Message]:
    """The reminder of an anonymous poll, to the whole group in each of its languages."""

    def compose(t: Translator) -> Message:
        return Message(text=_group_text(t, poll, community))

    return compose


def _group_text(t: Translator, poll: Poll, community: CommunitySettings) -> str:
    return t._(
        "A gentle reminder: poll #{id}, “{question}”, closes {when}. If you haven't "
        "voted yet and would like to, there's still time.",
        id=poll.id,
        question=poll.question,
        when=_when(t, poll, community),
    )


def recurrence_of(row: object) -> Recurrence:
    return Recurrence.from_columns(row)


def next_due(recurrence: Recurrence, fired: datetime, now: datetime) -> datetime:
    """The occurrence after the one due at `fired` that is still to come."""
    day = fired.astimezone(ZoneInfo(recurrence.timezone)).date()
    day = recurrence.following(day)
    while recurrence.due(day) <= now:
        day = recurrence.following(day)
    return recurrence.due(day)


async def repeat_due(run: TimerRun) -> Mapping[str, TimerResult]:
    """Post a recurring poll's next occurrence; the one before, when it has no closing
    time of its own, closes as the new one opens."""
    service: PollService = run.state
    store = service.store
    results: dict[str, TimerResult] = {}
    for timer in run.due:
        row = (
            await run.conn.execute(select(poll_series).where(poll_series.c.id == int(timer.key)))
        ).first()
        if row is None or row.status != "active":
            continue
        place = await _place(run, row.community_id)
        if place is None:
            continue
        community = await service.directory.community(place)
        where = ConversationRef(place.platform, place.community, row.channel)
        intents: list[Intent] = []
        earlier = await run.conn.execute(
            select(polls.c.id).where((polls.c.series_id == row.id) & (polls.c.status == "open"))
        )
        for (earlier_id,) in earlier.all():
            old = await store.get_in(run.conn, earlier_id, where)
            if old is not None and old.closes_at is None:
                intents += await service.close(run.conn, old, community)
        template = json.loads(row.template)
        now = run.now
        closes_at = now + timedelta(seconds=template["open_for"]) if template["open_for"] else None
        remind_at = (
            closes_at - timedelta(seconds=template["remind_before"])
            if closes_at is not None and template["remind_before"]
            else None
        )
        poll = await store.insert(
            run.conn,
            where,
            question=template["question"],
            options=template["options"],
            anonymous=bool(template["anonymous"]),
            max_choices=int(template["max_choices"]),
            visibility=template["visibility"],
            created_by=row.created_by,
            closes_at=closes_at,
            remind_at=remind_at if remind_at is None or remind_at > now else None,
            series_id=row.id,
        )
        intents.append(await service.card_post(run.conn, poll, community))
        recurrence = recurrence_of(row)
        results[timer.key] = TimerResult(
            intents=intents, next_due=next_due(recurrence, timer.due_at, now)
        )
    return results
