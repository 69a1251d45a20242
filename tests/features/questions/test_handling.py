"""Handling: claim and answer from the card's buttons, the answer relayed by DM, the
parent's reply relayed to the card's thread, notes kept from the asker, asking the
parent for more (the clock pauses), reassigning, closing, and who may do what."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.features.questions.service import ANSWER, CLAIM
from bot.features.questions.tables import questions
from bot.intents import DirectMessage, OpenForm, Post, Update
from bot.testing import TestBot
from tests.features.questions.conftest import cards, community


async def asked(bot: TestBot, text: str = "/ask Is there a bus on snow days?") -> str:
    """The card's message ID, as the platform gave it."""
    await community(bot)
    await bot.say("dana", "/route fallback @sam backup=@ines")
    [card] = cards(await bot.say("lee", text))
    return f"m{bot.adapter.sent.index(card) + 1}"


async def test_answer_on_a_question_nobody_has_takes_it_and_opens_the_form(bot: TestBot) -> None:
    """No rule routed it: the liaison who presses Answer gets it, as with Claim."""
    await community(bot)
    assert len(cards(await bot.say("lee", "/ask Is there a bus on snow days?"))) == 1
    pressed = await bot.press("sam", ANSWER, "1", channel="liaisons")
    [form] = [i for i in pressed if isinstance(i, OpenForm)]
    assert form.form.form_id == "questions:answer:1"
    [update] = [i for i in pressed if isinstance(i, Update)]
    assert "• Status: with a liaison" in bot.texts([update])[0]
    async with bot.app.db.engine.connect() as conn:
        row = (await conn.execute(select(questions.c.liaison_id, questions.c.status))).one()
    assert tuple(row) == ("sam", "claimed")
    taken = await bot.press("ines", ANSWER, "1", channel="liaisons")
    assert bot.texts(taken) == [
        "Question #1 is with <@sam>, so only they or an organizer can do that. An "
        "organizer can reassign it with “queue reassign”."
    ]


async def test_claim_and_answer_from_the_card_relay_the_answer_by_dm(bot: TestBot) -> None:
    card = await asked(bot)
    claimed = await bot.press("sam", CLAIM, "1", channel="liaisons")
    [update] = [i for i in claimed if isinstance(i, Update)]
    assert update.to.message == card  # the card, updated in place
    assert "• Status: with a liaison" in bot.texts([update])[0]
    assert "Claim" not in bot.texts([update])[0]
    [form] = await bot.press("sam", ANSWER, "1", channel="liaisons")
    assert isinstance(form, OpenForm) and form.form.form_id == "questions:answer:1"
    sent = await bot.submit(
        "sam", "questions:answer:1", channel="liaisons", text="Yes, at 8:10.", **{"as-team": "yes"}
    )
    [relay] = [i for i in sent if isinstance(i, DirectMessage)]
    assert relay.member == bot.member("lee")
    assert bot.texts([relay]) == [
        "A school liaison answered your question #1 (“Is there a bus on snow days?”):\n\n"
        "Yes, at 8:10.\n\nIf you need more, just reply to this message."
    ]
    [thread] = [i for i in sent if isinstance(i, Post)]
    assert (thread.to.channel, thread.to.thread) == ("liaisons", card)
    [listing] = await bot.say("lee", "/ask list")
    assert bot.texts([listing]) == [  # the answer too, should its message be gone
        "*Your questions*\n#1 · answered · “Is there a bus on snow days?”\n"
        "    Answer: “Yes, at 8:10.”"
    ]


async def test_the_parents_reply_reaches_the_cards_thread(bot: TestBot) -> None:
    card = await asked(bot)
    await bot.say("sam", "/queue answer 1 Yes, at 8:10.", channel="liaisons")
    sent = await bot.dm("lee", "And on late-start days?")
    [relayed] = [i for i in sent if isinstance(i, Post)]
    assert (relayed.to.channel, relayed.to.thread) == ("liaisons", card)
    assert bot.texts([relayed]) == ["The parent replied on #1: And on late-start days?"]
    [thanks] = [i for i in sent if isinstance(i, DirectMessage)]
    assert bot.texts([thanks]) == ["Thank you. I passed your reply on for question #1."]


async def test_a_note_never_reaches_the_asker(bot: TestBot) -> None:
    await asked(bot)
    sent = await bot.say("ines", "/queue note 1 Check with transport office", channel="liaisons")
    assert [i for i in sent if isinstance(i, DirectMessage)] == []
    assert bot.texts(sent) == [
        "Noted on #1. The parent never sees notes.",
        "Note from <@ines>: Check with transport office",
    ]
    lee = bot.member("lee")
    assert not [i for i in bot.adapter.sent if isinstance(i, DirectMessage) and i.member == lee]


async def test_asking_the_parent_pauses_the_clock_until_they_reply(bot: TestBot) -> None:
    await asked(bot)
    await bot.say("sam", "/queue claim 1", channel="liaisons")
    sent = await bot.say("sam", "/queue ask-parent 1 Which stop?", channel="liaisons")
    [request] = [i for i in sent if isinstance(i, DirectMessage)]
    assert bot.texts([request]) == [
        "A school liaison is looking at your question #1 (“Is there a bus on snow days?”) "
        "and asks: Which stop?\n\nJust reply to this message."
    ]
    [listing] = await bot.say("lee", "/ask list")
    assert "#1 · waiting for you" in bot.texts([listing])[0]
    assert await bot.app.timers.soonest() is None  # nothing chases a paused question
    bot.app.clock.advance(hours=3)  # type: ignore[attr-defined]
    await bot.dm("lee", "Elm Street")
    async with bot.app.db.engine.connect() as conn:
        row = (
            await conn.execute(
                select(questions.c.status, questions.c.due_at, questions.c.paused_seconds)
            )
        ).one()
    assert (row.status, row.paused_seconds) == ("claimed", 3 * 3600)
    # Promised Wednesday 12:00 in New York; three working hours paused move it to 15:00.
    assert row.due_at == datetime(2026, 9, 9, 19, 0, tzinfo=UTC)
    timer = await bot.app.timers.soonest()
    assert timer is not None and timer.key == "1"


async def test_only_the_assigned_liaison_or_an_organizer_answers_or_closes(
    bot: TestBot,
) -> None:
    await asked(bot)
    await bot.say("sam", "/queue claim 1", channel="liaisons")
    before = await bot.state()
    [reply] = await bot.say("omar", "/queue answer 1 Yes.", channel="liaisons")
    assert bot.texts([reply]) == [
        "Question #1 is with <@sam>, so only they or an organizer can do that. An "
        "organizer can reassign it with “queue reassign”."
    ]
    [reply] = await bot.say("omar", "/queue close 1", channel="liaisons")
    assert bot.texts([reply])[0].startswith("Question #1 is with <@sam>")
    [reply] = await bot.say("lee", "/queue close 1")
    assert bot.texts([reply]) == ["Only school liaisons can do that."]
    [reply] = await bot.say("lee", "/queue list")
    assert bot.texts([reply]) == ["Only school liaisons can do that."]
    [reply] = await bot.say("omar", "/queue claim 1", channel="liaisons")
    assert bot.texts([reply]) == [
        "Question #1 is already with <@sam>. An organizer can reassign it."
    ]
    [reply] = await bot.say("sam", "/queue answer 9 Yes.", channel="liaisons")
    assert bot.texts([reply]) == ["There's no question numbered 9 here. “queue list” shows them."]
    assert await bot.state() == before
    sent = await bot.say("dana", "/queue close 1 reason=referred", channel="liaisons")
    [told] = [i for i in sent if isinstance(i, DirectMessage)]
    assert bot.texts([told]) == [
        "Your question #1 (“Is there a bus on snow days?”) is now closed (referred). You "
        "are always welcome to ask again."
    ]


async def test_reassign_and_queue_list_filters(bot: TestBot) -> None:
    await asked(bot)
    await bot.say("lee", "/ask Flu shots? topic=health grade=2")
    sent = await bot.say(
        "sam", "/queue reassign 1 liaison=@omar note=Omar drives", channel="liaisons"
    )
    assert bot.texts(sent)[0] == "Question #1 is now with <@omar>."
    assert "Question #1 was passed to you. “queue list mine” shows it." in bot.texts(sent)
    [mine] = await bot.say("omar", "/queue list mine", channel="liaisons")
    assert bot.texts([mine])[0].startswith("*Liaison queue*\n#1 · general · received · <@omar>")
    [health] = await bot.say("omar", "/queue list topic=health grade=2", channel="liaisons")
    assert bot.texts([health])[0].count("\n#") == 1 and "#2 · health" in bot.texts([health])[0]
    [none] = await bot.say("omar", "/queue list overdue", channel="liaisons")
    assert bot.texts([none]) == ["No questions here. Thank you for keeping up!"]


async def test_queue_list_all_shows_answered_and_closed_questions_too(bot: TestBot) -> None:
    """With no choice the open ones; `all` every state a sent question reaches."""
    await asked(bot)
    await bot.say("lee", "/ask Flu shots? topic=health")
    await bot.say("lee", "/ask Is the gym open?")
    await bot.say("sam", "/queue claim 1", channel="liaisons")
    await bot.say("sam", "/queue answer 1 Yes, at 7.", channel="liaisons")
    await bot.say("sam", "/queue close 2 reason=duplicate", channel="liaisons")
    [every] = await bot.say("sam", "/queue list all", channel="liaisons")
    [lines] = bot.texts([every])
    assert [line.split(" · “")[0] for line in lines.split("\n")[1:]] == [
        "#1 · general · answered · <@sam>",
        "#2 · health · closed · <@sam>",
        "#3 · general · received · <@sam>",
    ]
    [working] = await bot.say("sam", "/queue list", channel="liaisons")
    assert [line.split(" · ")[0] for line in bot.texts([working])[0].split("\n")[1:]] == ["#3"]
