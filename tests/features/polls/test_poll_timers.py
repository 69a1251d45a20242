"""A poll's deadline, reminder and recurrence on the shared timer: closed at the
deadline, across a restart (late, and saying so); reminders only to those who have not
voted and allow direct messages, once; a recurring poll's next time across DST."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from bot.app import Homeroom
from bot.clock import FakeClock
from bot.intents import DirectMessage, Ephemeral, Post, Update
from bot.testing import FakeAdapter, Person, TestBot, test_settings
from tests.features.polls.helpers import MEET, ballots, create, poll_row, posts, privately


async def test_a_poll_closes_at_its_deadline(bot: TestBot, clock: FakeClock) -> None:
    await create(bot, MEET + " closes=2h")
    await bot.press("lee", "polls.vote", "1:0")
    ran = await bot.next_timer()
    assert ran is not None
    timer, sent = ran
    assert (timer.feature, timer.kind, timer.key) == ("polls", "close", "1")
    assert clock.now() == datetime(2026, 9, 7, 18, 0, tzinfo=UTC)
    [update] = [i for i in sent if isinstance(i, Update)]
    assert update.message.buttons == ()
    [post] = posts(sent)
    assert post.message.text.startswith("Poll #1 is closed.\nResults of poll #1")
    assert (await poll_row(bot))["status"] == "closed"
    assert await bot.next_timer() is None


async def test_a_deadline_passed_while_the_bot_was_down_closes_on_start(
    database_url: str, clock: FakeClock
) -> None:
    first = Homeroom(test_settings(database_url), clock=clock)
    adapter = FakeAdapter(clock=clock)
    first.attach(adapter)
    await first.start(timers=False)
    bot = TestBot(first, adapter)
    await create(bot, MEET + " closes=1h")
    await bot.press("lee", "polls.vote", "1:2")
    await first.stop()
    clock.advance(hours=5)  # down through the deadline
    again = Homeroom(test_settings(database_url), clock=clock)
    adapter = FakeAdapter(clock=clock)
    again.attach(adapter)
    await again.start(timers=False)
    try:
        bot = TestBot(again, adapter, _ids=itertools.count(100))
        # A vote before the timer loop has run is refused: the deadline has passed.
        refused = await bot.press("sam", "polls.vote", "1:0")
        assert privately(refused)[0].startswith("Poll #1 is closed, so votes can't change")
        assert await again.timers.run_due() == 1
        await bot.settle()
        [post] = posts(adapter.sent)
        assert post.message.text.startswith(
            "I was offline when this poll was due to close (Monday 7 September, 17:00), so it "
            "closes now. Only votes from before the deadline were counted.\nPoll #1 is closed."
        )
        assert await ballots(bot) == [(1, "lee", 2)]
        assert await again.timers.run_due() == 0  # once
    finally:
        await again.stop()


async def test_closing_by_hand_cancels_the_timers(bot: TestBot) -> None:
    await create(bot, MEET + " closes=3d remind=1d")
    await bot.say("dana", "/poll close 1")
    assert await bot.next_timer() is None


async def test_reminders_reach_only_members_who_have_not_voted(bot: TestBot) -> None:
    bot.people["kim"] = Person("kim")  # one more parent, who has turned DMs off
    assert bot.texts(await bot.say("kim", "/me settings dm=no")) == [
        "I answer you in English. “me settings language=en” or “language=es” chooses one for you.\n"
        "I won't start direct messages with you (reminders, notices); answers to what you "
        "ask still reach you. “me settings dm=yes” turns them back on."
    ]
    await create(bot, MEET + " closes=3d remind=1d")
    await bot.press("lee", "polls.vote", "1:0")
    await bot.press("sam", "polls.vote", "1:1")
    await bot.press("sam", "polls.retract", "1")  # took it back: has not voted
    ran = await bot.next_timer()
    assert ran is not None
    timer, sent = ran
    assert timer.kind == "remind"
    assert all(isinstance(i, DirectMessage) for i in sent)
    assert sorted(i.member.id for i in sent) == ["dana", "maria", "sam"]  # type: ignore[union-attr]
    by = {i.member.id: i.message.text for i in sent}  # type: ignore[union-attr]
    assert by["sam"] == (
        "A gentle reminder: poll #1 in <#parents>, “When shall we meet?”, closes Thursday 10 "
        "September, 16:00. Your voice counts, if you'd like to vote."
    )
    assert by["maria"].startswith("Un recordatorio amable: la encuesta #1")
    ran = await bot.next_timer()  # next is the close: no second reminder
    assert ran is not None and ran[0].kind == "close"
    assert not [i for i in ran[1] if isinstance(i, DirectMessage)]


async def test_an_anonymous_polls_reminder_is_one_post_to_the_group(bot: TestBot) -> None:
    await create(bot, MEET + " closes=3d remind=1d anonymous=yes")
    await bot.press("lee", "polls.vote", "1:0")
    ran = await bot.next_timer()
    assert ran is not None
    [post] = ran[1]
    assert isinstance(post, Post) and post.to == bot.where()
    assert post.message.text == (
        "A gentle reminder: poll #1, “When shall we meet?”, closes Thursday 10 September, "
        "16:00. If you haven't voted yet and would like to, there's still time."
    )


async def test_a_recurring_poll_keeps_its_wall_clock_time_across_dst(
    bot: TestBot, clock: FakeClock
) -> None:
    await bot.say("dana", "/setup timezone=America/New_York")
    clock.advance((datetime(2026, 10, 26, 23, 0, tzinfo=UTC) - clock.now()).total_seconds())
    # Monday 26 October, 19:00 in New York (EDT, UTC-4).
    sent = await bot.say(
        "dana", '/poll create Who can drive on Friday? options="me; not me" every=week closes=2d'
    )
    assert privately(sent) == [
        "Poll #1 is posted in <#parents>. It is asked again every Monday at 19:00; "
        "“poll stop 1” ends that."
    ]
    closed = await bot.next_timer()
    assert closed is not None and closed[0].kind == "close"
    ran = await bot.next_timer()
    assert ran is not None
    timer, sent = ran
    assert timer.kind == "repeat"
    # Monday 2 November, 19:00 in New York, now EST (UTC-5): midnight UTC.
    assert clock.now() == datetime(2026, 11, 3, 0, 0, tzinfo=UTC)
    [card] = posts(sent)
    assert card.message.text.startswith("📊 *Who can drive on Friday?*")
    assert "Closes Wednesday 4 November, 19:00." in (card.message.footer or "")
    row = await poll_row(bot, 2)
    assert (row["series_id"], row["status"]) == (1, "open") and row["message_id"]
    soonest = await bot.app.timers.soonest()
    assert soonest is not None and soonest.kind == "close"
    assert bot.texts(await bot.say("lee", "/poll stop 2")) == [
        "Only the poll's creator or an organizer can stop poll #2 repeating."
    ]
    assert privately(await bot.say("dana", "/poll stop 2")) == [
        "Poll #2 won't be asked again. This one stays open until it closes."
    ]
    await bot.next_timer()  # its close
    assert await bot.next_timer() is None


async def test_a_recurring_poll_between_two_times_is_listed_and_stopped(
    bot: TestBot, clock: FakeClock
) -> None:
    """Its poll closed and the next not asked yet: `poll list` still shows it, with the
    number `poll stop` takes, as `chat list` shows a recurring chat between two times."""
    await bot.say("dana", '/poll create Who can drive? options="me; not me" every=week closes=2d')
    [listed] = [i for i in await bot.say("lee", "/poll list") if isinstance(i, Ephemeral)]
    assert (
        listed.message.text == "#1 Who can drive? · closes Wednesday 9 September, 16:00 · recurring"
    )
    assert listed.message.footer == (
        "“poll stop N” stops recurring poll #N from being asked again."
    )
    closed = await bot.next_timer()
    assert closed is not None and closed[0].kind == "close"
    [listed] = [i for i in await bot.say("lee", "/poll list") if isinstance(i, Ephemeral)]
    assert listed.message.text == "#1 Who can drive? · asked again Monday 14 September, 16:00"
    assert listed.message.footer == (
        "“poll stop N” stops recurring poll #N from being asked again."
    )
    assert privately(await bot.say("dana", "/poll stop 1")) == ["Poll #1 won't be asked again."]
    assert privately(await bot.say("lee", "/poll list")) == [
        "No poll is open here. “poll create” starts one."
    ]
    assert await bot.next_timer() is None


async def test_a_recurring_poll_without_a_deadline_closes_when_the_next_opens(
    bot: TestBot,
) -> None:
    await create(bot, '/poll create Snacks? options="fruit; cake" every=2 weeks')
    ran = await bot.next_timer()
    assert ran is not None
    assert ran[0].due_at == datetime(2026, 9, 21, 16, 0, tzinfo=UTC)
    texts = bot.texts(posts(ran[1]))
    assert texts[0].startswith("Poll #1 is closed.")
    assert texts[1].startswith("📊 *Snacks?*")
    assert (await poll_row(bot, 1))["status"] == "closed"
    assert (await poll_row(bot, 2))["status"] == "open"
