import pytest

from bot.capabilities import Capabilities
from bot.events import HomeOpened
from bot.intents import PublishHome
from bot.testing import TestBot


def opened(bot: TestBot, who: str) -> HomeOpened:
    return HomeOpened(**bot._from(who, f"home-{who}"))


@pytest.fixture
def capabilities() -> Capabilities:
    return Capabilities(home=True)


async def test_home_shows_roles_and_what_the_member_can_do(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom role grant @sam liaison")
    [home] = await bot.send(opened(bot, "sam"))
    assert isinstance(home, PublishHome)
    assert home.member == bot.member("sam")
    assert home.message.text.startswith("Welcome to Homeroom. Your roles here: liaison.")
    assert "help [topic]" in home.message.text


async def test_home_is_in_the_members_language(bot: TestBot) -> None:
    [home] = await bot.send(opened(bot, "maria"))
    assert bot.texts([home])[0].startswith("*Homeroom*\nLe damos la bienvenida a Homeroom.")


async def test_where_there_is_no_home_nothing_is_sent(bot: TestBot) -> None:
    bot.app.core.add_platform("fake", Capabilities(home=False))
    assert await bot.send(opened(bot, "lee")) == []


async def test_an_organizers_home_lists_the_scheduled_series(bot: TestBot) -> None:
    await bot.say(
        "dana",
        "/homeroom prompt schedule series=moving-up channel=#parents weekday=mon time=19:00",
    )
    [home] = await bot.send(opened(bot, "dana"))
    assert "Scheduled series\n#1 Moving up to middle school in <#parents>" in home.message.text  # type: ignore[union-attr]
    [parents_home] = await bot.send(opened(bot, "lee"))
    assert "Scheduled series" not in parents_home.message.text  # type: ignore[union-attr]
