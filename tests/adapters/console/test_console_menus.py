"""The console shows a menu's choices as numbered buttons and a picture by its alt text;
`:press N` picks one choice, `:press N M` several of one menu (as many as it allows)."""

import base64
import io
from collections.abc import AsyncIterator

import pytest_asyncio

from adapters.console import ConsoleAdapter
from adapters.console.view import View
from bot.app import Homeroom
from bot.events import ComponentSubmitted, Event
from bot.intents import Choice, Image, Message, Post, Select
from bot.refs import ConversationRef

PNG = base64.b64encode(b"\x89PNG").decode()


@pytest_asyncio.fixture
async def console(homeroom: Homeroom) -> AsyncIterator[tuple[ConsoleAdapter, io.StringIO]]:
    out = io.StringIO()
    adapter = ConsoleAdapter(homeroom, View(out, rich=False))
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    yield adapter, out


def card(max_values: int) -> Message:
    options = tuple(
        Choice(f"7:{n}", f"{n + 1}. {day}") for n, day in enumerate(["Tue", "Wed", "Fri"])
    )
    return Message(
        text="Which day?",
        select=Select("poll.pick", "Choose…", options, max_values),
        image=Image(PNG, "Bar chart: Tue 4, Wed 1, Fri 2"),
    )


async def picks(adapter: ConsoleAdapter, *lines: str) -> list[Event]:
    seen: list[Event] = []

    async def spy(event: Event, **how: bool):  # type: ignore[no-untyped-def]
        seen.append(event)
        return []

    adapter.app.core.dispatch = spy  # type: ignore[method-assign]
    for line in lines:
        assert await adapter.handle_line(line)
    return seen


async def test_a_menu_is_numbered_choices_and_a_picture_its_alt_text(
    console: tuple[ConsoleAdapter, io.StringIO],
) -> None:
    adapter, out = console
    await adapter.deliver(Post(to=ConversationRef("console", "school", "parents"), message=card(1)))
    shown = out.getvalue()
    assert "[1] 1. Tue  [2] 2. Wed  [3] 3. Fri   (:press N)" in shown
    assert "Bar chart: Tue 4, Wed 1, Fri 2" in shown
    [event] = await picks(adapter, ":press 2")
    assert isinstance(event, ComponentSubmitted)
    assert (event.action_id, event.value, event.conversation.message) == ("poll.pick", "7:1", "1")


async def test_several_choices_of_one_menu_go_as_one_pick_within_its_limit(
    console: tuple[ConsoleAdapter, io.StringIO],
) -> None:
    adapter, out = console
    await adapter.deliver(Post(to=ConversationRef("console", "school", "parents"), message=card(2)))
    [event] = await picks(adapter, ":press 1 3")
    assert isinstance(event, ComponentSubmitted)
    assert event.value == "7:0\n7:2"
    out.seek(0)
    out.truncate()
    assert await picks(adapter, ":press 1 2 3") == []  # three of a menu that takes two
    assert "There is no such button" in out.getvalue()
