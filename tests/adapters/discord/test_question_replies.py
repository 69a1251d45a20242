"""Discord: a parent answers the bot's DM about their question, and the reply reaches
the liaison's thread on the question's card, though a Discord DM carries no server
(named and anonymous askers alike)."""

import json

import pytest

from adapters.discord.fake import LIAISONS, TIMESTAMP, slash_command, user
from tests.adapters.discord.conftest import DANA, LEE, SAM, DiscordRig

CALLBACK = "POST /interactions/"
LEES_DM = "15" + LEE[2:]  # the DM channel the fake opens with Lee


def option(name: str, value: object, kind: int = 3) -> dict[str, object]:
    return {"name": name, "type": kind, "value": value}


def sub(name: str, *options: dict[str, object]) -> dict[str, object]:
    return {"name": name, "type": 1, "options": list(options)}


def direct_message(message_id: str, text: str) -> dict[str, object]:
    """MESSAGE_CREATE as Discord sends it for a DM: no guild_id, no member."""
    return {
        "id": message_id,
        "channel_id": LEES_DM,
        "author": user(LEE, "lee"),
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
    }


async def command(rig: DiscordRig, name: str, *options: dict[str, object], **who: object) -> None:
    before = len([c for c in rig.fake.calls if f"{c.method} {c.path}".startswith(CALLBACK)])
    await rig.fake.dispatch("INTERACTION_CREATE", slash_command(name, list(options), **who))
    await rig.fake.wait_for(before + 1, CALLBACK)


@pytest.mark.parametrize("anonymous", [False, True], ids=["named", "anonymous"])
async def test_a_reply_to_the_bots_dm_reaches_the_cards_thread(
    discord_bot: DiscordRig, anonymous: bool
) -> None:
    fake = discord_bot.fake
    organizer = {"user_id": DANA, "admin": True}
    await command(discord_bot, "setup", option("queue", LIAISONS, 7), **organizer)
    await command(
        discord_bot,
        "role",
        sub("grant", option("member", SAM, 6), option("role", "liaison")),
        **organizer,
    )
    await command(discord_bot, "route", sub("fallback", option("liaison", SAM, 6)), **organizer)
    asking = [option("text", "Is there a bus on snow days?")]
    if anonymous:
        asking.append(option("anonymous", True, 5))
    await command(discord_bot, "ask", sub("ask", *asking), user_id=LEE)
    await fake.wait_for(2, f"POST /channels/{LIAISONS}/messages")  # the welcome, the card
    [card_id] = [m["id"] for m in fake.messages if m["channel_id"] == LIAISONS and m["embeds"]]
    await fake.wait_for(1, f"POST /channels/{LIAISONS}/messages/{card_id}/threads")
    await command(
        discord_bot,
        "queue",
        sub("answer", option("id", "1"), option("text", "Yes, at 8:10.")),
        user_id=SAM,
    )
    [relay] = await fake.wait_for(1, f"POST /channels/{LEES_DM}/messages")
    assert "Yes, at 8:10." in json.dumps(relay.body)
    await fake.dispatch("MESSAGE_CREATE", direct_message("1490000000000000001", "And late starts?"))
    # The thread of a card is a channel with the card's ID.
    posted = await fake.wait_for(2, f"POST /channels/{card_id}/messages")
    assert [c.body["content"] for c in posted] == [
        f"<@{SAM}> answered; the parent has it.",
        "The parent replied on #1: And late starts?",
    ]
    thanks = await fake.wait_for(2, f"POST /channels/{LEES_DM}/messages")
    assert thanks[1].body["content"] == "Thank you. I passed your reply on for question #1."
    if anonymous:
        assert LEE not in json.dumps([c.body for c in posted])
