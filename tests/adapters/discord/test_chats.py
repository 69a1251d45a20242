"""Discord: a live chat with real discord.py objects against the fake gateway and REST
API. An organizer's `/chat start` posts the opening and Q1 and opens Q1's thread; a
member's `A1: ...` gets the ✅ reaction; the message context-menu command "File as answer
to Q..." runs `chat file` on that message, with who wrote it, and opens the form."""

import asyncio

from adapters.discord.commands import MESSAGE_COMMAND
from adapters.discord.fake import PARENTS, slash_command, user
from bot.events import CommandInvoked, Event
from tests.adapters.discord.conftest import DANA, LEE, DiscordRig
from tests.adapters.discord.test_inbound import message

CALLBACK = "POST /interactions/"
POSTED = f"POST /channels/{PARENTS}/messages"


async def test_a_chat_posts_opens_a_thread_files_with_a_reaction_and_refiles(
    discord_bot: DiscordRig,
) -> None:
    fake = discord_bot.fake
    start = slash_command(
        "chat",
        [
            {
                "name": "start",
                "type": 1,
                "options": [
                    {"name": "questions", "type": 3, "value": "What helps mornings?; Why?"}
                ],
            }
        ],
        user_id=DANA,
        admin=True,
    )
    await fake.dispatch("INTERACTION_CREATE", start)
    [reply] = await fake.wait_for(1, CALLBACK)
    assert reply.body["data"]["content"] == f"Chat #1 has started in <#{PARENTS}> with 2 questions."
    calls = await fake.wait_for(2, POSTED)
    opening, question = (c for c in calls if c.path == f"/channels/{PARENTS}/messages")
    assert "Live chat" in str(opening.body)
    assert "Q1: What helps mornings?" in str(question.body)
    [thread] = await fake.wait_for(1, f"POST /channels/{PARENTS}/messages/")
    assert thread.path.endswith("/threads") and thread.body["name"] == "Q1"

    await fake.dispatch("MESSAGE_CREATE", message("1401", PARENTS, user(LEE, "lee"), "A1: toast"))
    [mark] = await fake.wait_for(1, f"PUT /channels/{PARENTS}/messages/1401/reactions/")
    assert "%E2%9C%85" in mark.path or "✅" in mark.path

    seen: list[Event] = []
    original = discord_bot.app.core.dispatch

    async def spy(event: Event, **how: bool):  # type: ignore[no-untyped-def]
        seen.append(event)
        return await original(event, **how)

    discord_bot.app.core.dispatch = spy  # type: ignore[method-assign]
    data = {
        "id": "1700000000000000002",
        "name": "File as answer to Q...",
        "type": MESSAGE_COMMAND,
        "target_id": "1401",
        "resolved": {"messages": {"1401": message("1401", PARENTS, user(LEE, "lee"), "A1: toast")}},
    }
    menu = slash_command("x", user_id=DANA, admin=True)
    menu["data"] = data
    await fake.dispatch("INTERACTION_CREATE", menu)
    replies = await fake.wait_for(2, CALLBACK)
    await asyncio.sleep(0)
    [event] = seen
    assert isinstance(event, CommandInvoked)
    assert (event.name, event.target_author, event.target_text) == ("chat file", LEE, "A1: toast")
    assert replies[1].body["type"] == 9  # the form: which question it answers
    assert "Which question does it answer?" in str(replies[1].body)
