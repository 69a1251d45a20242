"""A command offered on a message (`CommandSpec.message_action`) is a Discord message
context-menu command: registered in the tree, and run with the message it was used on.
A root that is also a command (`ask`, beside `ask list`) is its own subcommand."""

import asyncio

from adapters.discord.commands import (
    MESSAGE_COMMAND,
    SUB_COMMAND,
    application_commands,
    invoked_path,
)
from adapters.discord.fake import PARENTS, TIMESTAMP, interaction, user
from bot.events import CommandInvoked, Event
from bot.testing import declared_features
from tests.adapters.discord.conftest import LEE, DiscordRig

SPECS = [s for f in declared_features() for s in f.commands]
CALLBACK = "POST /interactions/"
TARGET = "1600000000000000009"


def test_the_tree_offers_ask_a_liaison_on_messages_and_ask_as_its_own_subcommand() -> None:
    tree = application_commands(SPECS)
    menus = [c for c in tree if c["type"] == MESSAGE_COMMAND]
    assert menus == [
        {
            "type": 3,
            "name": "Ask a liaison about this",
            "contexts": [0],
            "name_localizations": {
                "es-ES": "Preguntar a un enlace sobre esto",
                "es-419": "Preguntar a un enlace sobre esto",
            },
        },
        {
            "type": 3,
            "name": "File as answer to Q...",
            "contexts": [0],
            "name_localizations": {
                "es-ES": "Archivar como respuesta a P...",
                "es-419": "Archivar como respuesta a P...",
            },
        },
    ]
    [ask] = [c for c in tree if c["name"] == "ask"]
    assert [o["name"] for o in ask["options"]] == ["ask", "list"]
    data = {"name": "ask", "options": [{"type": SUB_COMMAND, "name": "ask", "options": []}]}
    assert invoked_path(data) == ("ask", {})


async def test_the_context_menu_runs_ask_on_that_message(discord_bot: DiscordRig) -> None:
    seen: list[Event] = []
    original = discord_bot.app.core.dispatch

    async def spy(event: Event, **how: bool):  # type: ignore[no-untyped-def]
        seen.append(event)
        return await original(event, **how)

    discord_bot.app.core.dispatch = spy  # type: ignore[method-assign]
    message = {
        "id": TARGET,
        "channel_id": PARENTS,
        "author": user("1200000000000000077", "someone"),
        "content": "Picture day moved to Friday?",
        "timestamp": TIMESTAMP,
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
    }
    data = {
        "id": "1700000000000000001",
        "name": "Ask a liaison about this",
        "type": MESSAGE_COMMAND,
        "target_id": TARGET,
        "resolved": {"messages": {TARGET: message}},
    }
    await discord_bot.fake.dispatch("INTERACTION_CREATE", interaction(2, data, user_id=LEE))
    [call] = await discord_bot.fake.wait_for(1, CALLBACK)
    await asyncio.sleep(0)
    [event] = seen
    assert isinstance(event, CommandInvoked)
    assert (event.name, event.target.message if event.target else None) == ("ask", TARGET)
    assert event.target_text == "Picture day moved to Friday?"
    assert call.body["type"] == 9  # a modal: the question's form, the message quoted
    assert "Picture day moved to Friday?" in str(call.body)
