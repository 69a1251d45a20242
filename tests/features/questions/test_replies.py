"""A parent's reply to the bot's DM reaches the liaison's thread on the question's card
wherever the platform says the DM comes from: from the community itself (Slack's DMs
belong to the workspace) or from no community at all (Discord's DMs carry no server),
for a named asker and for an anonymous one."""

from __future__ import annotations

from sqlalchemy import select

from bot.events import MessagePosted
from bot.features.questions.tables import question_notes
from bot.intents import DirectMessage, Post
from bot.testing import TestBot
from tests.features.questions.conftest import cards, community


async def dm_from_nowhere(bot: TestBot, who: str, text: str) -> list:  # type: ignore[type-arg]
    """A DM as Discord sends it: no server, so no community, and no locale."""
    return await bot.send(MessagePosted(**bot.outside(who), text=text, is_direct=True))


async def asked(bot: TestBot, text: str) -> str:
    await community(bot)
    await bot.say("dana", "/route fallback @sam")
    [card] = cards(await bot.say("lee", text))
    return f"m{bot.adapter.sent.index(card) + 1}"


async def authors(bot: TestBot) -> list[tuple[str, str | None]]:
    async with bot.app.db.engine.connect() as conn:
        rows = await conn.execute(
            select(question_notes.c.kind, question_notes.c.author_id).order_by(question_notes.c.id)
        )
        return [(r.kind, r.author_id) for r in rows]


async def test_a_named_askers_reply_from_a_dm_with_no_community_reaches_the_thread(
    bot: TestBot,
) -> None:
    card = await asked(bot, "/ask Is there a bus on snow days?")
    await bot.say("sam", "/queue ask-parent 1 Which stop?", channel="liaisons")
    sent = await dm_from_nowhere(bot, "lee", "Elm Street")
    [relayed] = [i for i in sent if isinstance(i, Post)]
    assert (relayed.to.community, relayed.to.channel, relayed.to.thread) == (
        "school",
        "liaisons",
        card,
    )
    assert bot.texts([relayed]) == ["The parent replied on #1: Elm Street"]
    [thanks] = [i for i in sent if isinstance(i, DirectMessage)]
    assert bot.texts([thanks]) == ["Thank you. I passed your reply on for question #1."]
    [listing] = await bot.say("lee", "/ask list")
    assert "#1 · with a liaison" in bot.texts([listing])[0]  # the clock runs again
    assert await authors(bot) == [("detail", "sam"), ("reply", "lee")]


async def test_an_anonymous_askers_reply_from_a_dm_with_no_community_reaches_the_thread(
    bot: TestBot,
) -> None:
    card = await asked(bot, "/ask My son struggles with reading anonymous=yes")
    await bot.say("sam", "/queue answer 1 Let's meet his teacher.", channel="liaisons")
    sent = await dm_from_nowhere(bot, "lee", "Thank you, Tuesday works.")
    [relayed] = [i for i in sent if isinstance(i, Post)]
    assert (relayed.to.channel, relayed.to.thread) == ("liaisons", card)
    assert bot.texts([relayed]) == ["The parent replied on #1: Thank you, Tuesday works."]
    [thanks] = [i for i in sent if isinstance(i, DirectMessage)]
    assert thanks.message.keep_copy is False
    assert await authors(bot) == [("answer", "sam"), ("reply", None)]


async def test_a_dm_from_someone_who_asked_nothing_reaches_no_question(bot: TestBot) -> None:
    """Nothing is relayed to anyone's question: maria only gets the bot's kind word on
    what it does in direct messages (in English from outside any community, where
    Discord sends no locale; in Spanish from within hers)."""
    await asked(bot, "/ask Is there a bus on snow days?")
    before = await authors(bot)
    [guide] = await dm_from_nowhere(bot, "maria", "Hola")
    assert isinstance(guide, DirectMessage)
    assert bot.texts([guide])[0].startswith("Hello! I read direct messages")
    [guide] = await bot.dm("maria", "Hola")
    assert isinstance(guide, DirectMessage) and guide.member == bot.member("maria")
    assert bot.texts([guide])[0].startswith("¡Hola! Aquí leo los mensajes directos")
    assert await authors(bot) == before
