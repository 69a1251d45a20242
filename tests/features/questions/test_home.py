"""The Slack App Home: a liaison sees the queue, a parent their own questions (a
question asked without a name only as a count: a home page's copy is kept)."""

from __future__ import annotations

from bot.events import HomeOpened
from bot.intents import PublishHome
from bot.testing import TestBot
from tests.features.questions.conftest import community


async def home_of(bot: TestBot, who: str) -> str:
    [page] = await bot.send(HomeOpened(**bot._from(who, "home")))
    assert isinstance(page, PublishHome)
    return bot.texts([page])[0]


async def test_the_home_shows_a_liaisons_queue_and_a_parents_questions(bot: TestBot) -> None:
    await community(bot)
    await bot.say("dana", "/route fallback @sam")
    await bot.say("lee", "/ask Is there a bus on snow days?")
    await bot.say("lee", "/ask Who do I talk to about an IEP? anonymous=yes")
    liaison = await home_of(bot, "sam")
    assert (
        "Liaison queue: 2 yours, 2 unclaimed, 0 overdue.\n"
        "#1 · general · received · <@sam> · “Is there a bus on snow days?” · due Wednesday "
        "9 September, 12:00\n"
        "#2 · general · received · <@sam> · “Who do I talk to about an IEP?” · due Wednesday "
        "9 September, 12:00"
    ) in liaison
    parent = await home_of(bot, "lee")
    assert (
        "Your questions\n"
        "#1 · received · “Is there a bus on snow days?” · answer by Wednesday 9 September, "
        "12:00\nOne question asked without your name: “ask list” shows it."
    ) in parent
    assert "IEP" not in parent and "Liaison queue" not in parent
