"""A file sent with a DM (a member's export) reaches them on every adapter: uploaded into
the DM on Slack, attached to the DM on Discord, saved where the console shows its path."""

from __future__ import annotations

import base64
import json

from bot.intents import Attachment, DirectMessage, Message
from bot.refs import MemberRef
from tests.adapters.slack.conftest import SlackRig

DATA = json.dumps({"data": {"members": {"members": [{"language": "es"}]}}}).encode()
FILE = Attachment(base64.b64encode(DATA).decode(), "homeroom-20260907.json", "Your data")


def export_dm(member: MemberRef) -> DirectMessage:
    return DirectMessage(
        member=member, message=Message(text="Your data: 1 record", attachment=FILE), asked=True
    )


async def test_slack_uploads_the_file_into_the_dm_under_its_message(slack: SlackRig) -> None:
    ts = await slack.adapter.deliver(export_dm(MemberRef("slack", "T0SCHOOL", "U0MARIA")))
    methods = slack.fake.methods()
    assert methods == [
        "conversations.open",
        "chat.postMessage",
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    [file_id] = slack.fake.uploads
    assert slack.fake.uploads[file_id] == DATA
    shared = slack.fake.calls[-1].params
    assert (shared["channel_id"], shared["thread_ts"]) == ("DU0MARIA", ts)
