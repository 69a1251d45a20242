"""A direct message to the bot always gets an answer: a reply to a question goes to
that question (and is thanked once), anything else gets a kind word on what the bot
does there, in the member's language — never both, never silence."""

from __future__ import annotations

from bot.intents import DirectMessage, Intent
from bot.testing import TestBot
from tests.features.questions.conftest import community

GUIDE_EN = (
    "Hello! I read direct messages when you reply to a question you asked. To ask the school "
    "a question, type “ask” and your question, like “ask When is the field trip?”. “help” "
    "shows the rest."
)
GUIDE_ES = (
    "¡Hola! Aquí leo los mensajes directos cuando responde a una pregunta que hizo. Para "
    "hacerle una pregunta a la escuela, escriba “ask” y su pregunta, por ejemplo “ask ¿Cuándo "
    "es la excursión?”. “help” muestra lo demás."
)


def to(bot: TestBot, who: str, sent: list[Intent]) -> list[str]:
    return bot.texts(
        [i for i in sent if isinstance(i, DirectMessage) and i.member == bot.member(who)]
    )


async def test_a_direct_message_with_no_question_gets_the_guide(bot: TestBot) -> None:
    await community(bot)
    sent = await bot.dm("lee", "hello?")
    assert len(sent) == 1 and to(bot, "lee", sent) == [GUIDE_EN]
    assert sent[0].asked  # type: ignore[union-attr]
    sent = await bot.dm("maria", "¿hola?")
    assert len(sent) == 1 and to(bot, "maria", sent) == [GUIDE_ES]


async def test_a_reply_to_an_open_question_is_thanked_once_without_the_guide(
    bot: TestBot,
) -> None:
    await community(bot)
    await bot.say("dana", "/route fallback @sam")
    await bot.say("lee", "/ask When is the field trip?")
    sent = await bot.dm("lee", "Also, what should they bring?")
    assert to(bot, "lee", sent) == ["Thank you. I passed your reply on for question #1."]
