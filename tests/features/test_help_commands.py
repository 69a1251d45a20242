"""`help poll create` explains that one command (a new member types the command they
want help with), rather than answering that there's more than help expects."""

from bot.testing import TestBot


async def test_help_on_one_command_shows_only_that_command(bot: TestBot) -> None:
    [reply] = await bot.say("lee", "/homeroom help poll results")
    assert reply.message.title == "Help: poll results"  # type: ignore[union-attr]
    assert bot.texts([reply]) == [
        "*Help: poll results*\n"
        "• poll results <id> — See a poll's results, as far as you may\n"
        "    id: The poll's number, from “poll list”"
    ]


async def test_a_spanish_reader_gets_one_command_with_the_topic_in_spanish(bot: TestBot) -> None:
    [reply] = await bot.say("maria", "/ayuda encuesta results")
    assert bot.texts([reply]) == [
        "*Ayuda: poll results*\n"
        "• poll results <número> — Ver los resultados de una encuesta, en lo que pueda verlos\n"
        "    número: El número de la encuesta, de “poll list”"
    ]


async def test_a_word_that_names_no_command_shows_the_whole_topic(bot: TestBot) -> None:
    [whole] = await bot.say("lee", "/homeroom help poll")
    [reply] = await bot.say("lee", "/homeroom help poll colours")
    assert bot.texts([reply]) == bot.texts([whole])


async def test_the_command_word_may_be_spanish_too(bot: TestBot) -> None:
    [english] = await bot.say("maria", "/ayuda encuesta results")
    [spanish] = await bot.say("maria", "/ayuda encuesta resultados")
    assert bot.texts([spanish]) == bot.texts([english])
