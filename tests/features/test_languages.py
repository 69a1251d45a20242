"""Every word in the reader's language, and groups that read several languages.

A shared post in a group (a weekly prompt, the liaison channel's welcome; polls, chats
and digests later) carries each of the community's languages, one under the other, in
one message that fits every platform; private answers speak the reader's language.
"""

from datetime import UTC, datetime

from bot.features.prompts.library import Library
from bot.i18n import Translator
from bot.intents import Button, Intent, Message, Pin, Post
from bot.render import SHARED_POST_LIMIT, in_languages
from bot.testing import TestBot

SCHEDULE = (
    "/homeroom prompt schedule series=moving-up channel=#parents weekday=mon time=19:00 "
    "timezone=America/New_York"
)
LIBRARY = Library.load()


async def _weekly_post(bot: TestBot) -> list[Intent]:
    await bot.say("dana", SCHEDULE)
    bot.app.clock.advance(  # type: ignore[attr-defined]
        (datetime(2026, 9, 7, 23, 0, tzinfo=UTC) - bot.app.clock.now()).total_seconds()
    )
    before = len(bot.adapter.sent)
    await bot.app.timers.run_due()
    await bot.settle()
    return bot.adapter.sent[before:]


async def test_a_bilingual_group_gets_each_prompt_in_each_language_in_one_thread(
    bot: TestBot,
) -> None:
    await bot.say("dana", "/homeroom setup languages=en,es")
    post, pin = await _weekly_post(bot)
    assert isinstance(post, Post) and post.opens_thread  # one post, so one thread
    assert isinstance(pin, Pin)
    english, spanish = LIBRARY.get("moving-up", "en"), LIBRARY.get("moving-up", "es")
    assert english is not None and spanish is not None and english.title != spanish.title
    en_block, es_block = post.message.text.split("\n\n*")
    assert en_block.startswith(f"*{english.title} · week 1 of {len(english.prompts)}*\n")
    assert english.prompts[0].text in en_block
    assert es_block.startswith(f"{spanish.title} · semana 1 de {len(spanish.prompts)}*\n")
    assert spanish.prompts[0].text in es_block
    assert len(post.message.text) <= SHARED_POST_LIMIT


async def test_the_communitys_order_of_languages_is_the_order_of_the_post(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom setup languages=es,en")
    post, _ = await _weekly_post(bot)
    spanish = LIBRARY.get("moving-up", "es")
    assert spanish is not None
    assert isinstance(post, Post) and post.message.text.startswith(f"*{spanish.title}")


async def test_a_one_language_group_gets_the_post_as_before(bot: TestBot) -> None:
    post, _ = await _weekly_post(bot)
    english = LIBRARY.get("moving-up", "en")
    assert isinstance(post, Post) and english is not None
    assert post.message.title == f"{english.title} · week 1 of {len(english.prompts)}"
    assert "semana" not in post.message.text


async def test_post_now_in_a_bilingual_group_is_bilingual_too(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom setup languages=en,es")
    await bot.say("dana", SCHEDULE)
    sent = await bot.say("dana", "/homeroom prompt post-now 1")
    [post] = [i for i in sent if isinstance(i, Post) and i.opens_thread]
    assert "week 1 of" in post.message.text and "semana 1 de" in post.message.text


def _long(t: Translator) -> Message:
    words = t._("Welcome to Homeroom.") + " "
    return Message(
        title=t._("Homeroom help"),
        text=words * 300,  # ~6,000 characters in each language
        buttons=(Button(t._("Send"), "act", "1"),),
    )


def test_each_language_keeps_its_share_of_the_limit_and_arrives() -> None:
    message = in_languages(["en", "es"], _long)
    assert len(message.text) <= SHARED_POST_LIMIT
    english, spanish = message.text.split("\n\n")
    assert english.startswith("*Homeroom help*\nWelcome to Homeroom.")
    assert spanish.startswith("*Ayuda de Homeroom*\nLe damos la bienvenida a Homeroom.")
    assert english.endswith("…") and spanish.endswith("…")
    assert abs(len(english) - len(spanish)) < 40  # cut at a word end, about half each
    assert message.buttons == (Button("Send / Enviar", "act", "1"),)  # one button, both labels


def test_text_the_versions_share_is_shown_once() -> None:
    def own_prompt(t: Translator) -> Message:  # a prompt the group wrote in one language
        return Message(title=t._("Homeroom help"), text="¿Qué hacen los días de nieve?")

    message = in_languages(["en", "es"], own_prompt)
    assert message.text == ("*Homeroom help*\n¿Qué hacen los días de nieve?\n\n*Ayuda de Homeroom*")


def test_unknown_or_repeated_languages_post_once() -> None:
    message = in_languages(["en", "fr", "en"], _long)  # fr has no catalog: English
    assert message.title == "Homeroom help"
