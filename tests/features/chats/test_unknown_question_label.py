"""An answer labelled for a question the live chat doesn't have ("A3" in a chat of two)
is not filed, and its author is told why, privately and in their language, instead of
silence that looks like a lost answer."""

from __future__ import annotations

from bot.intents import Ephemeral
from bot.testing import TestBot
from tests.features.chats.helpers import TWO, answers, privately, say


async def test_an_answer_to_a_question_the_chat_lacks_is_explained(bot: TestBot) -> None:
    await bot.say("dana", f"/chat start {TWO}")
    sent = await say(bot, "lee", "A3: nonsense", "u1")
    assert [type(i) for i in sent] == [Ephemeral]
    assert privately(sent) == [
        "There's no Q3 in this live chat: it has 2 questions, so I didn't file your answer."
    ]
    assert privately(await say(bot, "maria", "R3: nada", "u2")) == [
        "Este chat en vivo no tiene una Q3: tiene 2 preguntas, así que no archivé su respuesta."
    ]
    assert privately(await say(bot, "maria", "R2: luego", "u3")) == [
        "La Q2 aún no está publicada, así que no archivé su respuesta. Envíela de nuevo "
        "cuando salga la Q2."
    ]
    assert await answers(bot) == []
    assert await say(bot, "lee", "Hello A3 fans", "u4") == []  # no label: conversation
