"""A community with a private liaison queue channel, two liaisons (sam, ines) and an
organizer (dana), for the questions feature's tests."""

from __future__ import annotations

import pytest

from bot.capabilities import Capabilities
from bot.intents import Intent, Post
from bot.testing import Person, TestBot


@pytest.fixture
def capabilities() -> Capabilities:
    return Capabilities(home=True)


async def community(bot: TestBot) -> TestBot:
    bot.people["ines"] = Person("ines")
    bot.people["omar"] = Person("omar")
    await bot.say("dana", "/setup queue=#liaisons timezone=America/New_York")
    await bot.say("dana", "/role grant @sam liaison")
    await bot.say("dana", "/role grant @ines liaison")
    await bot.say("dana", "/role grant @omar liaison")
    return bot


def cards(sent: list[Intent]) -> list[Post]:
    return [i for i in sent if isinstance(i, Post) and i.to.channel == "liaisons"]
