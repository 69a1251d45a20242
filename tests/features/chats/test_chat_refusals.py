"""Bad input to live chats gets a kind, specific answer and changes nothing: no
questions, a start in the past, an interval of 0, a moderator's command with no chat
running, a parent starting a chat, an answer filed under a question that doesn't exist."""

from __future__ import annotations

import pytest

from bot.capabilities import Capabilities
from bot.clock import FakeClock
from bot.testing import TestBot
from tests.features.chats.helpers import TWO, privately


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (
            'chat start questions=" ; ;"',
            "A chat needs at least one question. Type them separated by semicolons, like "
            "“What helps mornings?; How do you plan the week?”, or name a series.",
        ),
        (
            f"chat start {TWO} at=15:00",
            "That start time, Monday 7 September, 15:00, has already passed. Please choose a "
            "time to come, or “now”.",
        ),
        (
            f'chat start {TWO} at="2026-09-07 16:00"',
            "That start time, Monday 7 September, 16:00, has already passed. Please choose a "
            "time to come, or “now”.",
        ),
        (
            f"chat start {TWO} at=tomorrow",
            "I can't read “tomorrow” as a start time. Use “now”, a time like 19:00, a "
            "weekday and time like “tue 20:00”, or a date and time like 2026-12-01 19:00.",
        ),
        (
            f'chat start {TWO} at="someday 20:00"',
            "I can't read “someday 20:00” as a start time. Use “now”, a time like 19:00, a "
            "weekday and time like “tue 20:00”, or a date and time like 2026-12-01 19:00.",
        ),
        (
            f"chat start {TWO} interval=0",
            "The interval between questions needs to be at least one minute, like "
            "interval=10 (minutes). “0” isn't.",
        ),
        (
            f"chat start {TWO} interval=soon",
            "The interval between questions needs to be at least one minute, like "
            "interval=10 (minutes). “soon” isn't.",
        ),
        (
            f"chat start {TWO} interval=3h",
            "The interval between questions can be at most two hours; “3h” is longer.",
        ),
        (
            f"chat start {TWO} until=2026-12-18",
            "“until” is the last date a recurring chat may take place, so it goes with "
            "“every”, like every=week.",
        ),
        (
            "chat next",
            "No live chat is running in <#parents> right now. “chat start” starts one, and "
            "“chat list” shows those to come.",
        ),
        ("chat extend 0", "“minutes” needs a number from 1 to 120, and 0 isn't."),
        ("chat extend 500", "“minutes” needs a number from 1 to 120, and 500 isn't."),
        (
            "chat extend 5",
            "No live chat is running in <#parents> right now. “chat start” starts one, and "
            "“chat list” shows those to come.",
        ),
        (
            "chat end",
            "No live chat is running in <#parents> right now. “chat start” starts one, and "
            "“chat list” shows those to come.",
        ),
        (
            "chat file 2",
            "This works on a message: choose “File as answer to Q...” in the message's menu "
            "(More actions).",
        ),
    ],
)
async def test_bad_input_is_refused_kindly_and_changes_nothing(
    bot: TestBot, command: str, said: str
) -> None:
    await bot.say("dana", "/chat list")  # the community is known: its row is no change
    before = await bot.state()
    sent = await bot.say("dana", f"/{command}")
    assert privately(sent) == [said]
    assert len(sent) == 1
    assert await bot.state() == before


async def test_a_parent_may_not_run_a_chat(bot: TestBot) -> None:
    await bot.say("lee", "/chat list")
    before = await bot.state()
    for command in (f"chat start {TWO}", "chat next", "chat end"):
        sent = await bot.say("lee", f"/{command}")
        assert privately(sent) == [
            "Only organizers can do that. If you help run this group, an organizer can give "
            "you the role with “role grant”."
        ]
    assert await bot.state() == before


async def test_a_second_chat_in_the_same_channel_waits_for_the_first(
    bot: TestBot, clock: FakeClock
) -> None:
    await bot.say("dana", f"/chat start {TWO}")
    before = await bot.state()
    sent = await bot.say("dana", f"/chat start {TWO}")
    assert privately(sent) == [
        "A live chat is already running in <#parents>. “chat end” ends it; then you can "
        "start another."
    ]
    assert await bot.state() == before


async def test_a_spanish_organizer_is_refused_in_spanish(bot: TestBot) -> None:
    bot.people["maria"].is_admin = True
    sent = await bot.say("maria", '/chat start preguntas="¿Qué ayuda?" intervalo=0')
    assert privately(sent) == [
        "El intervalo entre preguntas debe ser de al menos un minuto, como intervalo=10 "
        "(minutos). “0” no lo es."
    ]


@pytest.mark.parametrize(
    ("capabilities", "said"),
    [
        (
            Capabilities(message_actions="apps"),  # Discord
            "This works on a message: in the message's menu (right-click it, or press and "
            "hold it on a phone), choose Apps, then “File as answer to Q...”.",
        ),
        (
            Capabilities(message_actions="typed"),  # the console
            "This works on a message: type “:on N chat file”, where N is the message's number.",
        ),
    ],
)
async def test_a_message_action_without_a_message_says_how_where_the_member_is(
    bot: TestBot, said: str
) -> None:
    assert privately(await bot.say("dana", "/chat file")) == [said]
    await bot.say("dana", "/role grant <@maria> organizer")
    [spanish] = privately(await bot.say("maria", "/chat file"))
    assert spanish.startswith("Esto funciona sobre un mensaje: ")
