"""Anonymous by construction: after a member votes (by button, by reply, changes and
takes back their vote), and the poll is reminded about, closed, listed, shown and
exported, their ID, handle and display name are nowhere: in no table of the database,
no log line, no message sent to anyone (but the private confirmation addressed to them,
whose text names no one), no export."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from bot.events import HomeOpened
from bot.intents import intent_to_json
from bot.logs import _quiet_libraries
from bot.people import PlatformMember
from bot.privacy import export_member
from bot.refs import MemberRef
from bot.storage.tables import metadata
from bot.testing import Person, TestBot
from tests.features.polls.helpers import MEET, ballots, card

VOTER = "U7ZOEQ"
SECRETS = (VOTER, "zoeq", "Zoë Quintero")


def _found(blob: str) -> list[str]:
    return [s for s in SECRETS if s.casefold() in blob.casefold()]


async def test_nothing_anywhere_says_who_voted_anonymously(
    bot: TestBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bot.people[VOTER] = Person(VOTER, locale=None)
    real_find = bot.adapter.find_member

    async def find_member(community: str, user_id: str) -> PlatformMember | None:
        if user_id == VOTER:  # the platform knows them by handle and display name
            return PlatformMember(VOTER, "Zoë Quintero", None)
        return await real_find(community, user_id)

    bot.adapter.find_member = find_member  # type: ignore[method-assign]
    bot.app.directory.people.add(bot.adapter.platform, find_member, None)

    await bot.say("dana", MEET + " anonymous=yes closes=3d remind=1d")
    await bot.press("lee", "polls.vote", "1:0")
    mine = len(bot.adapter.sent)
    await bot.press(VOTER, "polls.vote", "1:1")
    await bot.press(VOTER, "polls.vote", "1:2")  # a change
    await bot.press(VOTER, "polls.retract", "1")  # taken back
    await bot.say(VOTER, "2", thread=await card(bot))  # a reply shows its author: not counted
    await bot.press(VOTER, "polls.vote", "1:1")  # and again, by the button
    await bot.say(VOTER, "/poll results 1")
    await bot.say("dana", "/poll results 1")
    await bot.say("dana", "/poll list")
    await bot.send(HomeOpened(**bot._from("dana", "home-dana")))
    reminded = await bot.next_timer()
    assert reminded is not None and reminded[0].kind == "remind"
    assert len(await ballots(bot)) == 2  # lee's and the voter's: the vote counts
    await bot.say("dana", "/poll close 1")
    await bot.say("dana", "/poll export 1")
    await bot.say("dana", "/poll export 1 format=markdown")
    await bot.say("lee", "/poll export 1")

    # The poll did count the vote, under a token only the bot can recompute.
    token = bot.app.kernel.anonymity.token("poll", "1", bot.member(VOTER))
    assert len(token) == 32 and _found(token) == []
    assert (1, token, 1) in await ballots(bot)

    # Every table.
    await bot.app.directory.flush()
    async with bot.app.db.engine.connect() as conn:
        for name in metadata.tables:
            rows = (await conn.execute(text(f'SELECT * FROM "{name}"'))).all()
            assert _found(repr(rows)) == [], name
        # Every export, each member's own included.
        for who in (VOTER, "dana", "lee"):
            exported = await export_member(
                conn, bot.app.features, MemberRef(bot.adapter.platform, "school", who)
            )
            assert _found(repr(exported)) == [], who

    # Every message sent to anyone; the voter's own confirmations are addressed to them,
    # and their words name nobody.
    for intent in bot.adapter.sent:
        if getattr(intent, "member", None) == bot.member(VOTER):
            assert _found(intent.message.text) == []  # type: ignore[union-attr]
            continue
        assert _found(intent_to_json(intent)) == [], intent
    assert len(bot.adapter.sent) > mine

    # Every log line Homeroom writes, at DEBUG (its handler keeps the database
    # libraries, which log statements' parameters, at WARNING).
    written = [r.getMessage() for r in caplog.records if _quiet_libraries(r)]
    assert logging.getLogger("bot").isEnabledFor(logging.DEBUG)  # captured at DEBUG
    assert _found("\n".join(written)) == []
