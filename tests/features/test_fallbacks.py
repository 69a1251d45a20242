"""Every fallback the core chooses when an adapter lacks a capability."""

import pytest
from sqlalchemy import select

from bot.app import Homeroom
from bot.capabilities import Capabilities
from bot.directory import Role
from bot.events import MessagePosted
from bot.features.questions.tables import questions as asked_questions
from bot.i18n import translator
from bot.intents import (
    Choice,
    DirectMessage,
    Ephemeral,
    Form,
    FormField,
    Intent,
    Message,
    Post,
    React,
    Update,
    intent_to_json,
)
from bot.refs import ConversationRef, MemberRef
from bot.render import field_prompt
from bot.testing import FakeAdapter, TestBot

BARE = Capabilities(
    threads=False,
    buttons=False,
    forms=False,
    ephemeral=False,
    reactions=False,
    updates=False,
    max_text=400,
)


@pytest.fixture
def capabilities() -> Capabilities:
    return BARE


async def test_buttons_become_numbered_text_and_a_number_presses_the_button(bot: TestBot) -> None:
    # No ephemeral messages: privately, by DM (in five parts: longer than 400 characters).
    cards = await bot.say("lee", "/homeroom help")
    assert len(cards) == 5 and all(isinstance(c, DirectMessage) for c in cards)
    bot.people["lee"].is_admin = True
    parts = await bot.say("lee", "/homeroom help")  # long: split under the limit
    assert all(isinstance(p, DirectMessage) and p.message.buttons == () for p in parts)
    text = "\n".join(bot.texts(parts))
    assert "[1] help\n  [2] setup\n  [3] role" in text
    assert "Reply with a number to choose." in text

    assert await bot.say("lee", "3") == []  # the choice was offered in the DM, not here
    pressed = await bot.dm("lee", "3")  # role's help, split under the 400-character limit
    assert len(pressed) == 2
    assert "role revoke <member> <role>" in "\n".join(bot.texts(pressed))


async def test_a_number_from_someone_else_or_out_of_range_is_just_a_message(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom help")
    assert await bot.say("lee", "3") == []  # dana's choices are dana's
    assert await bot.say("dana", "9") == []


async def test_a_form_becomes_a_short_dialogue_that_runs_the_command(bot: TestBot) -> None:
    [first] = await bot.say("dana", "/homeroom role grant")
    assert "(1/2): The member, like @name" in bot.texts([first])[0]
    [second] = await bot.say("dana", "@sam")
    assert "(2/2): liaison or organizer" in bot.texts([second])[0]
    [unclear] = await bot.say("dana", "principal")
    assert bot.texts([unclear])[0].startswith(
        "“principal” isn't one of the choices for “role”: liaison, organizer.\n"
        "Make a member a liaison or an organizer (2/2)"
    )
    done, _welcome = await bot.say("dana", "1")
    assert bot.texts([done]) == ["Done: <@sam> is now a liaison."]
    assert Role.LIAISON in (await bot.app.directory.profile(bot.member("sam"))).roles


async def test_a_dialogue_survives_a_restart_and_can_be_cancelled(bot: TestBot) -> None:
    await bot.say("maria", "/homeroom help")  # unrelated traffic first
    bot.people["maria"].is_admin = True
    await bot.say("maria", "/homeroom setup")
    restarted = Homeroom(bot.app.settings, clock=bot.app.clock)
    try:
        restarted.attach(FakeAdapter(BARE, clock=bot.app.clock))  # type: ignore[arg-type]
        await restarted.start(timers=False)
        adapter = restarted.outbox._deliverers["fake"]
        again = TestBot(restarted, adapter, bot.people, bot._ids)  # type: ignore[arg-type]
        [reply] = await again.say("maria", "cancelar")
        assert again.texts([reply]) == ["De acuerdo, lo dejé ahí. No se cambió nada."]
        assert await again.say("maria", "hola a todos") == []
    finally:
        await restarted.stop()


async def test_dash_keeps_the_value_shown(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom setup")
    for _ in range(3):
        await bot.say("dana", "-")
    [summary] = await bot.say("dana", "-")
    assert "Time zone: UTC" in bot.texts([summary])[0]


async def test_long_text_is_split_under_the_limit(bot: TestBot) -> None:
    parts = await bot.say("dana", "/homeroom help")
    assert len(parts) > 1
    assert all(len(bot.texts([p])[0]) <= BARE.max_text for p in parts)


async def test_threads_reactions_and_updates_fall_back(homeroom: Homeroom) -> None:
    adapt = homeroom.core._fallbacks.adapt

    where = ConversationRef("fake", "school", "parents", thread="t1", message="m1")
    intents = await adapt(
        [
            Post(to=where, message=Message(text="in a thread")),
            React(to=where, emoji="✅"),
            Update(to=where, message=Message(text="edited")),
        ],
        BARE,
        translator("en"),
    )
    assert intents == [
        Post(to=where.channel_only(), message=Message(text="in a thread")),
        Post(to=where.channel_only(), message=Message(text="edited")),
    ]


async def test_without_dms_or_ephemeral_a_private_reply_is_posted(homeroom: Homeroom) -> None:

    where = ConversationRef("fake", "school", "parents")
    reply = Ephemeral(to=where, member=MemberRef("fake", "school", "x"), message=Message(text="hi"))
    caps = Capabilities(ephemeral=False, direct_messages=False)
    [posted] = await homeroom.core._fallbacks.adapt([reply], caps, translator("en"))
    assert posted == Post(to=where, message=Message(text="hi"))


async def typed(bot: TestBot, who: str, text: str) -> list[Intent]:
    """A line typed as a message, even one that looks like a command."""
    event = MessagePosted(
        event_id=bot.next_event_id(),
        at=bot.app.clock.now(),
        conversation=bot.where(),
        actor=bot.actor(who),
        text=text,
    )
    return await bot.send(event)


async def test_a_bad_answer_asks_that_question_again_and_keeps_the_answers_given(
    bot: TestBot,
) -> None:
    await bot.say("dana", "/homeroom setup")
    [zone] = await bot.say("dana", "Mars/Olympus")
    assert bot.texts([zone]) == [
        "I don't know the time zone “Mars/Olympus”. Use a name like America/New_York or "
        "Europe/Madrid.\n"
        "Set up Homeroom (1/4): The community's time zone, like America/New_York\n"
        "Send “-” to keep “UTC”.\n"
        "Send “cancel” to stop."
    ]
    await bot.say("dana", "America/New_York")
    [languages] = await bot.say("dana", "klingon")
    assert bot.texts([languages])[0].startswith(
        "I can speak en (English), es (español) so far, so I can't use “klingon”.\n"
        "Set up Homeroom (2/4): "
    )
    await bot.say("dana", "en,es")
    [queue] = await bot.say("dana", "liaisons")
    assert bot.texts([queue])[0].startswith(
        "I couldn't tell which channel “liaisons” is. Link it, like #channel.\n"
        "Set up Homeroom (3/4): "
    )
    await bot.say("dana", "#liaisons")
    [summary, _welcome] = await bot.say("dana", "-")
    text = bot.texts([summary])[0]
    assert "• Time zone: America/New_York" in text
    assert "• Languages: English, Spanish" in text
    assert "• Liaison queue: <#liaisons>" in text


async def test_a_command_typed_in_the_middle_of_a_form_asks_whether_to_leave_it(
    bot: TestBot,
) -> None:
    await bot.say("dana", "/homeroom role grant")
    await bot.say("dana", "@sam")
    [asked] = await typed(bot, "dana", "/homeroom help")
    assert bot.texts([asked]) == [
        "You are in the middle of the form “Make a member a liaison or an organizer”, "
        "so I didn't take that as an answer. Leave the form? Answer yes to leave it "
        "(nothing is sent), or no to go back to the question."
    ]
    [unclear] = await bot.say("dana", "maybe")
    assert bot.texts([unclear]) == ["Please answer yes to leave the form, or no to go back to it."]
    [back] = await bot.say("dana", "no")
    assert bot.texts([back])[0].startswith(
        "Make a member a liaison or an organizer (2/2): liaison or organizer"
    )
    [asked_again] = await typed(bot, "dana", ":press 1")
    assert "Leave the form?" in bot.texts([asked_again])[0]
    [left] = await bot.say("dana", "yes")
    assert bot.texts([left]) == ["Okay, you left the form. Nothing was changed."]
    assert await bot.say("dana", "liaison") == []  # the form is closed: just a message
    assert Role.LIAISON not in (await bot.app.directory.profile(bot.member("sam"))).roles


async def test_the_form_dialogue_speaks_the_readers_language(bot: TestBot) -> None:
    bot.people["maria"].is_admin = True
    [first] = await bot.say("maria", "/homeroom role grant")
    [bad] = await bot.say("maria", "sam")
    [asked] = await typed(bot, "maria", "/ayuda")
    [left] = await bot.say("maria", "sí")
    title = "Nombrar a una persona enlace escolar u organizador/a"
    question = f"{title} (1/2): La persona, así: @nombre\nEnvíe “cancelar” para parar."
    assert bot.texts([first, bad, asked, left]) == [
        question,
        "No pude saber quién es “sam”. Mencione a la persona con @, así: @sam.\n" + question,
        f"Está a mitad del formulario “{title}”, así que no lo tomé como respuesta. ¿Quiere "
        "salir del formulario? Responda sí para salir (no se envía nada), o no para volver "
        "a la pregunta.",
        "De acuerdo, salió del formulario. No se cambió nada.",
    ]


async def test_the_question_form_as_a_dialogue_offers_to_ask_without_a_name(bot: TestBot) -> None:
    """A feature's own form is asked whole: its defaults ("no" to asking without a name,
    the general topic) are offered, not taken as answers given with the command."""
    await bot.say("dana", "/route fallback @sam")
    asked = [await bot.say("maria", "/preguntar")]
    for answer in ("¿A qué hora es la salida?", "-", "3", "sí"):
        asked.append(await bot.say("maria", answer))
    assert [text.split("\n")[0] for text in bot.texts([a[0] for a in asked[:4]])] == [
        "Pregunte a un enlace escolar (1/4): Su pregunta",
        "Pregunte a un enlace escolar (2/4): Tema",
        "Pregunte a un enlace escolar (3/4): El curso de su hijo o hija (pre-k, k, 1 a 12)",
        "Pregunte a un enlace escolar (4/4): ¿Preguntar sin su nombre?",
    ]
    async with bot.app.db.engine.connect() as conn:
        rows = (await conn.execute(select(asked_questions))).all()
    assert [(r.topic, r.grade, r.asker_id) for r in rows] == [("general", "3", None)]
    for intent in bot.adapter.sent:
        if getattr(intent, "member", None) != bot.member("maria"):
            assert "maria" not in intent_to_json(intent)


@pytest.mark.parametrize(("who", "answer"), [("maria", "si"), ("maria", "S"), ("lee", "y")])
async def test_a_yes_or_no_question_takes_every_yes_a_command_takes(
    bot: TestBot, who: str, answer: str
) -> None:
    """ "si" without its accent, "s", "y": what a yes/no option takes, a dialogue's yes/no
    question takes too."""
    await bot.say("dana", "/route fallback @sam")
    await bot.say(who, "/ask")
    for typed in ("Is there a bus?", "-", "-", answer):
        last = await bot.say(who, typed)
    async with bot.app.db.engine.connect() as conn:
        rows = (await conn.execute(select(asked_questions))).all()
    assert [r.asker_id for r in rows] == [None], bot.texts(last)


async def test_answers_to_a_form_are_not_heard_as_conversation(bot: TestBot) -> None:
    heard: list[str] = []

    async def listener(ctx: object, event: object) -> list[Intent]:
        heard.append(event.text if isinstance(event, MessagePosted) else "")
        return []

    bot.app.core._listeners.append((listener, None))
    await bot.say("dana", "/homeroom role grant")
    await bot.say("dana", "@sam")
    await bot.say("dana", "principal")
    await bot.say("dana", "cancel")
    await bot.say("dana", "Hello all")
    assert heard == ["Hello all"]


async def test_an_answer_the_command_refuses_is_asked_again_with_the_others_kept(
    bot: TestBot,
) -> None:
    """The form took every answer, then the command refused one (a series that does not
    exist): that question comes back, the other answers stay, nothing else is asked."""
    await bot.say("dana", "/homeroom prompt schedule")
    for answer in ["moving-upp", "#parents", "tue", "19:00", "-", "-", "-", "-", "-"]:
        await bot.say("dana", answer)
    # Every week (left as it is): the week of the month is not asked.
    [refused] = await bot.say("dana", "-")
    assert bot.texts([refused]) == [
        "I don't know the series “moving-upp”. These exist: high-school-years, "
        "homework-without-tears, moving-up, reading-at-home, screens-and-sleep, "
        "starting-the-year.\n"
        "Post a series of prompts in a channel, weekly or on another rhythm (1/11): "
        "The series, like homework-without-tears\n"
        "Send “cancel” to stop."
    ]
    assert await bot.app.scheduler.in_community(bot.where()) == []
    [done] = await bot.say("dana", "moving-up")
    assert bot.texts([done])[0].startswith(
        "Scheduled: “Moving up to middle school” in <#parents>, Tuesdays at 19:00 (UTC)."
    )
    [made] = await bot.app.scheduler.in_community(bot.where())
    assert (made.series_id, made.weekday, made.at.strftime("%H:%M")) == ("moving-up", 1, "19:00")


async def test_a_too_short_idea_is_asked_again_in_spanish_and_stays_anonymous(
    bot: TestBot,
) -> None:
    await bot.say("maria", "/homeroom prompt suggest")
    await bot.say("maria", "mm")
    [refused] = await bot.say("maria", "sí")
    assert bot.texts([refused]) == [
        "Un tema necesita entre 10 y 500 caracteres; este tiene 2.\n"
        "Sugerir un tema de conversación a los organizadores (1/2): El tema, tal como lo "
        "leerán las familias\n"
        "Envíe “cancelar” para parar."
    ]
    [thanks] = await bot.say("maria", "Una idea para los días de lluvia en casa")
    assert "Se envió sin su nombre" in bot.texts([thanks])[0]
    community = await bot.app.directory.community(bot.where().community_ref)
    [idea] = await bot.app.state("prompts").own_prompts.pending(community.id)
    assert (idea.text, idea.author_id) == ("Una idea para los días de lluvia en casa", None)


async def test_an_answer_the_command_refuses_is_asked_again_and_the_rest_are_kept(
    bot: TestBot,
) -> None:
    [first] = await bot.say("dana", "/homeroom prompt schedule")
    assert "(1/11): The series" in bot.texts([first])[0]
    for answer in ("mudanza", "#parents", "monday", "19:00", "-", "-", "-", "-", "-"):
        await bot.say("dana", answer)
    [refused] = await bot.say("dana", "-")  # how often: the week of the month isn't asked
    text = bot.texts([refused])[0]
    assert "“mudanza”" in text.splitlines()[0]
    assert text.splitlines()[1].startswith(
        "Post a series of prompts in a channel, weekly or on another rhythm (1/11)"
    )
    [scheduled] = await bot.say("dana", "moving-up")
    assert bot.texts([scheduled])[0].startswith(
        "Scheduled: “Moving up to middle school” in <#parents>, Mondays at 19:00"
    )
    assert await bot.say("dana", "thanks") == []  # the form is over


async def test_an_answer_the_command_refuses_without_quoting_it_is_asked_again(
    bot: TestBot,
) -> None:
    """A too-short idea is refused by the command, whose message names no answer: that
    question is asked again and the other answer kept, not the whole form closed."""
    await bot.say("lee", "/homeroom prompt suggest")
    await bot.say("lee", "abc")
    [refused] = await bot.say("lee", "yes")
    lines = bot.texts([refused])[0].splitlines()
    assert lines[0] == "A prompt needs between 10 and 500 characters; this one has 3."
    assert lines[1].startswith("Suggest a discussion prompt to the organizers (1/2)")
    [thanks] = await bot.say("lee", "What do you do on snow days?")
    assert bot.texts([thanks])[0].startswith("Thank you! Your idea is with the organizers.")
    assert "without your name" in bot.texts([thanks])[0]  # the kept answer "yes"


async def test_a_channel_the_command_refuses_in_a_form_is_asked_again(bot: TestBot) -> None:
    """The refusal shows the channel as a link (<#parents>), not as it was typed: the
    question is still found and asked again, and the other answers kept."""
    await bot.say("dana", "/homeroom setup")
    for answer in ("America/New_York", "-", "#parents"):
        await bot.say("dana", answer)
    [refused] = await bot.say("dana", "#parents")
    lines = bot.texts([refused])[0].splitlines()
    assert lines[0].startswith("<#parents> is a parent group, so it can't be the liaisons'")
    assert lines[1].startswith("Set up Homeroom (3/4): ")
    [summary, _welcome] = await bot.say("dana", "#liaisons")
    text = bot.texts([summary])[0]
    assert "• Time zone: America/New_York" in text
    assert "• Liaison queue: <#liaisons>" in text
    assert "• Parent groups: <#parents>" in text


async def test_a_dialogue_asks_only_what_the_command_lacked_so_no_answer_replaces_a_given_one(
    bot: TestBot,
) -> None:
    """maria gave the series and the channel; the dialogue asks for the weekday first, so
    her "miércoles" can't land on the series she already named."""
    bot.app.core.add_platform("fake", Capabilities(forms=False))
    bot.people["maria"].is_admin = True
    [first] = await bot.say("maria", "/homeroom prompt schedule serie=moving-up canal=#parents")
    assert bot.texts([first])[0].startswith(
        "Publicar una serie de temas en un canal, cada semana o con otro ritmo (1/9): "
        "El día de la semana"
    )
    [second] = await bot.say("maria", "miércoles")
    assert "(2/9)" in bot.texts([second])[0] and "hora" in bot.texts([second])[0].lower()
    await bot.say("maria", "19:00")
    for _ in range(5):  # time zone, start, end, skip, after a break: left as they are
        await bot.say("maria", "-")
    # How often, in her own words: every other week, so the week of the month isn't asked.
    [done] = await bot.say("maria", "cada 2 semanas")
    assert bot.texts([done])[0].startswith("Programada: “El paso a la secundaria” en <#parents>")
    assert "cada 2 semanas, el miércoles a las 19:00" in bot.texts([done])[0]


async def test_a_monthly_rhythm_asks_which_week_of_the_month_and_unclear_words_ask_again(
    bot: TestBot,
) -> None:
    bot.app.core.add_platform("fake", Capabilities(forms=False))
    await bot.say("dana", "/homeroom prompt schedule series=moving-up channel=#parents")
    for answer in ("tue", "19:00", "-", "-", "-", "-", "-"):
        await bot.say("dana", answer)
    [unclear] = await bot.say("dana", "every 2 weeks or a month")
    assert bot.texts([unclear])[0].startswith(
        "“every 2 weeks or a month” isn't one of the choices for “every”: "
    )
    [asked] = await bot.say("dana", "every month")
    assert "(9/9): For a monthly series: which weekday of the month" in bot.texts([asked])[0]
    [done] = await bot.say("dana", "the last one")
    assert "the last Tuesday of each month at 19:00" in bot.texts([done])[0]


def test_a_kept_choice_is_shown_by_its_label_in_the_readers_language() -> None:
    field = FormField(
        "anonymous",
        "¿Anónima?",
        kind="choice",
        choices=(Choice("yes", "sí"), Choice("no", "no")),
        default="yes",
    )
    form = Form(form_id="f", title="Encuesta", fields=(field,), submit_label="Enviar")
    assert field_prompt(translator("es"), form, field, 1).splitlines() == [
        "Encuesta (1/1): ¿Anónima?",
        "Opciones: sí, no",
        "Envíe “-” para dejar “sí”.",
        "Envíe “cancelar” para parar.",
    ]


async def test_a_second_command_while_asked_whether_to_leave_leaves_the_form(
    bot: TestBot,
) -> None:
    """Asked "Leave the form?", a member who types another command instead of yes or
    no wants to go on with something else: they leave, rather than being asked again."""
    await bot.say("dana", "/homeroom role grant")
    await bot.say("dana", "@sam")
    await typed(bot, "dana", "/homeroom help")
    [left] = await typed(bot, "dana", "/homeroom role list")
    assert bot.texts([left]) == ["Okay, you left the form. Nothing was changed."]
    assert await bot.say("dana", "liaison") == []  # the form is closed: just a message
    assert Role.LIAISON not in (await bot.app.directory.profile(bot.member("sam"))).roles


async def test_a_spanish_reader_leaves_the_form_the_same_way(bot: TestBot) -> None:
    await bot.say("maria", "/homeroom prompt suggest")
    await typed(bot, "maria", "/homeroom help")
    [left] = await typed(bot, "maria", ":press 1")
    assert bot.texts([left]) == ["De acuerdo, salió del formulario. No se cambió nada."]
