"""Direct messages in the console: `:dm TEXT` writes to Homeroom privately (a parent's
reply to "just reply to this message", such as a liaison's "queue ask-parent")."""

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest_asyncio

from adapters.console import ConsoleAdapter
from adapters.console.view import View
from bot.app import Homeroom
from bot.clock import FakeClock
from tests.adapters.console.test_console import type_lines

SETUP = (
    "/homeroom setup timezone=America/New_York queue=#liaisons group=#parents\n"
    "/homeroom role grant @sam liaison\n"
    "/homeroom route fallback @sam\n"
)


@pytest_asyncio.fixture
async def console(homeroom: Homeroom) -> AsyncIterator[tuple[ConsoleAdapter, io.StringIO]]:
    out = io.StringIO()
    adapter = ConsoleAdapter(homeroom, View(out, rich=False))
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    yield adapter, out


async def test_a_parent_answers_the_liaisons_question_with_dm_text(
    console: tuple[ConsoleAdapter, io.StringIO],
) -> None:
    adapter, out = console
    await type_lines(adapter, out, *SETUP.splitlines(), ":as maria")
    asked = await type_lines(adapter, out, "/homeroom ask ¿Hay autobús? anonymous=yes")
    assert "#liaisons" not in asked  # the card is sam's to see, not the parent's
    shown = await type_lines(adapter, out, ":as sam")
    assert "#liaisons | Homeroom (message 2" in shown and "¿Hay autobús?" in shown
    await type_lines(adapter, out, "/homeroom queue claim 1")
    await type_lines(adapter, out, "/homeroom queue ask-parent 1 Which stop?", ":as maria")
    shown = await type_lines(adapter, out, ":dm En la calle Elm.")
    # The liaisons' channel is not a parent's: what it shows waits for sam.
    assert shown.splitlines() == [
        "✉ maria → Homeroom (mensaje directo)",
        "    En la calle Elm.",
        "✉ Homeroom → maria (mensaje directo)",
        "    Gracias. Hice llegar su respuesta sobre la pregunta n.º 1.",
    ]
    shown = await type_lines(adapter, out, ":as sam")
    assert "#liaisons › thread 2 | Homeroom (message 3)\n" in shown
    assert "    The parent replied on #1: En la calle Elm." in shown
    assert "• Status: with a liaison" in shown  # the clock runs again
    assert "maria" not in shown.split("\n", 1)[1]  # she asked without her name


async def test_dm_alone_still_lists_the_direct_messages(
    console: tuple[ConsoleAdapter, io.StringIO],
) -> None:
    adapter, out = console
    await type_lines(adapter, out, "/homeroom role grant @sam liaison", ":as sam")
    shown = await type_lines(adapter, out, ":dm")
    assert shown.startswith("✉ 1. Welcome! @dana made you a school liaison")
    assert len(shown.splitlines()) == 1


async def test_a_dm_held_for_quiet_hours_never_holds_up_the_terminal(
    console: tuple[ConsoleAdapter, io.StringIO], clock: FakeClock
) -> None:
    """The terminal takes the next line once delivery waits only for time: waiting for
    the held welcome to go out would freeze it until lee's quiet hours end."""
    adapter, out = console
    now = clock.now()
    quiet = f"{now - timedelta(hours=1):%H:%M}-{now + timedelta(hours=2):%H:%M}"
    await type_lines(adapter, out, "/homeroom setup timezone=UTC", ":as lee")
    await type_lines(adapter, out, f"/homeroom me settings quiet={quiet}", ":as dana")
    shown = await asyncio.wait_for(
        type_lines(adapter, out, "/homeroom role grant @lee liaison", "/homeroom help role"),
        timeout=30,
    )
    assert "Done: @lee is now a liaison." in shown and "Help: role" in shown
    assert "Welcome!" not in await type_lines(adapter, out, ":as lee", ":dm")
    clock.advance(hours=3)  # the quiet hours are over: the welcome goes out
    await asyncio.wait_for(adapter.app.outbox.idle(), timeout=30)
    assert "Welcome! @dana made you a school liaison" in await type_lines(adapter, out, ":dm")
