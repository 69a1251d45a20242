"""Gateway payloads become core events with threads as a first-class field."""

import asyncio

from adapters.discord.fake import BOT_ID, GUILD_ID, PARENTS, TIMESTAMP, user
from bot.events import Event, MessagePosted, ReactionAdded, ReplyPosted
from tests.adapters.discord.conftest import LEE, DiscordRig

THREAD = "1310000000000000001"


def message(
    message_id: str, channel_id: str, author: dict[str, object], text: str
) -> dict[str, object]:
    return {
        "id": message_id,
        "channel_id": channel_id,
        "guild_id": GUILD_ID,
        "author": author,
        "content": text,
        "type": 0,
        "timestamp": TIMESTAMP,
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "flags": 0,
        "member": {"roles": [], "joined_at": TIMESTAMP, "deaf": False, "mute": False, "flags": 0},
    }


async def test_messages_replies_in_threads_and_reactions(discord_bot: DiscordRig) -> None:
    seen: list[Event] = []
    three = asyncio.Event()
    original = discord_bot.app.core.dispatch

    async def spy(event: Event, **how: bool):  # type: ignore[no-untyped-def]
        seen.append(event)
        if len(seen) >= 3:
            three.set()
        return await original(event, **how)

    discord_bot.app.core.dispatch = spy  # type: ignore[method-assign]
    fake = discord_bot.fake
    thread = {
        "id": THREAD,
        "type": 11,
        "guild_id": GUILD_ID,
        "parent_id": PARENTS,
        "name": "Week 1",
        "owner_id": BOT_ID,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": TIMESTAMP,
            "locked": False,
        },
        "message_count": 0,
        "member_count": 1,
    }
    await fake.dispatch("THREAD_CREATE", thread)
    await fake.dispatch("MESSAGE_CREATE", message("1401", PARENTS, user(LEE, "lee"), "Hello all"))
    await fake.dispatch(
        "MESSAGE_CREATE", message("1402", THREAD, user(LEE, "lee"), "We read at bedtime")
    )
    await fake.dispatch(
        "MESSAGE_CREATE", message("1403", PARENTS, user(BOT_ID, "homeroom", bot=True), "mine")
    )
    await fake.dispatch(
        "MESSAGE_REACTION_ADD",
        {
            "user_id": LEE,
            "channel_id": THREAD,
            "message_id": "1402",
            "guild_id": GUILD_ID,
            "emoji": {"id": None, "name": "👍"},
            "type": 0,
            "burst": False,
        },
    )
    await asyncio.wait_for(three.wait(), 10)
    posted, replied, reacted = seen
    assert isinstance(posted, MessagePosted) and not isinstance(posted, ReplyPosted)
    assert (posted.conversation.channel, posted.conversation.thread, posted.text) == (
        PARENTS,
        None,
        "Hello all",
    )
    assert isinstance(replied, ReplyPosted)
    assert (replied.conversation.channel, replied.conversation.thread) == (PARENTS, THREAD)
    assert isinstance(reacted, ReactionAdded)
    assert (reacted.conversation.thread, reacted.conversation.message, reacted.emoji) == (
        THREAD,
        "1402",
        "👍",
    )
