"""A liaison who leaves the community has their questions routed again at once, when
the platform says so (`MemberLeft`), with a line in the card's thread and a DM to the
new liaison; their other questions (answered, waiting for the parent) stay as they
are, and a member who answered nothing changes nothing."""

from __future__ import annotations

from bot.events import MemberLeft
from bot.intents import DirectMessage, Post, Update
from bot.testing import TestBot
from tests.features.questions.conftest import cards, community


async def left(bot: TestBot, who: str) -> list:  # type: ignore[type-arg]
    del bot.people[who]  # gone from the platform too
    return await bot.send(MemberLeft(**bot._from(who, "parents")))


async def test_a_liaison_who_leaves_has_their_questions_routed_again_at_once(
    bot: TestBot,
) -> None:
    await community(bot)
    await bot.say("dana", "/route add @ines topic=health backup=@omar")
    await bot.say("dana", "/route fallback @sam")
    [first] = cards(await bot.say("lee", "/ask Flu shots? topic=health"))
    await bot.say("lee", "/ask Lice at school? topic=health")
    await bot.say("ines", "/queue claim 2", channel="liaisons")
    await bot.say("lee", "/ask Allergy forms? topic=health")
    await bot.say("ines", "/queue answer 3 On the website.", channel="liaisons")
    card = f"m{bot.adapter.sent.index(first) + 1}"
    sent = await left(bot, "ines")
    assert [(i.member.id, i.message.text) for i in sent if isinstance(i, DirectMessage)] == [
        ("omar", "Question #1 was passed to you. “queue list mine” shows it."),
        ("omar", "Question #2 was passed to you. “queue list mine” shows it."),
    ]
    lines = [(i.to.thread, bot.texts([i])[0]) for i in sent if isinstance(i, Post)]
    assert lines[0] == (card, "<@ines> is no longer a liaison here, so #1 went to <@omar>.")
    assert len(lines) == 2
    assert len([i for i in sent if isinstance(i, Update)]) == 2
    [listing] = await bot.say("omar", "/queue list mine", channel="liaisons")
    assert [line.split(" · ")[:4] for line in bot.texts([listing])[0].splitlines()[1:]] == [
        ["#1", "health", "received", "<@omar>"],
        ["#2", "health", "received", "<@omar>"],
    ]  # the answered question #3 stays ines's, as answered


async def test_a_member_who_answered_nothing_leaves_without_a_trace(bot: TestBot) -> None:
    await community(bot)
    await bot.say("dana", "/route fallback @sam")
    await bot.say("lee", "/ask Is there a bus on snow days?")
    before = await bot.state()
    assert await left(bot, "maria") == []
    assert await bot.state() == before
