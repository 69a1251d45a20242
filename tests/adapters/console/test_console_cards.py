"""A button pressed in the console tells the core which card it was on: a posted card
by its message number (so a feature can update it in place), and where it stands."""

import io
from collections.abc import AsyncIterator

import pytest_asyncio

from adapters.console import ConsoleAdapter
from adapters.console.view import View
from bot.app import Homeroom
from bot.events import ComponentSubmitted, Event
from bot.intents import Button, Message, Post, Update
from bot.refs import ConversationRef


@pytest_asyncio.fixture
async def console(homeroom: Homeroom) -> AsyncIterator[ConsoleAdapter]:
    adapter = ConsoleAdapter(homeroom, View(io.StringIO(), rich=False))
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    yield adapter


async def test_a_button_press_carries_the_card_it_was_pressed_on(
    console: ConsoleAdapter, homeroom: Homeroom
) -> None:
    seen: list[Event] = []
    original = homeroom.handle

    async def spy(event: Event):  # type: ignore[no-untyped-def]
        seen.append(event)
        return await original(event)

    homeroom.handle = spy  # type: ignore[method-assign]
    where = ConversationRef("console", "demo", "parents", "7")
    card = Message(text="Vote", buttons=(Button("yes", "help.topic", "role"),))
    await console.handle_line("hello")  # message 1, so the card's number is not the first
    posted = await console.deliver(Post(to=where, message=card))
    await console.handle_line(":press 1")
    updated = await console.deliver(
        Update(to=ConversationRef("console", "demo", "parents", "7", posted), message=card)
    )
    await console.handle_line(":press 2")
    presses = [e for e in seen if isinstance(e, ComponentSubmitted)]
    assert posted == "2" and updated == posted
    assert [
        (e.conversation.channel, e.conversation.thread, e.conversation.message) for e in presses
    ] == [
        ("parents", "7", "2"),  # the card as posted
        ("parents", "7", "2"),  # the same card, after an update redrew its buttons
    ]
