"""Input no member should be able to break, through the whole core, on both databases.

Each bad input gets one short, kind, specific answer in the member's language, changes
nothing, logs no traceback, and leaves the outbox able to go idle.
"""

import asyncio
import logging
from datetime import time

import pytest
from sqlalchemy import select

from bot.events import CommandInvoked, ComponentSubmitted, FormSubmitted
from bot.intents import Ephemeral, Intent
from bot.storage.tables import community_prompts, schedules
from bot.testing import TestBot

SNOW = "What do you do on snow days?"
NIEVE = "¿Qué hacen en los días de nieve?"
UNREADABLE = {
    "en": "Part of what you sent isn't text I can read (it may have been garbled on the way). "
    "Nothing was changed; please type it again.",
    "es": "Parte de lo que envió no es texto que yo pueda leer (quizá se estropeó por el camino). "
    "No se cambió nada; por favor, escríbalo de nuevo.",
}
SCHEDULE = "prompt schedule series=moving-up channel=#parents weekday=mon time=19:00"


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def _sent(bot: TestBot, event: object) -> list[Intent]:
    """Dispatch and wait for delivery, failing (not hanging) if the outbox never idles."""
    return await asyncio.wait_for(bot.send(event), timeout=10)  # type: ignore[arg-type]


def _tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info and r.levelno >= logging.WARNING]


async def _suggestions(bot: TestBot) -> list[tuple[str, str | None]]:
    async with bot.app.db.engine.connect() as conn:
        rows = (await conn.execute(select(community_prompts))).all()
    return [(row.text, row.author_id) for row in rows]


@pytest.mark.parametrize(
    ("who", "text", "stored"),
    [
        ("lee", f"prompt suggest {SNOW} anonymous=yes", SNOW),
        ("lee", "prompt suggest What do you do anonymous=yes on snow days?", SNOW),
        ("lee", f'prompt suggest "{SNOW}" "anonymous=yes"', SNOW),
        ("maria", f"prompt suggest {NIEVE} anónimo=sí", NIEVE),
        ("maria", f"prompt suggest anonimo=si {NIEVE}", NIEVE),
    ],
)
async def test_an_option_after_the_text_keeps_a_suggestion_anonymous(
    bot: TestBot, who: str, text: str, stored: str
) -> None:
    [thanks] = await bot.say(who, "/" + text)
    assert ("without your name" if who == "lee" else "sin su nombre") in bot.texts([thanks])[0]
    assert await _suggestions(bot) == [(stored, None)]


@pytest.mark.parametrize(
    ("who", "text", "answer"),
    [
        (
            "lee",
            f"prompt suggest {SNOW} anonymus=yes",
            "There is no option “anonymus”; did you mean “anonymous”?",
        ),
        (
            "maria",
            f"prompt suggest {NIEVE} anonimos=sí",
            "No hay ninguna opción “anonimos”. ¿Quiso decir “anónimo”?",
        ),
        (
            "lee",
            f"prompt suggest {SNOW} anonymously",
            "I'm not sure whether “anonymous” is part of your text or the option, so I haven't "
            "sent anything. To use the option, add anonymous=yes; to keep the word, put your "
            "text in quotes.",
        ),
        (
            "maria",
            f"prompt suggest anónimo {NIEVE}",
            "No sé si “anónimo” es parte de su texto o la opción, así que no he enviado nada. "
            "Para usar la opción, añada anónimo=sí; para dejar la palabra en el texto, ponga su "
            "texto entre comillas.",
        ),
        (
            "lee",
            f"prompt suggest anonymous=yes {SNOW} anonymous=no",
            "“anonymous” is given twice, so I'm not sure which you mean. Please give it once.",
        ),
        (
            "dana",
            "prompt schedule series=moving-up chanel=#parents weekday=mon time=19:00",
            "There is no option “chanel”; did you mean “channel”?",
        ),
    ],
)
async def test_an_option_that_could_be_misread_asks_and_changes_nothing(
    bot: TestBot, who: str, text: str, answer: str
) -> None:
    await bot.say(who, "/homeroom help")  # the community and member are known before we compare
    before = await bot.state()
    [reply] = await bot.say(who, "/" + text)
    assert isinstance(reply, Ephemeral)
    assert bot.texts([reply]) == [answer]
    assert await bot.state() == before


async def test_a_spanish_organizer_schedules_with_spanish_words(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom role grant @maria organizer")
    [reply] = await bot.say(
        "maria", "/homeroom prompt schedule serie=moving-up canal=#parents día=martes hora=0:30"
    )
    assert bot.texts([reply])[0].startswith("Programada: ")
    assert "cada martes a las 00:30" in bot.texts([reply])[0]
    async with bot.app.db.engine.connect() as conn:
        [row] = (await conn.execute(select(schedules.c.weekday, schedules.c.at_time))).all()
    assert tuple(row) == (1, "00:30")


async def test_help_lists_the_accepted_values_in_the_readers_language(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom role grant @maria organizer")
    [reply] = await bot.say("maria", "/homeroom help prompt")
    lines = bot.texts([reply])[0].splitlines()
    assert "    día: El día de la semana — uno de estos: lun, mar, mié, jue, vie, sáb, dom" in lines
    [english] = await bot.say("dana", "/homeroom help prompt")
    assert (
        "    after-break: After a break: shift the series, or skip those prompts"
        " — one of: shift, skip" in bot.texts([english])[0].splitlines()
    )


@pytest.mark.parametrize(("typed", "stored"), [("0:30", "00:30"), ("23:59", "23:59")])
async def test_times_at_the_edges_of_the_day_are_accepted(
    bot: TestBot, typed: str, stored: str
) -> None:
    [reply] = await bot.say("dana", f"/{SCHEDULE.replace('19:00', typed)}")
    assert bot.texts([reply])[0].startswith("Scheduled: ")
    assert f"at {stored} (" in bot.texts([reply])[0]
    assert time.fromisoformat(stored).strftime("%H:%M") == stored


def _unreadable_events(bot: TestBot, who: str, bad: str) -> list[object]:
    origin = bot._from  # a fresh event ID and the member's origin for each event
    return [
        CommandInvoked(**origin(who), text=f"prompt suggest Snow days{bad} at home, friends"),
        CommandInvoked(**origin(who), name="prompt suggest", options={"text": f"Snow{bad} days"}),
        CommandInvoked(**origin(who), text=f"help role{bad}"),
        FormSubmitted(
            **origin(who), form_id="command:prompt suggest", values={"text": f"Snow{bad} days!"}
        ),
        ComponentSubmitted(**origin(who), action_id="help.topic", value=f"role{bad}"),
        ComponentSubmitted(**origin(who), action_id=f"prompts.accept{bad}", value="1"),
    ]


@pytest.mark.parametrize("bad", ["\ud800", "\udfff", "\x00"])
@pytest.mark.parametrize("who", ["lee", "maria"])
async def test_text_that_is_not_storable_gets_a_kind_answer_and_changes_nothing(
    bot: TestBot, caplog: pytest.LogCaptureFixture, who: str, bad: str
) -> None:
    await bot.say(who, "/homeroom help")  # the member is known before we compare
    before = await bot.state()
    caplog.set_level(logging.DEBUG)
    for event in _unreadable_events(bot, who, bad):
        [reply] = await _sent(bot, event)
        assert isinstance(reply, Ephemeral)
        assert bot.texts([reply]) == [UNREADABLE["es" if who == "maria" else "en"]]
    assert await _sent(bot, CommandInvoked(**bot._from(who), text=f"x{bad}")) != []
    assert await bot.say(who, f"a plain message{bad} in the group") == []
    assert await bot.state() == before
    assert _tracebacks(caplog) == []
    assert all(bad not in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        (
            "setup timezone=" + "A" * 300,
            "“timezone” can be at most 64 characters long, and this one has 300.",
        ),
        (
            "setup timezone=" + "Ä" * 64,
            "I don't know the time zone “" + "Ä" * 59 + "…”. "
            "Use a name like America/New_York or Europe/Madrid.",
        ),
        (
            "prompt pause 99999999999999999999",
            "There's nothing numbered 99999999999999999999 here. Please check the number.",
        ),
        (
            SCHEDULE + " start=9999-12-30",
            "“9999-12-30” is too far off for “start”. Use a date from 2000-01-01 to 2099-12-31.",
        ),
        (
            SCHEDULE.replace("19:00", "24:00"),
            "“24:00” isn't a time of day. Write it like 19:00 or 7pm.",
        ),
        (
            SCHEDULE.replace("19:00", "²:00"),
            "“²:00” isn't a time of day. Write it like 19:00 or 7pm.",
        ),
        (
            "role grant @" + "u" * 65 + " liaison",
            "I couldn't tell who “@" + "u" * 58 + "…” is. Mention the member, like @name.",
        ),
        (
            "setup queue=#" + "c" * 65,
            "I couldn't tell which channel “#" + "c" * 58 + "…” is. Link it, like #channel.",
        ),
        (
            "x" * 3000,
            "I don't know the command “" + "x" * 59 + "…”. Type “help” to see what I can do.",
        ),
    ],
)
async def test_values_out_of_range_get_a_kind_specific_answer(
    bot: TestBot, caplog: pytest.LogCaptureFixture, text: str, answer: str
) -> None:
    await bot.say("dana", "/homeroom help")
    before = await bot.state()
    caplog.set_level(logging.DEBUG)
    [reply] = await bot.say("dana", "/" + text)
    assert bot.texts([reply]) == [answer]
    assert await bot.state() == before
    assert _tracebacks(caplog) == []


@pytest.mark.parametrize("value", ["abc", "²", "99999999999999999999", "-1", ""])
async def test_a_button_value_that_is_no_record_changes_nothing(
    bot: TestBot, caplog: pytest.LogCaptureFixture, value: str
) -> None:
    await bot.say("lee", f"/homeroom prompt suggest {SNOW}")
    await bot.say("dana", "/homeroom help")  # the core notes each member's locale once
    before = await bot.state()
    caplog.set_level(logging.DEBUG)
    [reply] = await bot.press("dana", "prompts.accept", value)
    assert bot.texts([reply]) == ["That idea was already decided. Nothing was changed."]
    assert await bot.state() == before
    assert _tracebacks(caplog) == []


async def test_long_input_is_refused_with_one_short_answer(bot: TestBot) -> None:
    await bot.say("lee", "/homeroom help")
    before = await bot.state()
    huge = "prompt suggest" + " snow days" * 110_000  # 1.1 MB
    replies = await bot.say("lee", "/" + huge)
    assert bot.texts(replies) == [
        f"That's more than I can read at once: {len(huge)} characters, and I take at most 4000. "
        "Nothing was changed; please shorten it."
    ]
    [form] = await bot.submit("lee", "command:prompt suggest", text="x" * 5000)
    assert bot.texts([form]) == [
        "That's more than I can read at once: 5000 characters, and I take at most 4000. "
        "Nothing was changed; please shorten it."
    ]
    [button] = await bot.press("lee", "help.topic", "role" * 100)
    assert bot.texts([button]) == ["That button is no longer in use. Nothing was changed."]
    assert await bot.state() == before


@pytest.mark.parametrize(
    "command",
    ["help {}", "role grant @sam liaison {}", "prompt schedule {}", "setup languages={}"],
)
async def test_an_answer_never_grows_with_the_input(bot: TestBot, command: str) -> None:
    short, long = (command.format(" ".join(["word"] * n)) for n in (100, 700))
    [first] = await bot.say("dana", "/" + short)
    [second] = await bot.say("dana", "/" + long)
    assert len(bot.texts([first])[0]) == len(bot.texts([second])[0]) < 400


async def test_choices_take_the_readers_own_words(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom role grant @maria organizer")
    [spanish] = await bot.say("maria", "/homeroom series list tema=tareas")
    [english] = await bot.say("maria", "/homeroom series list theme=homework")
    assert bot.texts([spanish]) == bot.texts([english])
    assert "homework" in bot.texts([spanish])[0] or "tarea" in bot.texts([spanish])[0].lower()
    replies = await bot.say("maria", "/homeroom role grant @sam enlace")
    granted = [i for i in replies if isinstance(i, Ephemeral)]
    assert len(replies) == 2 and bot.texts(granted) == ["Listo: <@sam> ahora es enlace escolar."]
