"""Discord: a parent answers the bot's DM about their question, and the reply reaches
the liaison's thread on the question's card, though a Discord DM carries no server
(named and anonymous askers alike)."""

import json

import pytest

from adapters.discord.fake import (
    LIAISONS,
    button_press,
    modal_submit,
    slash_command,
    user,
)
from tests.adapters.discord.conftest import DANA, LEE, SAM, DiscordRig
from tests.adapters.discord.test_inbound import message

CALLBACK = "POST /interactions/"
LEES_DM = "15" + LEE[2:]  # the DM channel the fake opens with Lee


def option(name: str, value: object, kind: int = 3) -> dict[str, object]:
    return {"name": name, "type": kind, "value": value}


def sub(name: str, *options: dict[str, object]) -> dict[str, object]:
    return {"name": name, "type": 1, "options": list(options)}


def direct_message(message_id: str, text: str) -> dict[str, object]:
    """MESSAGE_CREATE as Discord sends it for a DM: no guild_id, no member."""
    sent = message(message_id, LEES_DM, user(LEE, "lee"), text)
    del sent["guild_id"], sent["member"]
    return sent


async def command(rig: DiscordRig, name: str, *options: dict[str, object], **who: object) -> None:
    before = len([c for c in rig.fake.calls if f"{c.method} {c.path}".startswith(CALLBACK)])
    await rig.fake.dispatch("INTERACTION_CREATE", slash_command(name, list(options), **who))
    await rig.fake.wait_for(before + 1, CALLBACK)


async def community(rig: DiscordRig) -> None:
    """A liaison queue, Sam a liaison, and every question his."""
    organizer = {"user_id": DANA, "admin": True}
    await command(rig, "setup", option("queue", LIAISONS, 7), **organizer)
    grant = sub("grant", option("member", SAM, 6), option("role", "liaison"))
    await command(rig, "role", grant, **organizer)
    await command(rig, "route", sub("fallback", option("liaison", SAM, 6)), **organizer)


@pytest.mark.parametrize("anonymous", [False, True], ids=["named", "anonymous"])
async def test_a_reply_to_the_bots_dm_reaches_the_cards_thread(
    discord_bot: DiscordRig, anonymous: bool
) -> None:
    fake = discord_bot.fake
    await community(discord_bot)
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


def pressed_in_dm(custom_id: str, who: str) -> dict[str, object]:
    """A button pressed on the bot's DM, as Discord sends it: no guild, a user, not a
    member, in the DM channel."""
    payload = button_press(custom_id, user_id=who)
    for key in ("guild_id", "member", "guild_locale", "channel_id"):
        payload.pop(key, None)
    payload["user"] = user(who, "lee")
    payload["channel_id"] = LEES_DM
    payload["channel"] = {"id": LEES_DM, "type": 1}
    payload["context"] = 1
    payload["authorizing_integration_owners"] = {"1": who}
    return payload


async def test_consent_to_an_faq_entry_pressed_in_the_bots_dm_publishes_it(
    discord_bot: DiscordRig,
) -> None:
    fake = discord_bot.fake
    await community(discord_bot)
    await command(
        discord_bot, "ask", sub("ask", option("text", "When is enrollment?")), user_id=LEE
    )
    await command(
        discord_bot,
        "queue",
        sub("answer", option("id", "1"), option("text", "On March 1.")),
        user_id=SAM,
    )
    await command(discord_bot, "faq", sub("propose", option("id", "1")), user_id=SAM)
    [opened] = [
        c for c in fake.calls if c.path.startswith("/interactions/") and c.body["type"] == 9
    ]
    modal = opened.body["data"]
    values = {
        "question": "When does enrollment open?",
        "answer": "On March 1.",
        "topic": "general",
        "grade": "",
        "language": "en",
    }
    await fake.dispatch("INTERACTION_CREATE", modal_submit(modal["custom_id"], values, user_id=SAM))
    asked = await fake.wait_for(2, f"POST /channels/{LEES_DM}/messages")  # answer, consent
    [agree] = [
        b["custom_id"]
        for row in asked[1].body["components"]
        for b in row["components"]
        if b.get("label") == "Agree"
    ]
    before = len([c for c in fake.calls if f"{c.method} {c.path}".startswith(CALLBACK)])
    await fake.dispatch("INTERACTION_CREATE", pressed_in_dm(agree, LEE))
    [*_, thanks] = await fake.wait_for(before + 1, CALLBACK)
    assert "Thank you for sharing!" in json.dumps(thanks.body)
