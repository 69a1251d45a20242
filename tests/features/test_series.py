from bot.intents import Ephemeral
from bot.testing import TestBot


async def test_series_list_shows_the_library_with_filters(bot: TestBot) -> None:
    [everything] = await bot.say("dana", "/homeroom series list")
    assert isinstance(everything, Ephemeral)
    assert everything.message.title == "Prompt series"
    assert everything.message.text.count("• *") == 6
    assert (
        "*Homework without tears* (`homework-without-tears`): "
        "grades 3-5 · learning at home, homework · 6 prompts" in everything.message.text
    )
    [teens] = await bot.say("dana", "/homeroom series list grade=9-12")
    assert teens.message.text.count("• *") == 1  # type: ignore[union-attr]
    [sleepy] = await bot.say("dana", "/homeroom series list theme=sleep")
    assert "Screens and sleep" in bot.texts([sleepy])[0]
    [none] = await bot.say("dana", "/homeroom series list grade=pre-k theme=sleep")
    assert bot.texts([none]) == ["No series match those filters yet. Try “series list” with none."]


async def test_series_preview_reads_every_prompt_in_order(bot: TestBot) -> None:
    [shown] = await bot.say("dana", "/homeroom series preview moving-up")
    text = bot.texts([shown])[0]
    assert text.startswith("*Moving up to middle school*")
    assert "\n1. What has your child said about moving up?" in text
    assert "\n6. If your older child" in text


async def test_a_spanish_speaking_organizer_browses_in_spanish(bot: TestBot) -> None:
    bot.people["maria"].is_admin = True
    [shown] = await bot.say("maria", "/homeroom series preview homework-without-tears")
    assert bot.texts([shown])[0].startswith("*Tareas sin lágrimas*")
    [listed] = await bot.say("maria", "/homeroom series list theme=homework")
    assert "grados 3-5 · aprendizaje en casa, tareas · 6 temas" in bot.texts([listed])[0]


async def test_an_unknown_series_is_explained_and_parents_cannot_browse(bot: TestBot) -> None:
    [unknown] = await bot.say("dana", "/homeroom series preview homework")
    assert bot.texts([unknown])[0].startswith(
        "I don't know the series “homework”. These exist: high-school-years,"
    )
    [refused] = await bot.say("lee", "/homeroom series list")
    assert "Only organizers can do that" in bot.texts([refused])[0]
