"""Voting: a vote, a change, taking it back, multi-choice limits, the private
confirmation, the card updated in place, a menu beyond the platform's buttons, replies
where there are no buttons, and buttons that still work after a restart."""

from __future__ import annotations

import asyncio
import itertools

import pytest
import pytest_asyncio

from bot.app import Homeroom
from bot.capabilities import Capabilities
from bot.clock import FakeClock
from bot.delivery import RetryAfter
from bot.events import CommandInvoked, ComponentSubmitted
from bot.intents import Ephemeral, Intent, Update
from bot.testing import FakeAdapter, TestBot, test_settings
from tests.features.polls.helpers import (
    MEET,
    ballots,
    card,
    create,
    posts,
    privately,
    updates,
)


def chart_of(update: Update) -> str:
    return update.message.text


async def test_a_vote_a_change_and_taking_it_back(bot: TestBot) -> None:
    await create(bot)
    sent = await bot.press("lee", "polls.vote", "1:1")
    assert privately(sent) == [
        "Your vote in poll #1: Tue. You can change it until the poll closes."
    ]
    [update] = updates(sent)
    assert update.to.message == await card(bot)  # the card, in place
    assert "2. Tue\n    ██████████ 1 · 100%" in update.message.text
    assert "1 person has voted." in (update.message.footer or "")
    assert await ballots(bot) == [(1, "lee", 1)]
    sent = await bot.press("lee", "polls.vote", "1:2")  # a change
    assert privately(sent) == [
        "Your vote in poll #1: Wed. You can change it until the poll closes."
    ]
    assert await ballots(bot) == [(1, "lee", 2)]
    sent = await bot.press("lee", "polls.vote", "1:2")  # the same again changes nothing
    assert privately(sent) == ["That is already your vote in poll #1: Wed."]
    assert updates(sent) == []
    sent = await bot.press("lee", "polls.retract", "1")
    assert privately(sent) == ["Your vote in poll #1 is taken back."]
    assert "0 people have voted." in (updates(sent)[0].message.footer or "")
    assert await ballots(bot) == []
    sent = await bot.press("lee", "polls.retract", "1")
    assert privately(sent) == ["You haven't voted in poll #1, so there's nothing to take back."]


async def test_the_confirmation_keeps_no_copy(bot: TestBot) -> None:
    await create(bot)
    sent = await bot.press("lee", "polls.vote", "1:0")
    [confirmation] = [i for i in sent if isinstance(i, Ephemeral)]
    assert confirmation.message.keep_copy is False


async def test_multi_choice_up_to_its_limit(bot: TestBot) -> None:
    await create(bot, MEET.replace('"Mon; Tue; Wed"', '"Mon; Tue; Wed; Thu"') + " max-choices=2")
    await bot.press("maria", "polls.vote", "1:0")
    sent = await bot.press("lee", "polls.vote", "1:0")
    assert privately(sent) == [
        "Your vote in poll #1: Mon. You can change it until the poll closes."
    ]
    sent = await bot.press("lee", "polls.vote", "1:3")
    assert privately(sent) == [
        "Your vote in poll #1: Mon, Thu. You can change it until the poll closes."
    ]
    before = await ballots(bot)
    sent = await bot.press("lee", "polls.vote", "1:1")  # a third: over the limit
    assert privately(sent) == [
        "You can choose up to 2 options in poll #1, and you have chosen Mon, Thu. Press one "
        "of them again to take it back first."
    ]
    assert await ballots(bot) == before == [(1, "lee", 0), (1, "lee", 3), (1, "maria", 0)]
    sent = await bot.press("lee", "polls.vote", "1:0")  # pressed again: taken back
    assert privately(sent) == [
        "Your vote in poll #1: Thu. You can change it until the poll closes."
    ]
    [update] = updates(sent)
    assert "1. Mon\n    ██████████ 1 · 50%" in update.message.text
    assert "4. Thu\n    ██████████ 1 · 50%" in update.message.text
    assert "2 people have voted." in (update.message.footer or "")
    # A menu's pick over the limit is refused too, and changes nothing.
    sent = await bot.press("lee", "polls.pick", "1:0\n1:1\n1:2")
    assert privately(sent)[0].startswith("You can choose up to 2 options in poll #1")
    assert await ballots(bot) == [(1, "lee", 3), (1, "maria", 0)]


async def test_a_vote_on_a_closed_poll_is_refused(bot: TestBot) -> None:
    await create(bot)
    await bot.press("lee", "polls.vote", "1:0")
    await bot.say("dana", "/poll close 1")
    before = await bot.state()
    for press in (("polls.vote", "1:1"), ("polls.retract", "1")):
        sent = await bot.press("lee", *press)
        assert privately(sent) == [
            "Poll #1 is closed, so votes can't change any more. “poll results 1” shows what "
            "you may see of the results."
        ]
    assert await bot.state() == before


async def test_stale_or_forged_buttons_change_nothing(bot: TestBot) -> None:
    await create(bot)
    before = await bot.state()
    for value in ("1:9", "2:0", "x", "1:-1", "99999999999:0"):
        sent = await bot.press("lee", "polls.vote", value)
        assert privately(sent) == ["That button is no longer in use. Nothing was changed."]
    sent = await bot.press("lee", "polls.pick", "1:0\n2:1")
    assert privately(sent) == ["That button is no longer in use. Nothing was changed."]
    assert await bot.state() == before


@pytest.fixture
def capabilities() -> Capabilities:
    return Capabilities(max_buttons=5)


async def test_more_options_than_buttons_become_a_menu(bot: TestBot) -> None:
    post = await create(bot, '/poll create Which topic? options="a; b; c; d; e" max-choices=2')
    menu = post.message.select
    assert menu is not None and menu.action_id == "polls.pick" and menu.max_values == 2
    assert [(c.value, c.label) for c in menu.options] == [
        ("1:0", "1. a"),
        ("1:1", "2. b"),
        ("1:2", "3. c"),
        ("1:3", "4. d"),
        ("1:4", "5. e"),
    ]
    assert [b.action_id for b in post.message.buttons] == ["polls.retract"]
    sent = await bot.press("lee", "polls.pick", "1:1\n1:4")
    assert privately(sent) == [
        "Your vote in poll #1: b, e. You can change it until the poll closes."
    ]
    assert await ballots(bot) == [(1, "lee", 1), (1, "lee", 4)]
    sent = await bot.press("lee", "polls.pick", "1:0")  # a new pick replaces the old
    assert await ballots(bot) == [(1, "lee", 0)]
    four = await create(bot, '/poll create Fewer? options="a; b; c; d"')
    assert four.message.select is None and len(four.message.buttons) == 5


@pytest_asyncio.fixture
async def plain(homeroom: Homeroom, clock: FakeClock) -> TestBot:
    """A plain-text platform: no buttons, no threads, no editing."""
    adapter = FakeAdapter(
        Capabilities(buttons=False, threads=False, updates=False, forms=False), clock=clock
    )
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    return TestBot(homeroom, adapter)


async def test_where_there_are_no_buttons_a_reply_votes(plain: TestBot) -> None:
    post = await create(plain, MEET + " max-choices=2")
    assert post.message.buttons == ()
    assert post.message.footer.endswith(  # type: ignore[union-attr]
        "Poll #1: reply to this message with an option's number to vote, and again to "
        "change it; 0 takes your vote back."
    )
    sent = await plain.say("lee", "2")
    assert privately(sent) == [
        "Your vote in poll #1: Tue. You can change it until the poll closes."
    ]
    assert updates(sent) == [] and posts(sent) == []  # no new card for every vote
    await plain.say("lee", "1 3")
    assert await ballots(plain) == [(1, "lee", 0), (1, "lee", 2)]
    await plain.say("maria", "wed")  # an option's words
    assert await ballots(plain) == [(1, "lee", 0), (1, "lee", 2), (1, "maria", 2)]
    await plain.say("lee", "0")
    assert await ballots(plain) == [(1, "maria", 2)]
    assert await plain.say("lee", "What a lovely idea") == []  # conversation stays conversation
    assert await plain.say("lee", "7") == []


async def test_a_reply_in_the_cards_thread_votes(bot: TestBot) -> None:
    await create(bot)
    second = await create(bot, '/poll create Snacks? options="fruit; cake"')
    assert second.message.text.startswith("📊 *Snacks?*")
    sent = await bot.say("maria", "2", thread=await card(bot, 1))
    assert privately(sent) == [
        "Su voto en la encuesta #1: Tue. Puede cambiarlo hasta que cierre la encuesta."
    ]
    await bot.say("lee", "Cake", thread=await card(bot, 2))
    assert await ballots(bot) == [(1, "maria", 1), (2, "lee", 1)]
    assert bot.texts(await bot.say("lee", "1 2", thread=await card(bot, 1))) == [
        "Poll #1 takes one option; please reply with one number."
    ]


async def test_a_reply_on_an_anonymous_poll_is_not_counted(bot: TestBot) -> None:
    """A reply shows in the thread under its author's name: on an anonymous poll it is
    not taken as a vote, and the member is told privately, in their language."""
    await create(bot, MEET + " anonymous=yes max-choices=2")
    for member, text in (("lee", "2"), ("lee", "1 3"), ("maria", "wed"), ("lee", "0")):
        sent = await bot.say(member, text, thread=await card(bot))
        assert updates(sent) == [] and posts(sent) == []
        assert len(privately(sent)) == 1
    assert privately(sent) == [
        "Poll #1 is anonymous, so I didn't count your reply: everyone in the thread can "
        "see it with your name. Vote with the poll's buttons instead; you may want to "
        "delete your reply."
    ]
    sent = await bot.say("maria", "2", thread=await card(bot))
    assert privately(sent) == [
        "La encuesta #1 es anónima, así que no conté su respuesta: todos en el hilo pueden "
        "verla con su nombre. Vote con los botones de la encuesta; quizá quiera borrar su "
        "respuesta."
    ]
    assert await ballots(bot) == []
    assert await bot.say("lee", "What a lovely idea", thread=await card(bot)) == []
    await bot.press("lee", "polls.vote", "1:2")  # the buttons still vote
    assert len(await ballots(bot)) == 1


async def test_buttons_keep_working_after_a_restart(database_url: str, clock: FakeClock) -> None:
    first = Homeroom(test_settings(database_url), clock=clock)
    adapter = FakeAdapter(clock=clock)
    first.attach(adapter)
    await first.start(timers=False)
    await create(TestBot(first, adapter))
    await first.stop()
    again = Homeroom(test_settings(database_url), clock=clock)
    adapter = FakeAdapter(clock=clock)
    again.attach(adapter)
    await again.start(timers=False)
    try:
        bot = TestBot(again, adapter, _ids=itertools.count(100))  # new event IDs
        sent = await bot.press("lee", "polls.vote", "1:2")
        assert privately(sent) == [
            "Your vote in poll #1: Wed. You can change it until the poll closes."
        ]
        [update] = updates(sent)
        assert update.to.message == await card(bot)
    finally:
        await again.stop()


async def create_while_the_card_waits(bot: TestBot) -> int:
    """Create a poll whose card the platform asks us to post half a minute later (the
    clock stays put until the test settles); how many intents were sent before."""
    adapter, refused = bot.adapter, asyncio.Event()
    deliver = adapter.deliver

    async def deliver_noting_the_refusal(intent: Intent, *, key: str | None = None) -> str | None:
        try:
            return await deliver(intent, key=key)
        finally:
            refused.set()

    adapter.deliver = deliver_noting_the_refusal  # type: ignore[method-assign]
    adapter.failures = [RetryAfter(30.0)]
    before = len(adapter.sent)
    await bot.app.handle(CommandInvoked(**bot._from("dana"), text=MEET.removeprefix("/homeroom ")))
    await asyncio.wait_for(refused.wait(), 30)  # its first try, refused
    assert adapter.failures == []
    return before


async def test_a_vote_cast_before_the_card_is_in_shows_on_the_card_once_it_is(
    bot: TestBot,
) -> None:
    """The card can only be edited once its receipt names its message: a vote that
    comes first is shown by an edit as soon as the card is in, not left out until the
    next vote."""
    before = await create_while_the_card_waits(bot)
    await bot.app.handle(
        ComponentSubmitted(**bot._from("lee"), action_id="polls.vote", value="1:2")
    )
    await bot.settle()
    sent = bot.adapter.sent[before:]
    # The Retry-After may pause every lane; across lanes the order is free, but the card
    # goes before its edit.
    kinds = [type(i).__name__ for i in sent]
    assert sorted(kinds) == ["Ephemeral", "Ephemeral", "Post", "Update"]
    assert kinds.index("Post") < kinds.index("Update")
    [update] = updates(sent)
    assert update.to.message == await card(bot)
    assert "3. Wed\n    ██████████ 1 · 100%" in update.message.text
    assert await ballots(bot) == [(1, "lee", 2)]


async def test_a_poll_closed_before_its_card_is_in_has_its_buttons_taken_off_once_it_is(
    bot: TestBot,
) -> None:
    before = await create_while_the_card_waits(bot)
    await bot.app.handle(CommandInvoked(**bot._from("dana"), text="poll close 1"))
    await bot.settle()
    sent = bot.adapter.sent[before:]
    [post] = posts([i for i in sent if i.tag is not None])
    assert post.message.buttons != ()
    [update] = updates(sent)
    assert (update.to.message, update.message.buttons) == (await card(bot), ())
    assert sent.index(update) > sent.index(post)
