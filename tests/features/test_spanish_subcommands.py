"""A command's second word may be typed in Spanish too (`encuesta lista`, `resumen
último`, `rol quitar`), as its first word may; `preguntar lista ...` stays a question,
since `ask` takes free text. Help keeps showing the English words."""

import pytest

from bot.commands import subcommand_words
from bot.i18n import words
from bot.testing import TestBot


@pytest.mark.parametrize(
    ("typed", "english"),
    [
        ("/homeroom encuesta lista", "/homeroom poll list"),
        ("/homeroom resumen último", "/homeroom digest latest"),
        ("/homeroom resumen ultimo", "/homeroom digest latest"),
        ("/homeroom poll resultados 1", "/homeroom poll results 1"),
        ("/homeroom charla lista", "/homeroom chat list"),
    ],
)
async def test_a_spanish_second_word_runs_the_same_command(
    bot: TestBot, typed: str, english: str
) -> None:
    assert bot.texts(await bot.say("maria", typed)) == bot.texts(await bot.say("maria", english))


async def test_one_spanish_word_means_the_subcommand_its_root_has(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom role grant @sam liaison")
    said = bot.texts(await bot.say("dana", "/homeroom rol quitar @sam liaison"))
    assert said == ["Done: <@sam> is no longer a liaison."]


async def test_asking_about_a_list_stays_a_question(bot: TestBot) -> None:
    said = bot.texts(await bot.say("maria", "/homeroom preguntar lista de útiles"))
    assert said[0].startswith("Gracias por preguntar. Su pregunta n.º 1")


async def test_every_subcommand_has_a_word_in_spanish(bot: TestBot) -> None:
    paths = tuple(s.path for s in bot.app.core.commands.all())
    subs = sorted({p.split(" ", 1)[1] for p in paths if " " in p})
    assert sorted(words.SUBCOMMAND_WORDS) == subs
    found = subcommand_words(paths)
    assert found["lista"] == ("list",)
    assert sorted(found["quitar"]) == ["drop", "remove", "revoke"]
