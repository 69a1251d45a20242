"""`:next` names what it jumps to in plain words, in the reader's language: the
retention clean-up reads as one, not as "retention: delete what is past its time"."""

import io
import re
from collections.abc import AsyncIterator

import pytest_asyncio

from adapters.console import ConsoleAdapter
from adapters.console.view import View
from bot.app import Homeroom
from bot.clock import ShiftableClock
from bot.testing import test_settings
from tests.adapters.console.test_console import type_lines


@pytest_asyncio.fixture
async def console(database_url: str) -> AsyncIterator[tuple[ConsoleAdapter, io.StringIO]]:
    out = io.StringIO()
    homeroom = Homeroom(test_settings(database_url), clock=ShiftableClock())
    await homeroom.db.migrate()
    adapter = ConsoleAdapter(homeroom, View(out, rich=False))
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    try:
        yield adapter, out
    finally:
        await homeroom.stop()


def _what(shown: str) -> str:
    [jump] = [line for line in shown.splitlines() if line.startswith("⏩")]
    return re.sub(r"^⏩ .*\(America/New_York\), ", "", jump)


async def test_next_names_the_retention_clean_up_in_english_and_spanish(
    console: tuple[ConsoleAdapter, io.StringIO],
) -> None:
    adapter, out = console
    await type_lines(adapter, out, "/homeroom setup timezone=America/New_York")
    await type_lines(adapter, out, "/homeroom retention set questions=180")
    assert _what(await type_lines(adapter, out, ":next")) == (
        "when the clean-up of old questions and messages is due."
    )
    await type_lines(adapter, out, ":as maria")
    assert _what(await type_lines(adapter, out, ":next")) == (
        "cuando toca la limpieza de preguntas y mensajes antiguos."
    )
