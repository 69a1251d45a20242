"""Asking: the acknowledgement with its promise in the parent's zone and language, the
card in the queue, the form and the message action, and bad input that changes nothing."""

from __future__ import annotations

from dataclasses import replace

from bot.events import CommandInvoked
from bot.intents import Ephemeral, OpenForm, Post
from bot.testing import TestBot
from tests.features.questions.conftest import cards, community


async def test_a_question_is_acknowledged_with_its_promise_and_carded(bot: TestBot) -> None:
    await community(bot)
    await bot.say("dana", "/route fallback @sam")
    sent = await bot.say("lee", "/ask When is the science fair? topic=events grade=3")
    [ack] = [i for i in sent if isinstance(i, Ephemeral)]
    assert ack.member == bot.member("lee")
    # Monday 12:00 in New York + 2 working days of school hours (sam set none): 4 hours
    # on Monday, 8 on Tuesday, 4 on Wednesday; shown in the parent's zone (the community's).
    assert bot.texts([ack]) == [
        "Thank you for asking. Your question #1 is with a school liaison, and you can "
        "expect an answer by Wednesday 9 September, 12:00. The answer will come here, in a "
        "private message."
    ]
    [card] = cards(sent)
    assert bot.texts([card]) == [
        "*Question #1 · events · grade 3*\n“When is the science fair?”\nFrom: <@lee>\n"
        "• Status: received\n• Liaison: <@sam>\n"
        "• Answer due: Wednesday 9 September, 12:00\n  [1] Claim\n  [2] Answer\n"
        "_Language: English_"
    ]


async def test_a_question_no_rule_routes_is_said_to_wait_in_the_queue(bot: TestBot) -> None:
    """No route and no fallback: nobody has it yet, so the parent is not told somebody does."""
    await community(bot)
    sent = await bot.say("lee", "/ask When is the science fair?")
    [ack] = [i for i in sent if isinstance(i, Ephemeral)]
    assert bot.texts([ack])[0].startswith(
        "Thank you for asking. Your question #1 is with the school liaisons' queue, where an "
        "organizer makes sure someone takes it, and you can expect an answer by "
    )
    [card] = cards(sent)
    assert "• Liaison: None yet" in bot.texts([card])[0]


async def test_the_promise_is_in_the_parents_own_zone_and_language(bot: TestBot) -> None:
    await community(bot)
    await bot.say("dana", "/route fallback @sam")
    bot.people["maria"].timezone = "Europe/Madrid"
    sent = await bot.say("maria", "/ask ¿Cuándo es la feria de ciencias?")
    [ack] = [i for i in sent if isinstance(i, Ephemeral)]
    assert bot.texts([ack]) == [
        "Gracias por preguntar. Su pregunta n.º 1 está con un enlace escolar, y puede "
        "esperar una respuesta antes del miércoles 9 de septiembre, 18:00. La "
        "respuesta llegará aquí, en un mensaje privado."
    ]


async def test_a_named_liaison_who_agrees_is_named_to_a_named_asker(bot: TestBot) -> None:
    await community(bot)
    await bot.say("dana", "/route fallback @sam")
    await bot.say("sam", "/queue named yes")
    [ack, _card] = await bot.say("lee", "/ask Can we visit the library?")
    assert "is with <@sam>, and" in bot.texts([ack])[0]
    [ack, _card] = await bot.say("lee", "/ask Can we visit the gym? anonymous=yes")
    assert "is with a school liaison, and" in bot.texts([ack])[0]


async def test_without_text_the_question_is_asked_in_a_form(bot: TestBot) -> None:
    await community(bot)
    [form] = await bot.say("lee", "/ask")
    assert isinstance(form, OpenForm) and form.form.form_id == "questions:ask"
    assert [f.name for f in form.form.fields] == ["text", "topic", "grade", "anonymous"]
    sent = await bot.submit(
        "lee",
        "questions:ask",
        text="Is there a bus on snow days?",
        topic="transport",
        grade="k",
        anonymous="no",
    )
    [card] = cards(sent)
    assert card.message.title == "Question #1 · transport · grade k"


async def test_the_message_action_opens_the_form_with_the_message_quoted(bot: TestBot) -> None:
    await community(bot)
    origin = bot._from("lee")
    target = replace(origin["conversation"], message="m7")
    [form] = await bot.send(
        CommandInvoked(**origin, name="ask", target=target, target_text="Picture day moved?")
    )
    assert isinstance(form, OpenForm)
    assert form.form.fields[0].default == "About this message: “Picture day moved?”\n"


async def test_bad_questions_get_a_kind_answer_and_change_nothing(bot: TestBot) -> None:
    await community(bot)
    await bot.say("dana", "/route fallback @sam")
    before = await bot.state()
    for typed, answer in (
        ("/ask ?", "Your question is empty. Please write what you would like to ask."),
        (
            "/ask Is there a bus? topic=sports",
            "“sports” isn't one of the choices for “topic”: general, "
            "homework, attendance, special-needs, health, transport, behaviour, events.",
        ),
        (
            "/ask Is there a bus? grade=14",
            "I don't know the grade “14”. Grades are: pre-k, k, 1, 2, 3, 4, 5, 6, 7, 8, 9, "
            "10, 11, 12.",
        ),
        (  # every bad value in one answer, whichever check finds it
            "/ask Is there a bus? topic=helth grade=13 language=fr",
            "“helth” isn't one of the choices for “topic”: general, "
            "homework, attendance, special-needs, health, transport, behaviour, events. "
            "Did you mean “health”?\n"
            "I don't know the grade “13”. Grades are: pre-k, k, 1, 2, 3, 4, 5, 6, 7, 8, 9, "
            "10, 11, 12.\n"
            "I don't know the language “fr”. Languages are: en, es.",
        ),
    ):
        [reply] = await bot.say("lee", typed)
        assert bot.texts([reply]) == [answer], typed
    assert await bot.state() == before
    [reply] = await bot.submit("lee", "questions:ask", text="  ", topic="general")
    assert bot.texts([reply]) == [
        "Your question is empty. Please write what you would like to ask."
    ]
    assert await bot.state() == before


async def test_a_question_with_no_queue_channel_reaches_its_liaison_by_dm(bot: TestBot) -> None:
    await bot.say("dana", "/role grant @sam liaison")
    await bot.say("dana", "/route fallback @sam")
    sent = await bot.say("lee", "/ask Where is lost and found?")
    assert [type(i).__name__ for i in sent] == ["Ephemeral", "DirectMessage"]
    assert not [i for i in sent if isinstance(i, Post)]
    # The card's "thread" is sam's DMs: what sam does there is not told back to sam.
    noted = await bot.say("sam", "/queue note 1 Checking the office first.")
    assert bot.texts(noted) == ["Noted on #1. The parent never sees notes."]
    answered = await bot.say("sam", "/queue answer 1 By the gym door.")
    assert [(type(i).__name__, getattr(i, "member", None)) for i in answered] == [
        ("DirectMessage", bot.member("lee")),
        ("Ephemeral", bot.member("sam")),
    ]


async def test_the_promise_counts_the_liaisons_own_hours_and_time_away(bot: TestBot) -> None:
    await community(bot)
    await bot.say("dana", "/route fallback @sam backup=@ines reply-within=4 hours")
    await bot.say("sam", "/hours set mon-fri 09:00 13:00 timezone=Europe/London")
    bot.people["lee"].timezone = "America/Los_Angeles"
    # Monday 16:00 UTC is 17:00 in London: sam is closed until Tuesday 09:00 there, so
    # four working hours end Tuesday 13:00 London, 05:00 in Los Angeles.
    [ack, _card] = await bot.say("lee", "/ask Is the library open on Saturday?")
    assert "expect an answer by Tuesday 8 September, 05:00." in bot.texts([ack])[0]
    await bot.say("sam", "/away until 2026-09-20")
    # sam is away: ines (school hours in New York, from Monday 12:00) takes it.
    [ack, card] = await bot.say("lee", "/ask And on Sunday?")
    assert "• Liaison: <@ines>" in bot.texts([card])[0]
    assert "expect an answer by Monday 7 September, 13:00." in bot.texts([ack])[0]


async def test_a_spanish_parent_may_type_the_command_words_in_spanish(bot: TestBot) -> None:
    await community(bot)
    await bot.say("dana", "/route fallback @sam")
    [helped] = await bot.say("maria", "/ayuda")
    assert bot.texts([helped])[0].startswith("*Ayuda de Homeroom*")
    sent = await bot.say("maria", "/preguntar ¿Hay autobús los días de nieve? anónimo=sí")
    [ack] = [i for i in sent if isinstance(i, Ephemeral)]
    assert bot.texts([ack])[0].startswith("Gracias por preguntar.")
    assert "From: a parent who asked not to be named" in bot.texts(cards(sent))[0]
    [listing] = await bot.say("maria", "/pregunta list")
    assert "#1 · recibida" in bot.texts([listing])[0]


async def test_a_deleted_newest_questions_number_is_never_given_again(bot: TestBot) -> None:
    """lee's `me delete` takes #2, the newest; the next question is #3, not a second #2
    (SQLite reused the highest free rowid before migration 0027)."""
    from bot.features.rights import erase
    from tests.features.rights.test_export_delete import confirm_value

    await community(bot)
    await bot.say("maria", "/ask When is the science fair?")
    await bot.say("lee", "/ask Is there a bus on snow days?")
    value = confirm_value(await bot.say("lee", "/homeroom me delete"))
    await bot.press("lee", erase.CONFIRM, value)
    assert [r[0] for r in (await bot.state())["questions"]] == [1]
    [ack] = [
        i for i in await bot.say("omar", "/ask Can we visit the gym?") if isinstance(i, Ephemeral)
    ]
    assert "Your question #3 is with" in bot.texts([ack])[0]
