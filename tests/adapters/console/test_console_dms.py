"""Direct messages in the console: `:dm TEXT` writes to Homeroom privately (a parent's
reply to "just reply to this message"), and a DM sent to a member who was not at the
keyboard still waits for them after the console is started again."""

import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from adapters.console import ConsoleAdapter
from adapters.console.view import View
from adapters.console.world import World
from bot.app import Homeroom
from tests.adapters.console.test_console import type_lines
from tests.adapters.console.test_transcript import run_homeroom

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
    await type_lines(adapter, out, "/homeroom ask ¿Hay autobús? anonymous=yes", ":as sam")
    await type_lines(adapter, out, "/homeroom queue claim 1")
    await type_lines(adapter, out, "/homeroom queue ask-parent 1 Which stop?", ":as maria")
    shown = await type_lines(adapter, out, ":dm En la calle Elm.")
    assert shown.splitlines()[:6] == [
        "✉ maria → Homeroom (mensaje directo)",
        "    En la calle Elm.",
        "#liaisons › hilo 2 | Homeroom (mensaje 3)",
        "    The parent replied on #1: En la calle Elm.",
        "✉ Homeroom → maria (mensaje directo)",
        "    Gracias. Hice llegar su respuesta sobre la pregunta n.º 1.",
    ]
    assert "• Status: with a liaison" in shown  # the clock runs again


async def test_dm_alone_still_lists_the_direct_messages(
    console: tuple[ConsoleAdapter, io.StringIO],
) -> None:
    adapter, out = console
    await type_lines(adapter, out, "/homeroom role grant @sam liaison", ":as sam")
    shown = await type_lines(adapter, out, ":dm")
    assert shown.startswith("✉ 1. Welcome! @dana made you a school liaison")
    assert len(shown.splitlines()) == 1


def test_a_dm_sent_while_someone_else_acted_waits_across_a_restart(tmp_path: Path) -> None:
    first = run_homeroom(
        tmp_path,
        SETUP
        + ":as maria\n/homeroom ask ¿Hay autobús?\n:as sam\n/homeroom queue claim 1\n"
        + "/homeroom queue answer 1 Sí, a las 8:10.\n",
        "run",
    )
    assert first.returncode == 0, first.stderr
    again = run_homeroom(tmp_path, ":as maria\n:as dana\n:as maria\n:dm\n", "run")
    assert again.stdout.splitlines()[1:] == [
        "dana@#parents> :as maria",
        "Ahora usted es maria.",
        "✉ 1 mensaje privado nuevo para maria, enviado mientras usted era otra persona:",
        "✉ Homeroom → maria (mensaje directo)",
        "    @sam respondió a su pregunta n.º 1 («¿Hay autobús?»):",
        "    ",
        "    Sí, a las 8:10.",
        "    ",
        "    Si necesita algo más, responda a este mensaje.",
        "maria@#parents> :as dana",
        "You are now dana.",
        "dana@#parents> :as maria",
        "Ahora usted es maria.",  # shown once
        "maria@#parents> :dm",
        "✉ 1. @sam respondió a su pregunta n.º 1 («¿Hay autobús?»):",
        "",
        "Sí, a las 8:10.",
        "",
        "Si necesita algo más, responda a este mensaje.",
    ]


def test_the_world_keeps_inboxes_and_reads_the_older_list_form() -> None:
    world = World()
    world.add_message("parents", "lee", "Hello", None)
    world.add_dm("maria", "Hola", seen=False)
    world.add_dm("maria", "Otra", seen=False)
    world.add_dm("sam", "Welcome", seen=True)
    world.mark_seen("lee")  # nothing unseen: no change
    kept = World()
    kept.load(world.dump())
    assert kept.inbox == {"maria": ["Hola", "Otra"], "sam": ["Welcome"]}
    assert kept.unseen == {"maria": 2}
    older = World()
    older.load(json.dumps([{"id": "7", "channel": "parents", "author": "lee", "text": "Hi"}]))
    assert (list(older.messages), older.inbox, older.unseen) == (["7"], {}, {})
    assert older.add_message("parents", "lee", "Next", None).id == "8"
