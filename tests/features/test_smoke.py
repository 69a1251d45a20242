from bot.testing import TestBot


async def test_help_answers_privately(bot: TestBot) -> None:
    sent = await bot.say("lee", "/homeroom help")
    print(bot.texts(sent))
    assert sent
