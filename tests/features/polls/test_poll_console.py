"""A poll in the console: the card with numbered buttons, `:press` votes, the card is
updated in place, and the poll closes with its results."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from adapters.console import ConsoleAdapter
from adapters.console.view import View
from bot.app import Homeroom


@pytest.fixture
def backend() -> str:
    return "sqlite"  # the console's own store


async def test_a_poll_in_the_console(homeroom: Homeroom) -> None:
    out = io.StringIO()
    adapter = ConsoleAdapter(homeroom, View(out, rich=False))
    homeroom.attach(adapter)
    await homeroom.start(timers=False)

    def shown() -> str:
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    assert await adapter.handle_line('/poll create Snacks? options="fruit; cake" anonymous=yes')
    card = shown()
    assert card.startswith("#parents | Homeroom (message 1)\n    📊 Snacks?\n    1. fruit\n")
    assert "    [1] 1. fruit  [2] 2. cake  [3] Take back my vote   (:press N)\n" in card
    assert await adapter.handle_line(":as lee")
    shown()
    assert await adapter.handle_line(":press 2")
    voted = shown()
    assert voted.startswith(
        "#parents | message 1 updated\n    📊 Snacks?\n    1. fruit\n"
        "        ░░░░░░░░░░ 0 · 0%\n    2. cake\n        ██████████ 1 · 100%\n"
    )
    assert "    1 person has voted.\n" in voted
    assert "    [4] 1. fruit  [5] 2. cake  [6] Take back my vote   (:press N)\n" in voted
    assert voted.endswith(
        "#parents | Homeroom → lee (only lee sees this)\n"
        "    Your vote in poll #1: cake. You can change it until the poll closes.\n"
    )
    assert await adapter.handle_line(":as dana")
    shown()
    assert await adapter.handle_line("/poll close 1")
    closed = shown()
    assert closed.startswith("#parents | message 1 updated\n")
    assert "    Closed.\n    1 person has voted.\n#parents" in closed  # no buttons left
    assert [line for line in card.splitlines() + closed.splitlines() if "_" in line] == []
    assert (  # the results post and dana's private answer go on lanes of their own
        "#parents | Homeroom (message 2)\n    Poll #1 is closed.\n"
        "    Results of poll #1: Snacks? (1 voter)\n    1. fruit\n        ░░░░░░░░░░ 0 · 0%\n"
        "    2. cake\n        ██████████ 1 · 100%\n"
    ) in closed


async def test_a_two_language_poll_card_shows_no_markup_in_the_console(
    homeroom: Homeroom,
) -> None:
    """The card's footer, in English and Spanish one under the other, was wrapped in one
    `_…_` across its lines, which no platform reads as italics: the console showed the
    underscores."""
    out = io.StringIO()
    adapter = ConsoleAdapter(homeroom, View(out, rich=False))
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    assert await adapter.handle_line("/setup languages=en,es")
    assert await adapter.handle_line('/poll create Snacks? options="fruit; cake"')
    card = out.getvalue().split("#parents | Homeroom (message 1)\n")[1]
    assert card.splitlines()[9:14] == [
        "    0 people have voted.",
        "    Poll #1: vote with the buttons, or reply to this message with an option's number."
        " You can change your vote until it closes.",
        "    ",
        "    Encuesta con nombres: quien puede ver los resultados ve también quién eligió qué.",
        "    Elija una opción.",
    ]
    assert [line for line in card.splitlines() if "_" in line or "*" in line] == []


async def test_an_export_in_the_console_is_a_file_with_a_one_line_reply(
    homeroom: Homeroom, tmp_path: Path
) -> None:
    """The export was pasted into the reply box (the whole CSV, or Markdown whose fence
    word showed as its first line); it is now a file, saved where the console says."""
    out = io.StringIO()
    adapter = ConsoleAdapter(homeroom, View(out, rich=False), files=tmp_path)
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    assert await adapter.handle_line('/poll create Snacks? options="fruit; cake"')
    out.seek(0)
    out.truncate()
    assert await adapter.handle_line("/poll export 1 format=markdown")
    saved = tmp_path / "dana-poll-1-20260907.md"
    assert out.getvalue() == (
        "✉ Homeroom → dana (direct message)\n    Poll #1 export\n"
        "    Poll #1, as a Markdown file for the minutes.\n"
        f"    {saved}\n"
        "#parents | Homeroom → dana (only dana sees this)\n"
        "    I've sent poll #1's export to you in a direct message.\n"
    )
    assert saved.read_text().splitlines()[:3] == [
        "### Snacks?",
        "",
        "Poll #1, named, open. 0 voters.",
    ]
