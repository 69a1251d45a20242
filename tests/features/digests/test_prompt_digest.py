"""A digest of a prompt thread, from `digest build` to `digest publish`: a draft only
organizers see, an item dropped, the rest posted in the channel and read again."""

from __future__ import annotations

from bot.intents import Ephemeral, Post
from bot.testing import TestBot
from tests.features.digests.helpers import prompt_thread

TITLE = "📝 *Digest: Moving up to middle school*"
PROMPT = (
    "*What has your child said about moving up? What are they looking forward to, and what "
    "worries them?*"
)
DRAFT = [
    TITLE,
    "Prompt discussion · Monday 7 September · 3 answers",
    "Draft: only organizers see this. Numbers in [ ] are for “digest drop”.",
    "★ marks what the group valued most.",
    "",
    PROMPT,
    "• [1] She wants a locker. Tips: https://example.org/lockers. — lee",
    "• [2] ★ Le preocupa el autobús. — maria",
    "• [3] Visit day is on the 12th: https://school.example/visit — sam",
    "",
    "*Links shared*",
    "• https://example.org/lockers",
    "• https://school.example/visit",
]


async def test_a_prompt_thread_becomes_a_draft_then_a_published_digest(bot: TestBot) -> None:
    await prompt_thread(bot)
    [built] = await bot.say("dana", "/digest build")
    assert bot.texts([built]) == [
        "Draft digest #1, “Moving up to middle school”, is ready: 3 answers under 1 question.\n"
        "Only organizers see it until it is published.\n"
        "“digest show 1” shows it with each item's number.\n"
        "“digest drop 1 <item>” leaves an item out.\n"
        "“digest publish 1” posts it in <#parents>."
    ]
    [draft] = await bot.say("dana", "/digest show 1")
    assert isinstance(draft, Ephemeral)
    assert bot.texts([draft]) == ["\n".join([*DRAFT, "  [1] Publish digest #1"])]
    assert bot.texts(await bot.say("dana", "/digest drop 1 3")) == [
        "Item 3 is left out of digest #1. “digest publish 1” posts the rest."
    ]
    sent = await bot.say("dana", "/digest publish 1")
    posted = [i for i in sent if isinstance(i, Post)]
    published = [
        TITLE,
        "Prompt discussion · Monday 7 September · 2 answers",
        "★ marks what the group valued most.",
        "",
        PROMPT,
        "• She wants a locker. Tips: https://example.org/lockers. — lee",
        "• ★ Le preocupa el autobús. — maria",
        "",
        "*Links shared*",
        "• https://example.org/lockers",
    ]
    assert bot.texts(posted) == ["\n".join(published)]
    assert posted[0].to == bot.where("parents")
    assert bot.texts([i for i in sent if isinstance(i, Ephemeral)]) == [
        "Digest #1 is posted in <#parents>."
    ]
    assert bot.texts(await bot.say("lee", "/digest latest")) == ["\n".join(published)]


async def test_a_week_grouped_by_role_puts_the_schools_answers_apart(bot: TestBot) -> None:
    await prompt_thread(bot)
    await bot.say("dana", "/digest build source=week group-by=role credit=initials")
    [draft] = await bot.say("dana", "/digest show 1")
    assert bot.texts([draft])[0].split("\n")[5:] == [
        PROMPT,
        "_From parents_",
        "• [1] She wants a locker. Tips: https://example.org/lockers. — L.",
        "• [2] ★ Le preocupa el autobús. — M.",
        "_From the school_",
        "• [3] Visit day is on the 12th: https://school.example/visit — S.",
        "",
        "*Links shared*",
        "• https://example.org/lockers",
        "• https://school.example/visit",
        "  [1] Publish digest #1",
    ]


async def test_a_group_reading_two_languages_gets_the_digests_words_in_both(
    bot: TestBot,
) -> None:
    await bot.say("dana", "/homeroom setup languages=en,es")
    await prompt_thread(bot)
    await bot.say("dana", "/digest build")
    posted = [i for i in await bot.say("dana", "/digest publish 1") if isinstance(i, Post)]
    lines = bot.texts(posted)[0].split("\n")
    assert lines[:3] == [
        "📝 *Digest / Resumen: Moving up to middle school*",
        "Prompt discussion / Conversación sobre un tema · Monday 7 September / lunes 7 de "
        "septiembre · 3 answers / 3 respuestas",
        "★ marks what the group valued most. / ★ marca lo que el grupo más valoró.",
    ]
    assert "• ★ Le preocupa el autobús. — maria" in lines  # members' words stay as written
    assert "*Links shared / Enlaces compartidos*" in lines
