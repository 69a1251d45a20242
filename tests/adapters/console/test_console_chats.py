"""The console adapter in process with a live chat: the questions are posted (Q1
opening a thread), a typed `A1: ...` and a reply in Q1's thread are filed and the bot's
✅ reaction is shown, and `chat end` sums up."""

import io
from collections.abc import AsyncIterator

import pytest_asyncio

from adapters.console import ConsoleAdapter
from adapters.console.view import View
from bot.app import Homeroom
from tests.adapters.console.test_console import type_lines


@pytest_asyncio.fixture
async def console(homeroom: Homeroom) -> AsyncIterator[tuple[ConsoleAdapter, io.StringIO]]:
    out = io.StringIO()
    adapter = ConsoleAdapter(homeroom, View(out, rich=False))
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    yield adapter, out


async def test_a_live_chat_in_the_console(console: tuple[ConsoleAdapter, io.StringIO]) -> None:
    adapter, out = console
    shown = await type_lines(
        adapter, out, '/chat start questions="What helps mornings?; How do you plan the week?"'
    )
    assert "Chat #1 has started in #parents with 2 questions." in shown
    assert (
        "#parents | Homeroom (message 2, opens a thread: :reply 2 TEXT)\n"
        "    Q1: What helps mornings?\n"
        "    Answer with A1: … or reply in this thread.\n"
    ) in shown
    shown = await type_lines(adapter, out, ":as lee", "A1: a calm breakfast")
    assert shown.endswith(
        "#parents | lee posted message 3\n#parents | Homeroom reacted ✅ to message 3\n"
    )
    shown = await type_lines(adapter, out, ":reply 2 we pack the night before")
    assert shown.endswith(
        "#parents | lee posted message 4 in thread 2\n#parents | Homeroom reacted ✅ to message 4\n"
    )
    assert "Homeroom reacted" not in await type_lines(adapter, out, "Good evening, all!")
    shown = await type_lines(adapter, out, ":as dana", "/chat end")
    assert (
        "That's the end of our live chat. Thank you! 2 answers were filed. "
        "They came from one person."
    ) in shown


async def test_a_command_on_a_message_refiles_an_answer(
    console: tuple[ConsoleAdapter, io.StringIO],
) -> None:
    """`:on N COMMAND` runs a command on message N, as a message's menu does."""
    adapter, out = console
    await type_lines(adapter, out, '/chat start questions="Mornings?; Evenings?"', "/chat next")
    await type_lines(adapter, out, ":as lee", "A1: we plan on Sundays")  # message 4
    shown = await type_lines(adapter, out, ":as dana", ":on 4 chat file")
    assert "File as answer to Q... (1/1): Which question does it answer?\n" in shown
    assert "Choices: Q1, Q2, None: it isn't an answer\n" in shown
    shown = await type_lines(adapter, out, "Q2")
    assert shown == (
        "#parents | Homeroom reacted ✅ to message 4\n"
        "#parents | Homeroom → dana (only dana sees this)\n"
        "    Done: that message is filed as the answer to Q2.\n"
    )
    shown = await type_lines(adapter, out, ":on 99 chat file")
    assert shown == "There is no message 99 yet; the numbers are in “message N” above.\n"
    shown = await type_lines(adapter, out, ":on 4")
    assert shown == "Use :on N COMMAND, for example :on 3 chat file, on message N.\n"


async def test_a_message_action_typed_without_a_message_says_how_in_the_console(
    console: tuple[ConsoleAdapter, io.StringIO],
) -> None:
    """A terminal has no message menu: the refusal names `:on N`, in each language."""
    adapter, out = console
    shown = await type_lines(adapter, out, "/chat file")
    assert shown.endswith(
        "    This works on a message: type “:on N chat file”, where N is the message's number.\n"
    )
    await type_lines(adapter, out, "/role grant @maria organizer", ":as maria")
    shown = await type_lines(adapter, out, "/chat file")
    assert shown.endswith(
        "    Esto funciona sobre un mensaje: escriba “:on N chat file”, donde N es el número "
        "del mensaje.\n"
    )


async def test_a_recurring_chat_is_stopped_by_its_number_in_the_console(
    console: tuple[ConsoleAdapter, io.StringIO],
) -> None:
    """`chat list` names the recurring chat's number and how to stop it; `chat cancel
    series=N` stops it, tells the group, and says what it called off."""
    adapter, out = console
    await type_lines(
        adapter,
        out,
        '/chat start questions="Mornings?; Evenings?" at="tue 20:00" every=week until=2026-09-22',
    )
    shown = await type_lines(adapter, out, "/chat list")
    assert (
        "    #1 in #parents: starts Tuesday 8 September, 20:00, 2 questions (recurring chat 1)\n"
        "    “chat cancel series=N” stops recurring chat N for good.\n"
    ) in shown
    shown = await type_lines(adapter, out, "/chat cancel series=1")
    assert "The live chat planned here for Tuesday 8 September, 20:00 is called off." in shown
    assert (
        "Recurring chat 1 is stopped: its 3 chats to come are called off. The group is told. "
        "None of its chats had taken place yet."
    ) in shown
    shown = await type_lines(adapter, out, "/chat list")
    assert "No live chat is running or planned. “chat start” starts one." in shown
