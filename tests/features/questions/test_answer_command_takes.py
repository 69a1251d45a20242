"""`queue answer <id> <text>` on a question nobody has yet takes it and answers, as the
card's Answer button does, instead of sending the liaison off to claim it first."""

from __future__ import annotations

from sqlalchemy import select

from bot.features.questions.tables import questions
from bot.intents import DirectMessage
from bot.testing import TestBot
from tests.features.questions.conftest import community


async def test_answering_a_question_nobody_has_takes_it(bot: TestBot) -> None:
    await community(bot)  # no routing rule: the question waits for anyone
    await bot.say("lee", "/ask Is there a bus on snow days?")
    sent = await bot.say("sam", "/queue answer 1 Yes, at 8:10.", channel="liaisons")
    [relay] = [i for i in sent if isinstance(i, DirectMessage)]
    assert relay.member == bot.member("lee")
    assert bot.texts([relay]) == [
        "<@sam> answered your question #1 (“Is there a bus on snow days?”):\n\n"
        "Yes, at 8:10.\n\nIf you need more, just reply to this message."
    ]
    async with bot.app.db.engine.connect() as conn:
        row = (await conn.execute(select(questions.c.liaison_id, questions.c.status))).one()
    assert tuple(row) == ("sam", "answered")
    taken = await bot.say("ines", "/queue answer 1 No.", channel="liaisons")
    assert bot.texts(taken) == [
        "Question #1 is with <@sam>, so only they or an organizer can do that. An "
        "organizer can reassign it with “queue reassign”."
    ]
