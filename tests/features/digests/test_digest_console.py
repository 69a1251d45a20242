"""Digests in the console: an organizer reads the draft, leaves an item out and
publishes it in the channel; a parent reads it and may not export."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from adapters.console import ConsoleAdapter
from adapters.console.view import View
from bot.app import Homeroom
from tests.features.digests.helpers import seed_draft


@pytest.fixture
def backend() -> str:
    return "sqlite"  # the console's own store


async def test_digests_in_the_console(homeroom: Homeroom, tmp_path: Path) -> None:
    out = io.StringIO()
    adapter = ConsoleAdapter(homeroom, View(out, rich=False), files=tmp_path)
    homeroom.attach(adapter)
    await homeroom.start(timers=False)

    def shown() -> str:
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    assert await adapter.handle_line("/digest show")
    assert "No draft digest is waiting. “digest build” makes one." in shown()
    await seed_draft(homeroom, "parents")
    assert await adapter.handle_line("/digest drop 1 2")
    assert "Item 2 is left out of digest #1." in shown()
    assert await adapter.handle_line("/digest publish 1")
    posted = shown()
    assert posted.startswith(
        "#parents | Homeroom (message 1)\n    📝 Digest: Homework without tears\n"
    )
    assert "    • A snack first, then 20 minutes. — lee ↗ https://chat.example/m\n" in posted
    assert "We don't, honestly." not in posted
    assert "Digest #1 is posted in #parents." in posted
    # The archive arrives as a file, saved where the console shows its path.
    assert await adapter.handle_line("/digest export")
    saved = tmp_path / "dana-digests-parents-20260907.html"
    assert shown() == (
        "✉ Homeroom → dana (direct message)\n    Digest archive\n"
        "    1 digest of #parents, as a web page any browser opens.\n"
        f"    {saved}\n"
        "#parents | Homeroom → dana (only dana sees this)\n"
        "    I've sent the digest archive to you in a direct message.\n"
    )
    assert saved.read_text().startswith("<!DOCTYPE html>\n")
    assert await adapter.handle_line(":as lee")
    shown()
    assert await adapter.handle_line("/digest export")
    assert "Only organizers can do that." in shown()
    assert await adapter.handle_line("/digest latest")
    assert "    • ★ Con música suave. — maria ↗ https://chat.example/m\n" in shown()
