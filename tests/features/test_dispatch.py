import logging

import pytest

from bot.events import CommandInvoked
from bot.intents import Ephemeral
from bot.testing import TestBot


async def test_a_redelivered_event_has_one_effect(bot: TestBot) -> None:
    event = CommandInvoked(
        event_id="Ev-retry",
        at=bot.app.clock.now(),
        conversation=bot.where(),
        actor=bot.actor("dana"),
        text="role grant @sam liaison",
    )
    first = await bot.send(event)
    assert len(first) == 2
    for _ in range(3):
        assert await bot.send(event) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("frobnicate", "I don't know the command “frobnicate”. Type “help” to see what I can do."),
        ("hlep", "I don't know the command “hlep”. Did you mean “help”?"),
        ("role", "“role” needs one more word. Try one of: role grant, role list, role revoke."),
        (
            "role grnat @sam liaison",
            "I don't know the command “role grnat”. Did you mean “role grant”?",
        ),
        (
            "prompt schedul series=moving-up",
            "I don't know the command “prompt schedul”. Did you mean “prompt schedule”?",
        ),
        ("role zzz", "“role” needs one more word. Try one of: role grant, role list, role revoke."),
        # Quoted as typed: only the command's word, not the options after it, not lowered.
        (
            "Setpu timezone=America/New_York",
            "I don't know the command “Setpu”. Did you mean “setup”?",
        ),
        (
            "frobnicate the poll",
            "I don't know the command “frobnicate”. Type “help” to see what I can do.",
        ),
        ("help role please now", "There's more here than “help” expects: “now”."),
        (
            "role list liaison please now",
            "There's more here than “role list” expects: “please now”.",
        ),
        (
            "role grant sam liaison",
            "I couldn't tell who “sam” is. Mention the member with @, like @sam.",
        ),
        (
            "setup queue=liaisons",
            "I couldn't tell which channel “liaisons” is. Link it, like #channel.",
        ),
    ],
)
async def test_bad_input_gets_a_short_kind_specific_answer(
    bot: TestBot, text: str, expected: str
) -> None:
    [reply] = await bot.say("dana", "/" + text)
    assert isinstance(reply, Ephemeral)
    assert bot.texts([reply]) == [expected]
    assert await bot.app.directory.members_with_roles(bot.where().community_ref) == []


async def test_a_failing_handler_answers_kindly_and_logs_ids_not_text(
    bot: TestBot, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_args: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(bot.app.directory, "members_with_roles", broken)
    with caplog.at_level(logging.ERROR):
        [reply] = await bot.say("dana", "/homeroom role list secret-words")
    # A wrong choice is explained before any handler runs: nothing failed, nothing logged.
    assert bot.texts([reply]) == [
        "“secret-words” isn't one of the choices for “role”: liaison, organizer."
    ]
    assert "event=handler_failed" not in caplog.text
    [reply] = await bot.say("dana", "/homeroom role list")
    assert bot.texts([reply]) == [
        "Sorry, something went wrong on my side. Please try again in a moment."
    ]
    assert "event=handler_failed" in caplog.text
    first_line = caplog.text.split("Traceback")[0]
    assert "event_id=ev" in first_line
    assert "role list" not in first_line  # what a member typed stays out of the log


async def test_platform_admins_are_organizers_without_a_stored_role(bot: TestBot) -> None:
    [reply] = await bot.say("dana", "/homeroom role list")
    assert "No one has a role here yet" in bot.texts([reply])[0]


async def test_a_failure_before_the_handler_still_answers_kindly(
    bot: TestBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def unreachable(*_args: object) -> None:
        raise OSError("database unreachable")

    monkeypatch.setattr(bot.app.directory, "community", unreachable)
    with caplog.at_level(logging.ERROR):
        [reply] = await bot.say("maria", "/homeroom help")
    assert bot.texts([reply]) == [
        "Lo siento, algo falló de mi lado. Por favor, inténtelo de nuevo en un momento."
    ]
    assert "event=context_failed" in caplog.text
    assert await bot.say("maria", "just chatting") == []  # a plain message needs no apology
