"""Before a question is routed, matching FAQ entries are offered; the parent may still
send it. Closing with propose-faq (or `faq propose`) asks the asker's consent."""

from __future__ import annotations

from sqlalchemy import select

from bot.features.faq.api import AGREE
from bot.features.questions.asking import SEND, SOLVED
from bot.features.questions.tables import questions
from bot.intents import DirectMessage, Ephemeral, OpenForm
from bot.testing import TestBot
from tests.features.questions.conftest import cards, community

QUESTION = "When does kindergarten enrollment open?"
ANSWER = "Enrollment opens on March 1 at the front office."


async def statuses(bot: TestBot) -> list[str]:
    async with bot.app.db.engine.connect() as conn:
        query = select(questions.c.status).order_by(questions.c.id)
        return list((await conn.execute(query)).scalars())


async def test_a_matching_faq_entry_is_offered_first_and_the_question_held(
    bot: TestBot,
) -> None:
    await community(bot)
    await bot.say("dana", "/route fallback @sam")
    await bot.invoke("dana", "faq add", question=QUESTION, answer=ANSWER)
    [offer] = await bot.say("lee", "/ask How do I do kindergarten enrollment?")
    assert isinstance(offer, Ephemeral)
    assert bot.texts([offer]) == [
        "Before I send your question, these answers from the FAQ may help:\n"
        f"• *{QUESTION}*\n  {ANSWER}\n  [1] This answers it\n  [2] Send my question anyway"
    ]
    assert await statuses(bot) == ["held"]  # kept in the database, not in memory
    [refused] = await bot.press("omar", SEND, "1")  # only the asker chooses
    assert bot.texts([refused]) == ["That question was already sent or settled."]
    sent = await bot.press("lee", SEND, "1")
    assert bot.texts(sent)[0].startswith("Thank you for asking. Your question #1 is with")
    assert len(cards(sent)) == 1
    assert await statuses(bot) == ["received"]
    [offer] = await bot.say("lee", "/ask Kindergarten enrollment dates?")
    [glad] = await bot.press("lee", SOLVED, "2")
    assert bot.texts([glad]) == ["I'm glad that helped. Your question was not sent."]
    assert await statuses(bot) == ["received", "closed"]


async def test_closing_with_propose_faq_asks_the_anonymous_asker_to_consent(
    bot: TestBot,
) -> None:
    await community(bot)
    await bot.say("dana", "/route fallback @sam")
    await bot.say("lee", "/ask Can my son bring a phone? anonymous=yes topic=behaviour")
    await bot.say("sam", "/queue answer 1 Yes, kept off in his bag.", channel="liaisons")
    sent = await bot.say(
        "sam", "/queue close 1 reason=answered propose-faq=yes", channel="liaisons"
    )
    [form] = [i for i in sent if isinstance(i, OpenForm)]
    assert form.form.form_id == "questions:faq:1"
    assert [f.default for f in form.form.fields][:3] == [
        "Can my son bring a phone?",
        "Yes, kept off in his bag.",
        "behaviour",
    ]
    [ask] = await bot.submit(
        "sam",
        "questions:faq:1",
        channel="liaisons",
        question="May children bring phones?",
        answer="Yes, switched off in their bag.",
        topic="behaviour",
        grade="",
        language="en",
    )
    assert isinstance(ask, DirectMessage) and ask.member == bot.member("lee")
    assert ask.message.title == "May we share your question in the FAQ?"
    [agree] = [b for b in ask.message.buttons if b.action_id == AGREE]
    await bot.press("lee", AGREE, agree.value)
    [hit] = await bot.say("maria", "/faq search phones idioma=en")
    assert "May children bring phones?" in bot.texts([hit])[0]
