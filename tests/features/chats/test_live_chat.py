"""A live chat on the injected clock: announced ahead with its questions and time, each
question posted on time opening a thread, answers filed (labelled, in a thread, late,
several at once) with a reaction, reactions counted, `chat next/extend/end`, and a
restart mid-chat (a question due while the bot was down posted late with a note, or
skipped as the moderator chose)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import Homeroom
from bot.clock import FakeClock
from bot.intents import Ephemeral, Intent, React
from bot.testing import FakeAdapter, TestBot, test_settings
from tests.features.chats.helpers import (
    TWO,
    answers,
    chat_row,
    posts,
    privately,
    question_rows,
    react,
    say,
)

START = datetime(2026, 9, 7, 16, 0, tzinfo=UTC)
BOTH_DATABASES = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


async def test_a_chat_started_now_posts_its_questions_on_time_and_ends(
    bot: TestBot, clock: FakeClock
) -> None:
    sent = await bot.say("dana", f'/chat start {TWO} intro="Welcome, all!"')
    assert privately(sent) == ["Chat #1 has started in <#parents> with 2 questions."]
    opening, q1 = posts(sent)
    assert opening.message.text.startswith("Welcome, all!\n\nOur live chat starts now: 2 questions")
    assert q1.message.text == "Q1: What helps mornings?"
    assert q1.opens_thread
    assert q1.message.footer == "Answer with A1: … or reply in this thread."
    ran = await bot.next_timer()
    assert ran is not None
    timer, sent = ran
    assert (timer.feature, timer.kind, timer.key) == ("chats", "step", "1")
    assert clock.now() == START + timedelta(minutes=10)
    assert [p.message.text for p in posts(sent)] == ["Q2: How do you plan the week?"]
    ran = await bot.next_timer()
    assert ran is not None
    assert clock.now() == START + timedelta(minutes=20)
    [end] = posts(ran[1])
    assert end.message.text == "That's the end of our live chat. Thank you! 0 answers were filed."
    assert (await chat_row(bot))["status"] == "ended"
    assert await bot.next_timer() is None


@BOTH_DATABASES
async def test_answers_are_filed_with_a_reaction_in_every_form(bot: TestBot) -> None:
    sent = await bot.say("dana", f"/chat start {TWO}")
    q1_id = f"m{bot.adapter.sent.index(posts(sent)[1]) + 1}"  # the fake's message IDs
    assert [q["message_id"] for q in await question_rows(bot)] == [q1_id, None]
    # Labelled, with a reaction on the member's message.
    sent = await say(bot, "maria", "A1: Leemos juntos", "u1")
    [mark] = sent
    assert isinstance(mark, React)
    assert (mark.to.message, mark.emoji) == ("u1", "✅")
    # A reply in Q1's thread, with no label.
    await say(bot, "lee", "Packing the bag the night before", "u2", thread=q1_id)
    # Side talk is not filed and gets no reaction; an answer to a question not yet
    # asked is not filed either, and its author is told so, privately.
    assert await say(bot, "sam", "Good evening everyone!", "u3") == []
    assert privately(await say(bot, "sam", "A2: too soon", "u4")) == [
        "Q2 isn't posted yet, so I didn't file your answer. Send it again once Q2 is up."
    ]
    await bot.next_timer()  # Q2
    # Two answers in one message, and a late answer to Q1 after Q2 came.
    await say(bot, "lee", "A1: Music in the car\nA2: A family calendar", "u5")
    await say(bot, "sam", "a1 - breakfast the night before", "u6")
    assert await answers(bot) == [
        (1, "u1", "maria", "Leemos juntos"),
        (1, "u2", "lee", "Packing the bag the night before"),
        (1, "u5", "lee", "Music in the car"),
        (2, "u5", "lee", "A family calendar"),
        (1, "u6", "sam", "breakfast the night before"),
    ]
    # Reactions to an answer are counted (what the group valued); the bot's mark is not.
    await react(bot, "lee", "u1")
    await react(bot, "sam", "u1", "👍")
    await react(bot, "sam", "u1", "✅")
    from bot.features.chats.tables import chat_answers
    from tests.features.chats.helpers import rows

    assert [r["reactions"] for r in await rows(bot, chat_answers)] == [2, 0, 0, 0, 0]
    ended = await bot.say("dana", "/chat end")
    assert privately(ended) == ["Chat #1 has ended. Thank you for moderating!"]
    assert posts(ended)[0].message.text == (
        "That's the end of our live chat. Thank you! 4 answers were filed. They came from 3 people."
    )
    # After the end nothing more is filed.
    assert await say(bot, "maria", "A2: tarde", "u7") == []


async def test_a_scheduled_chat_is_announced_with_its_questions_and_time(
    bot: TestBot, clock: FakeClock
) -> None:
    sent = await bot.say("dana", f"/chat start {TWO} at=19:30 interval=15")
    assert privately(sent) == [
        "Chat #1 with 2 questions is announced in <#parents> and starts Monday 7 September, 19:30."
    ]
    [announcement] = posts(sent)
    assert announcement.message.text == (
        "A live chat starts here Monday 7 September, 19:30 (UTC). The questions:\n"
        "Q1: What helps mornings?\nQ2: How do you plan the week?"
    )
    assert announcement.message.footer == (
        "A new question every 15 minutes. Answer with A1, A2 … or in the question's thread."
    )
    [button] = announcement.message.buttons
    bot.people["lee"].timezone = "America/New_York"
    shown = await bot.press("lee", button.action_id, button.value)
    assert privately(shown) == [
        "Chat #1 starts Monday 7 September, 15:30 in your time (America/New_York)."
    ]
    listed = await bot.say("lee", "/chat list")
    assert "#1 in <#parents>: starts Monday 7 September, 15:30, 2 questions" in privately(listed)[0]
    assert await say(bot, "maria", "A1: antes de empezar", "u1") == []  # not begun yet
    ran = await bot.next_timer()
    assert ran is not None
    assert clock.now() == datetime(2026, 9, 7, 19, 30, tzinfo=UTC)
    assert [p.message.text.split("\n")[0] for p in posts(ran[1])] == [
        "Our live chat starts now: 2 questions, one every 15 minutes.",
        "Q1: What helps mornings?",
    ]


async def test_next_extend_and_end_move_the_chat_on(bot: TestBot, clock: FakeClock) -> None:
    await bot.say("dana", f"/chat start {TWO}")
    clock.advance(minutes=3)
    sent = await bot.say("dana", "/chat next")
    assert privately(sent) == ["Q2 of chat #1 is posted."]
    assert [p.message.text for p in posts(sent)] == ["Q2: How do you plan the week?"]
    sent = await bot.say("dana", "/chat extend 7")
    assert privately(sent) == ["Chat #1 ends Monday 7 September, 16:20."]
    ran = await bot.next_timer()
    assert ran is not None
    assert clock.now() == START + timedelta(minutes=20)
    assert (await chat_row(bot))["status"] == "ended"


async def _restart_mid_chat(database_url: str, clock: FakeClock, missed: str) -> TestBot:
    """A chat started at 16:00, the bot down for 25 minutes, back at 16:25."""
    first = Homeroom(test_settings(database_url), clock=clock)
    adapter = FakeAdapter(clock=clock)
    first.attach(adapter)
    await first.start(timers=False)
    bot = TestBot(first, adapter)
    three = 'questions="One?; Two?; Three?; Four?"'
    await bot.say("dana", f"/chat start {three} missed={missed}")
    await first.stop()
    clock.advance(minutes=25)
    again = Homeroom(test_settings(database_url), clock=clock)
    adapter = FakeAdapter(clock=clock)
    again.attach(adapter)
    await again.start(timers=False)
    bot = TestBot(again, adapter, _ids=itertools.count(100))
    assert await again.timers.run_due() == 1
    await bot.settle()
    return bot


@BOTH_DATABASES
async def test_a_question_due_while_down_is_posted_late_with_a_note(
    database_url: str, clock: FakeClock
) -> None:
    bot = await _restart_mid_chat(database_url, clock, "post")
    try:
        [q2] = posts(bot.adapter.sent)
        assert q2.message.text == "Q2: Two?"
        assert q2.message.footer == (
            "I was offline when this question was due (Monday 7 September, 16:10), so it "
            "comes now. Answer with A2: … or reply in this thread."
        )
        assert (await chat_row(bot))["next_at"] == clock.now() + timedelta(minutes=10)
    finally:
        await bot.app.stop()


@BOTH_DATABASES
async def test_questions_whose_time_passed_while_down_are_skipped_and_said(
    database_url: str, clock: FakeClock
) -> None:
    bot = await _restart_mid_chat(database_url, clock, "skip")
    try:
        # Q2's whole time (16:10-16:20) passed while down; Q3's (16:20-16:30) is now.
        note, q3 = posts(bot.adapter.sent)
        assert note.message.text == (
            "I was offline from Monday 7 September, 16:10, so I skipped question Q2, "
            "as the moderator chose."
        )
        assert q3.message.text == "Q3: Three?"
        assert q3.message.footer == "Answer with A3: … or reply in this thread."
        assert [q["skipped"] for q in await question_rows(bot)] == [0, 1, 0, 0]
    finally:
        await bot.app.stop()


async def test_a_recurring_chat_is_announced_a_day_before_each_time(
    bot: TestBot, clock: FakeClock
) -> None:
    # Every Tuesday at 20:00 this term: the first is tomorrow (it is Monday the 7th).
    sent = await bot.say("dana", f'/chat start {TWO} at="tue 20:00" every=week until=2026-09-21')
    assert privately(sent)[0].endswith(
        "It takes place again every Tuesday at 20:00. The last time is on or before "
        "Monday 21 September."
    )
    [listed] = privately(await bot.say("lee", "/chat list"))
    assert listed == (
        "#1 in <#parents>: starts Tuesday 8 September, 20:00, 2 questions (recurring chat 1)"
    )
    await bot.next_timer()  # the first chat's Q1, Tuesday 8th
    await bot.next_timer()  # Q2
    await bot.next_timer()  # its end
    # Between two occurrences (the next one's row is made a day before), it is listed
    # with its next date all the same.
    [listed] = privately(await bot.say("lee", "/chat list"))
    assert listed == (
        "Recurring chat 1 in <#parents>, every Tuesday at 20:00: next Tuesday 15 September, "
        "20:00, 2 questions"
    )
    ran = await bot.next_timer()  # the next one's announcement, a day before
    assert ran is not None
    timer, sent = ran
    assert (timer.kind, clock.now()) == ("repeat", datetime(2026, 9, 14, 20, 0, tzinfo=UTC))
    [announcement] = posts(sent)
    assert announcement.message.text.startswith(
        "A live chat starts here Tuesday 15 September, 20:00 (UTC)."
    )
    for _ in range(3):  # the second chat: Q1, Q2, end
        await bot.next_timer()
    assert await bot.next_timer() is None  # the 22nd is after the last date
    assert privately(await bot.say("lee", "/chat list")) == [
        "No live chat is running or planned. “chat start” starts one."
    ]


async def test_a_series_from_the_library_gives_its_title_and_questions(bot: TestBot) -> None:
    from bot.features.prompts.library import Library

    series = Library.load().get("screens-and-sleep", "en")
    assert series is not None
    sent = await bot.say("dana", "/chat start questions=screens-and-sleep")
    total = len(series.prompts)
    assert privately(sent) == [f"Chat #1 has started in <#parents> with {total} questions."]
    opening, q1 = posts(sent)
    assert opening.message.title == series.title
    assert q1.message.text == f"Q1: {series.prompts[0].text}"


async def test_a_planned_chat_is_called_off_and_a_recurring_one_stops(
    bot: TestBot, clock: FakeClock
) -> None:
    await bot.say("dana", f"/chat start {TWO} at=20:00 every=week")
    sent = await bot.say("dana", "/chat cancel 1")
    assert privately(sent) == [
        "Chat #1 is called off, and the group is told. It won't take place again."
    ]
    assert [p.message.text for p in posts(sent)] == [
        "The live chat planned here for Monday 7 September, 20:00 is called off."
    ]
    assert await bot.next_timer() is None  # neither its questions nor its next time
    before = await bot.state()
    again = await bot.say("dana", "/chat cancel 1")
    assert privately(again) == ["Chat #1 is already over. Nothing was changed."]
    assert privately(await bot.say("dana", "/chat cancel 9")) == [
        "There's no chat #9 here. “chat list” shows those to come."
    ]
    assert await bot.state() == before


def _listing(sent: list[Intent]) -> tuple[str, str | None]:
    [reply] = [i for i in sent if isinstance(i, Ephemeral)]
    return reply.message.text, reply.message.footer


async def test_a_recurring_chat_is_stopped_between_its_dates_by_its_number(
    bot: TestBot, clock: FakeClock
) -> None:
    """Between two chats of a series no chat row exists yet, so the series has its own
    number in `chat list`; `chat cancel series=N` stops it and says what it called off."""
    await bot.say("dana", f'/chat start {TWO} at="tue 20:00" every=week until=2026-09-29')
    for _ in range(3):  # Tuesday 8th: Q1, Q2, end
        await bot.next_timer()
    text, footer = _listing(await bot.say("dana", "/chat list"))
    assert text == (
        "Recurring chat 1 in <#parents>, every Tuesday at 20:00: next Tuesday 15 September, "
        "20:00, 2 questions"
    )
    assert footer == "“chat cancel series=N” stops recurring chat N for good."
    sent = await bot.say("dana", "/chat cancel series=1")
    # The 15th, 22nd and 29th are called off; nothing was announced yet to retract.
    assert privately(sent) == [
        "Recurring chat 1 is stopped: its 3 chats to come are called off. The last one "
        "held was chat #1, Tuesday 8 September, 20:00."
    ]
    assert posts(sent) == []
    assert await bot.next_timer() is None
    assert privately(await bot.say("lee", "/chat list")) == [
        "No live chat is running or planned. “chat start” starts one."
    ]
    before = await bot.state()
    assert privately(await bot.say("dana", "/chat cancel series=1")) == [
        "Recurring chat 1 has no chat to come. Nothing was changed."
    ]
    assert privately(await bot.say("dana", "/chat cancel series=7")) == [
        "There's no recurring chat 7 here. “chat list” shows those to come."
    ]
    assert privately(await bot.say("dana", "/chat cancel")) == [
        "Which chat? Give its number, or “series=” and a number for a recurring chat; "
        "“chat list” shows both."
    ]
    assert await bot.state() == before


async def test_a_recurring_chat_is_stopped_while_one_is_announced_or_running(
    bot: TestBot, clock: FakeClock
) -> None:
    """With no last date every later chat is off; an announced one is retracted in the
    group, and one running now ends as planned."""
    await bot.say("dana", f'/chat start {TWO} at="tue 20:00" every=week')
    for _ in range(4):  # Tuesday 8th: Q1, Q2, end; the 15th's announcement
        await bot.next_timer()
    sent = await bot.say("dana", "/chat cancel series=1")
    assert privately(sent) == [
        "Recurring chat 1 is stopped: none of its chats to come will take place. The group "
        "is told. The last one held was chat #1, Tuesday 8 September, 20:00."
    ]
    assert [p.message.text for p in posts(sent)] == [
        "The live chat planned here for Tuesday 15 September, 20:00 is called off."
    ]
    assert await bot.next_timer() is None
    assert (await chat_row(bot, 2))["status"] == "cancelled"

    # Monday 14th, 20:00: a chat every Monday from now to the 28th; #3 runs now.
    await bot.say("dana", f"/chat start {TWO} every=week until=2026-09-28")
    text, footer = _listing(await bot.say("dana", "/chat list"))
    assert text == "#3 in <#parents>: running, 1 of 2 questions posted (recurring chat 2)"
    assert footer == "“chat cancel series=N” stops recurring chat N for good."
    sent = await bot.say("dana", "/chat cancel series=2")
    assert privately(sent) == [
        "Recurring chat 2 is stopped: its 2 chats to come are called off. Chat #3, running "
        "now, ends as planned."
    ]
    await bot.next_timer()  # Q2
    await bot.next_timer()  # its end
    assert (await chat_row(bot, 3))["status"] == "ended"
    assert await bot.next_timer() is None


async def test_a_spanish_organizer_stops_a_recurring_chat(bot: TestBot) -> None:
    bot.people["maria"].is_admin = True
    await bot.say("maria", f'/chat start {TWO} at="tue 20:00" every=week until=2026-09-08')
    sent = await bot.say("maria", "/chat cancel serie=1")
    assert privately(sent) == [
        "El chat periódico 1 se ha detenido: su único chat por venir queda cancelado. "
        "El grupo está avisado. Aún no había tenido lugar ninguno de sus chats."
    ]


@BOTH_DATABASES
async def test_a_step_from_a_stale_view_posts_nothing_twice(bot: TestBot) -> None:
    """`chat next` and the timer at the same moment: the second to come finds the chat
    moved on and posts nothing."""
    from bot.features.chats import store

    await bot.say("dana", f"/chat start {TWO}")
    chats_state = next(f.state for f in bot.app.features if f.name == "chats")
    async with bot.app.db.engine.connect() as conn:
        stale = await store.get(conn, 1, bot.where())
    assert stale is not None
    await bot.say("dana", "/chat next")  # Q2 goes out
    now = bot.app.clock.now()
    async with bot.app.db.engine.begin() as conn:
        assert await chats_state.service.step(conn, stale, now) == []
        assert await chats_state.service.end(conn, stale, now) == []
    assert [q["posted_at"] is not None for q in await question_rows(bot)] == [True, True]
    assert (await chat_row(bot))["posted"] == 2


async def test_a_spanish_organizer_plans_a_chat_for_a_weekday_in_spanish(bot: TestBot) -> None:
    bot.people["maria"].is_admin = True
    sent = await bot.say("maria", '/chat start preguntas="¿Qué ayuda?" cuándo="martes 19:00"')
    assert privately(sent) == [
        "El chat #1, con una pregunta, está anunciado en <#parents> y empieza el "
        "martes 8 de septiembre, 19:00."
    ]


async def test_a_last_date_in_another_year_says_its_year(bot: TestBot) -> None:
    """Today is Monday 7 September 2026: a series until March says "2027", in English
    and in Spanish, or it reads as the March gone by."""
    sent = await bot.say("dana", f'/chat start {TWO} at="fri 19:00" every=week until=2027-03-26')
    assert privately(sent)[0].endswith(
        "It takes place again every Friday at 19:00. The last time is on or before "
        "Friday 26 March 2027."
    )
    await bot.say("dana", "/role grant <@maria> organizer")
    sent = await bot.say("maria", f'/chat start {TWO} at="sat 10:00" every=week until=2027-03-27')
    assert privately(sent)[0].endswith("La última vez es el sábado 27 de marzo de 2027 o antes.")
