"""The console adapter in process: buttons, forms, threads, reactions, DMs."""

import io
from collections.abc import AsyncIterator

import pytest_asyncio

from adapters.console import ConsoleAdapter
from adapters.console.view import View
from bot.app import Homeroom
from bot.clock import FakeClock


@pytest_asyncio.fixture
async def console(homeroom: Homeroom) -> AsyncIterator[tuple[ConsoleAdapter, io.StringIO]]:
    out = io.StringIO()
    adapter = ConsoleAdapter(homeroom, View(out, rich=False))
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    yield adapter, out


async def type_lines(adapter: ConsoleAdapter, out: io.StringIO, *lines: str) -> str:
    out.seek(0)
    out.truncate()
    for line in lines:
        assert await adapter.handle_line(line)
    return out.getvalue()


async def test_pressing_a_button(console: tuple[ConsoleAdapter, io.StringIO]) -> None:
    adapter, out = console
    shown = await type_lines(adapter, out, "homeroom help")
    assert "[1] help  [2] setup  [3] role  [4] series  [5] prompt   (:press N)" in shown
    shown = await type_lines(adapter, out, ":press 3")
    assert "*Help: role*" in shown
    assert "There is no such button" in await type_lines(adapter, out, ":press 9")


async def test_filling_a_form_field_by_field(console: tuple[ConsoleAdapter, io.StringIO]) -> None:
    adapter, out = console
    shown = await type_lines(adapter, out, "/role grant")
    assert "📝 Make a member a liaison or an organizer" in shown
    assert "1/2 The member, like @name" in shown
    shown = await type_lines(adapter, out, "@sam")
    assert "2/2 liaison or organizer (liaison, organizer)" in shown
    shown = await type_lines(adapter, out, "liaison")
    assert "Done: @sam is now a liaison." in shown
    assert "sam has no direct messages" not in await type_lines(adapter, out, ":as sam", ":dm")


async def test_a_form_can_be_cancelled(console: tuple[ConsoleAdapter, io.StringIO]) -> None:
    adapter, out = console
    await type_lines(adapter, out, "/homeroom setup")
    assert "Form closed; nothing was sent." in await type_lines(adapter, out, ":cancel")


async def test_messages_thread_replies_and_reactions(
    console: tuple[ConsoleAdapter, io.StringIO], homeroom: Homeroom
) -> None:
    adapter, out = console
    shown = await type_lines(adapter, out, ":as lee", "Hello everyone!")
    assert "#parents | lee posted message 1" in shown
    shown = await type_lines(adapter, out, ":reply 1 Welcome, Lee!", ":react 1 👍")
    assert "#parents | lee posted message 2 in thread 1" in shown
    assert "Use :react" not in shown


async def test_console_commands_explain_mistakes(
    console: tuple[ConsoleAdapter, io.StringIO],
) -> None:
    adapter, out = console
    shown = await type_lines(adapter, out, ":as nobody", ":in #gym", ":fly", ":reply 99 hi", ":who")
    assert "There is no nobody here. Members: dana, sam, maria, lee." in shown
    assert "There is no #gym. Channels: #parents, #liaisons." in shown
    assert "I don't know :fly. Type :help for the console commands." in shown
    assert "Use :reply N TEXT" in shown
    assert "maria  parent (reads Spanish), language es" in shown
    assert not await adapter.handle_line(":quit")


async def test_the_terminal_view_draws_panels(homeroom: Homeroom, clock: FakeClock) -> None:
    out = io.StringIO()
    adapter = ConsoleAdapter(homeroom, View(out, rich=True))
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    adapter.view.welcome(adapter.cast_lines())
    await adapter.handle_line("/homeroom help")
    drawn = out.getvalue()
    assert "Welcome to Homeroom's console community" in drawn
    assert "╭" in drawn and "Homeroom help" in drawn


async def test_the_console_posts_only_in_its_channels(
    console: tuple[ConsoleAdapter, io.StringIO],
) -> None:
    adapter, _ = console
    assert await adapter.can_post("parents") and not await adapter.can_post("gym")
