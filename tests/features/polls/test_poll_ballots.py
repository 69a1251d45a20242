"""The ballot box: the votes of one window share a transaction, each voter is counted
once, a voter's second vote in the same window sees their first, and the card is
edited once for the window."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.features.polls.ballots import Vote
from bot.features.polls.service import PollService
from bot.intents import Update, intent_from_json
from bot.storage.tables import outbox
from bot.testing import TestBot
from tests.features.polls.helpers import MEET, ballots, create


def service_of(bot: TestBot) -> PollService:
    [polls] = [f for f in bot.app.features if f.name == "polls"]
    assert isinstance(polls.state, PollService)
    return polls.state


async def votes_of(bot: TestBot, **given: object) -> list[Vote]:
    service = service_of(bot)
    poll = await service.store.get(1, bot.where("parents"))
    assert poll is not None
    community = await service.community(poll)
    return [Vote(poll=poll, community=community, **given)]  # type: ignore[arg-type]


async def staged_edits(bot: TestBot) -> int:
    async with bot.app.db.engine.connect() as conn:
        payloads = (await conn.execute(select(outbox.c.payload))).scalars().all()
    return sum(1 for p in payloads if isinstance(intent_from_json(p), Update))


async def test_one_window_counts_every_voter_once_and_edits_the_card_once(bot: TestBot) -> None:
    await create(bot, MEET + " max-choices=2")
    service = service_of(bot)
    [template] = await votes_of(bot, voter="x")
    poll, community = template.poll, template.community
    edits_before = await staged_edits(bot)
    votes = [Vote(poll, f"m{n}", community, exactly=frozenset({n % 3})) for n in range(30)] + [
        Vote(poll, "m0", community, exactly=frozenset({2})),  # m0 changes their mind
        Vote(poll, "lee", community, toggle=0),
        Vote(poll, "lee", community, toggle=1),  # sees the first: both options
        Vote(poll, "lee", community, toggle=2),  # a third: over the limit
        Vote(poll, "m1", community, exactly=frozenset({1})),  # the same again
    ]
    counted = await asyncio.gather(*(service.ballots.cast(v) for v in votes))
    assert [c.outcome for c in counted[30:]] == [
        "counted",
        "counted",
        "counted",
        "too_many",
        "same",
    ]
    assert counted[32].chosen == frozenset({0, 1})
    assert counted[33].before == frozenset({0, 1})
    rows = await ballots(bot)
    assert len({voter for _, voter, _ in rows}) == 31
    assert [(v, c) for _, v, c in rows if v in ("m0", "lee")] == [("lee", 0), ("lee", 1), ("m0", 2)]
    assert sorted(c for _, _, c in rows) == [0] * 10 + [1] * 11 + [2] * 11
    # One transaction for the window: one edit of the card staged, carried by one vote.
    assert await staged_edits(bot) - edits_before == 1
    assert sum(1 for c in counted if c.staged) == 1
    await bot.settle()


async def test_a_vote_counted_after_the_poll_closed_is_refused(bot: TestBot) -> None:
    await create(bot)
    [vote] = await votes_of(bot, voter="lee", exactly=frozenset({1}))
    await bot.say("dana", "/homeroom poll close 1")
    counted = await service_of(bot).ballots.cast(vote)  # pressed before the close
    assert counted.outcome == "closed"
    assert await ballots(bot) == []


async def test_the_cards_edit_goes_even_when_the_voters_handler_was_cancelled(
    bot: TestBot,
) -> None:
    await create(bot)
    [vote] = await votes_of(bot, voter="lee", exactly=frozenset({1}))
    before = len(bot.adapter.sent)
    waiting = asyncio.ensure_future(service_of(bot).ballots.cast(vote))
    await asyncio.sleep(0)  # queued in the window
    waiting.cancel()
    await service_of(bot).ballots.drain()
    await bot.settle()
    assert waiting.cancelled()
    assert await ballots(bot) == [(1, "lee", 1)]
    [edit] = [i for i in bot.adapter.sent[before:] if isinstance(i, Update)]
    assert "1 person has voted." in (edit.message.footer or "")
