"""A question the liaison sent back to the parent ("queue ask-parent") reads, to
liaisons, as waiting for the parent, not "waiting for you" (the parent's own view)."""

from __future__ import annotations

from bot.intents import Update
from bot.testing import Person, TestBot
from tests.features.questions.conftest import community


async def _asked_back(bot: TestBot) -> list[str]:
    await community(bot)
    await bot.say("dana", "/route fallback @sam")
    await bot.say("lee", "/ask Is there a bus on snow days?")
    await bot.say("sam", "/queue claim 1", channel="liaisons")
    sent = await bot.say("sam", "/queue ask-parent 1 Which stop?", channel="liaisons")
    return bot.texts([i for i in sent if isinstance(i, Update)])


async def test_the_card_and_queue_say_the_question_waits_for_the_parent(bot: TestBot) -> None:
    [card] = await _asked_back(bot)
    assert "• Status: waiting for the parent" in card
    assert "waiting for you" not in card
    [listing] = await bot.say("sam", "/queue list", channel="liaisons")
    assert bot.texts([listing]) == [
        "*Liaison queue*\n#1 · general · waiting for the parent · <@sam> · "
        "“Is there a bus on snow days?”"
    ]
    [mine] = await bot.say("lee", "/ask list")
    assert bot.texts([mine]) == [
        "*Your questions*\n#1 · waiting for you · “Is there a bus on snow days?”"
    ]


async def test_a_spanish_reading_liaison_and_parent_read_it_in_usted(bot: TestBot) -> None:
    bot.people["sam"] = Person("sam", locale="es")
    bot.people["lee"] = Person("lee", locale="es")
    await _asked_back(bot)
    [listing] = await bot.say("sam", "/queue list", channel="liaisons")
    assert bot.texts([listing]) == [
        "*Cola de enlaces*\n#1 · varios · espera a la familia · <@sam> · "
        "“Is there a bus on snow days?”"
    ]
    [mine] = await bot.say("lee", "/ask list")
    assert bot.texts([mine]) == [
        "*Sus preguntas*\n#1 · espera su respuesta · “Is there a bus on snow days?”"
    ]
