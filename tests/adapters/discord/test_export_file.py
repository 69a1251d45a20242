"""A file sent with a DM (a member's export) reaches them on every adapter: uploaded into
the DM on Slack, attached to the DM on Discord, saved where the console shows its path."""

from __future__ import annotations

import base64
import json

from bot.intents import Attachment, DirectMessage, Message
from bot.refs import MemberRef
from tests.adapters.discord.conftest import MARIA, DiscordRig

DATA = json.dumps({"data": {"members": {"members": [{"language": "es"}]}}}).encode()
FILE = Attachment(base64.b64encode(DATA).decode(), "homeroom-20260907.json", "Your data")


def export_dm(member: MemberRef) -> DirectMessage:
    return DirectMessage(
        member=member, message=Message(text="Your data: 1 record", attachment=FILE), asked=True
    )


async def test_discord_attaches_the_file_to_the_dm(discord_bot: DiscordRig) -> None:
    await discord_bot.adapter.deliver(export_dm(MemberRef("discord", "1", MARIA)))
    [posted] = await discord_bot.fake.wait_for(1, "POST /channels/")
    assert posted.body["content"] == "Your data: 1 record"
    [file] = posted.body["files"]
    assert (file["filename"], file["size"]) == ("homeroom-20260907.json", len(DATA))
