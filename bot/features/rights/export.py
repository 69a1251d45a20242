"""`me export`: everything the bot holds about the member, from every feature's export
hook, as a JSON file sent by DM with a short readable summary.

Anonymous items (questions, ballots, suggestions made anonymously) are stored without
the member's ID, so no hook can find them: the export cannot include them and says so.
The JSON is built off the event loop, and a note tells the member when it takes more
than a few seconds.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from bot.commands import Args
from bot.context import Context
from bot.i18n import N_, Translator
from bot.intents import Attachment, DirectMessage, Intent, Message
from bot.refs import MemberRef
from bot.storage.members import Exported

PROGRESS_AFTER = 3.0  # seconds before the member is told the export is under way

# What each feature's data is, in words a member reads (a feature not named here is
# shown by its name).
LABELS: Mapping[str, str] = {
    "members": N_("Your settings and roles"),
    "conversation": N_("Forms and choices you were in the middle of"),
    "prompts": N_("Prompt ideas, replies and reactions in discussions"),
    "polls": N_("Polls you made and your named votes"),
    "questions": N_(
        "Questions: those you asked by name, and your answers, notes and routing rules"
    ),
    "faq": N_("FAQ entries and proposals"),
    "office_hours": N_("Office hours and time away"),
    "digests": N_("Digests and your credit settings"),
    "chats": N_("Live chats you started and your answers"),
}


def label(t: Translator, feature: str) -> str:
    return t._(LABELS[feature]) if feature in LABELS else feature


def counts(data: Mapping[str, Exported]) -> dict[str, int]:
    """Records by feature, features holding none left out."""
    found = {name: sum(len(rows) for rows in tables.values()) for name, tables in data.items()}
    return {name: n for name, n in found.items() if n}


def summary(t: Translator, data: Mapping[str, Exported]) -> list[str]:
    """One line per feature that holds something: what it is and how many records."""
    return [
        t._("{what}: {count}", what=label(t, name), count=n) for name, n in counts(data).items()
    ]


def _plain(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


NOT_INCLUDED = N_(
    "Not included: anonymous questions, votes and suggestions. They are stored "
    "without your ID, so nothing links them to you."
)


def as_json(member: MemberRef, at: datetime, data: Mapping[str, Exported], t: Translator) -> bytes:
    """The file: its keys are the data's own names (a format for programs, the same in
    every language); what is written for the member to read is in their language."""
    document: dict[str, Any] = {
        "member": {"platform": member.platform, "community": member.community, "id": member.id},
        "exported_at": at.isoformat(),
        "language": t.language,
        "not_included": t._(NOT_INCLUDED),
        "data": data,
    }
    return json.dumps(document, default=_plain, ensure_ascii=False, indent=1).encode()


async def gather(ctx: Context) -> dict[str, Exported]:
    async with ctx.kernel.engine.connect() as conn:
        return await ctx.kernel.member_data.export(conn, ctx.member)


async def export(ctx: Context, args: Args) -> list[Intent]:
    """Gather, then DM the file; a progress note after PROGRESS_AFTER seconds."""
    note = asyncio.get_running_loop().create_task(_progress(ctx))
    try:
        data = await gather(ctx)
        now = ctx.kernel.clock.now()
        blob = await asyncio.to_thread(as_json, ctx.member, now, data, ctx.t)
        encoded = await asyncio.to_thread(base64.b64encode, blob)
    finally:
        note.cancel()
    t = ctx.t
    lines = summary(t, data) or [t._("I hold nothing about you.")]
    lines.append(t._(NOT_INCLUDED))
    name = f"homeroom-{now:%Y%m%d-%H%M%S}.json"
    message = Message(
        title=t._("Your Homeroom data"),
        text="\n".join(lines),
        attachment=Attachment(encoded.decode(), name, t._("Your Homeroom data")),
        keep_copy=False,  # the file is the member's data: no copy outlives its delivery
    )
    return [
        DirectMessage(member=ctx.member, message=message, asked=True),
        ctx.reply(Message(t._("I've sent your data to you in a direct message."), keep_copy=False)),
    ]


async def _progress(ctx: Context) -> None:
    await ctx.kernel.clock.sleep(PROGRESS_AFTER)
    ctx.kernel.outbox.submit(
        [ctx.reply(ctx.t._("Still gathering your data; it will arrive in a direct message."))]
    )
