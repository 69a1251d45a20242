"""A file sent with a DM (a member's export) reaches them on every adapter: uploaded into
the DM on Slack, attached to the DM on Discord, saved where the console shows its path."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

from adapters.console.adapter import ConsoleAdapter
from adapters.console.view import View
from bot.app import Homeroom
from bot.intents import Attachment, DirectMessage, Message
from bot.refs import MemberRef

DATA = json.dumps({"data": {"members": {"members": [{"language": "es"}]}}}).encode()
FILE = Attachment(base64.b64encode(DATA).decode(), "homeroom-20260907.json", "Your data")


def export_dm(member: MemberRef) -> DirectMessage:
    return DirectMessage(
        member=member, message=Message(text="Your data: 1 record", attachment=FILE), asked=True
    )


async def test_the_console_saves_the_file_and_shows_its_path(
    homeroom: Homeroom, tmp_path: Path
) -> None:
    out = io.StringIO()
    adapter = ConsoleAdapter(homeroom, View(out, rich=False), files=tmp_path / "files")
    adapter.me = "maria"  # her own DM, shown as it comes
    await adapter.deliver(export_dm(MemberRef("console", "school", "maria")))
    saved = tmp_path / "files" / "maria-homeroom-20260907.json"
    assert saved.read_bytes() == DATA
    assert oct(saved.stat().st_mode & 0o777) == "0o600"
    assert str(saved) in out.getvalue()
    assert adapter.world.inbox["maria"] == [f"Your data: 1 record\n{saved}"]
