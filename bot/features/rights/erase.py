"""`me delete`: what will go and what will stay without the member's name, a button to
confirm that only they can use, then every feature's delete hook in one transaction.

The button's value is the time it was offered and the member's one-way token for it
(bot.anonymity): only the member who asked makes the same token, so anyone else's
press is refused, and an old button expires. Nothing is stored until they confirm.
Their cached profile is dropped at once, and the delivery bookkeeping that named them
(sent rows in the outbox) goes with their data instead of two days later.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.commands import Args, CommandError
from bot.context import Context
from bot.features.rights.export import gather, summary
from bot.i18n import N_
from bot.intents import Button, Intent, Message
from bot.refs import MemberRef
from bot.storage.tables import outbox

CONFIRM = "rights.delete"
KEEP = "rights.keep"
VALID_FOR = timedelta(minutes=15)
PURPOSE = "me-delete"

NOT_YOURS = N_(
    "This button belongs to the member who asked to delete their data, so it does "
    "nothing for you. To delete your own data, use “me delete”."
)


def _value(ctx: Context, issued: int) -> str:
    return f"{issued}:{ctx.kernel.anonymity.token(PURPOSE, str(issued), ctx.member)}"


async def ask(ctx: Context, args: Args) -> list[Intent]:
    """Show what would be deleted and what kept without a name; ask to confirm."""
    t = ctx.t
    held = summary(t, await gather(ctx))
    if not held:
        return [ctx.reply(t._("I hold nothing about you, so there is nothing to delete."))]
    issued = int(ctx.kernel.clock.now().timestamp())
    text = "\n".join(
        [
            t._("What I hold about you:"),
            *(f"• {line}" for line in held),
            "",
            t._(
                "Deleted at once: your settings and roles, your replies and reactions, your "
                "named votes, your questions (anonymous ones too), ideas the group didn't "
                "take, and your office hours."
            ),
            t._(
                "Kept for the group, without your name: prompts the group took from your "
                "ideas, polls and FAQ entries you made, and digests that quote you."
            ),
            t._("Anonymous votes and suggestions can't be linked to you, so they stay."),
            "",
            t._("This can't be undone."),
        ]
    )
    value = _value(ctx, issued)
    message = Message(
        title=t._("Delete your Homeroom data?"),
        text=text,
        buttons=(
            Button(t._("Delete my data"), CONFIRM, value, style="danger"),
            Button(t._("Keep it"), KEEP, value),
        ),
        keep_copy=False,
    )
    return [ctx.reply(message)]


def _check(ctx: Context, value: str) -> None:
    """Refuse another member's button, a made-up value, and an old button."""
    issued_text, _, token = value.partition(":")
    if (
        not (issued_text.isascii() and issued_text.isdecimal())
        or token != _value(ctx, int(issued_text)).partition(":")[2]
    ):
        raise CommandError(NOT_YOURS)
    age = ctx.kernel.clock.now().timestamp() - int(issued_text)
    if age > VALID_FOR.total_seconds():
        raise CommandError(
            N_("That button has expired. Use “me delete” again if you still want to.")
        )


async def confirmed(ctx: Context, value: str) -> list[Intent]:
    _check(ctx, value)
    async with ctx.kernel.engine.begin() as conn:
        changed = await ctx.kernel.member_data.delete(conn, ctx.member)
        changed += await forget_deliveries(conn, ctx.member)
    ctx.kernel.directory.forget(ctx.member)
    return [
        ctx.reply(
            Message(
                text=ctx.t._(
                    "Done: your data is deleted ({count} records deleted or made "
                    "anonymous). If you use Homeroom again, it starts afresh.",
                    count=changed,
                ),
                keep_copy=False,
            )
        )
    ]


async def kept(ctx: Context, value: str) -> list[Intent]:
    _check(ctx, value)
    return [ctx.reply(ctx.t._("Nothing was deleted. Your data stays as it was."))]


async def forget_deliveries(conn: AsyncConnection, member: MemberRef) -> int:
    """Settled outbox rows naming the member (what was sent to them, or mentioned them):
    kept two days for delivery bookkeeping, gone now. Pending rows still go out."""
    named = outbox.c.payload.contains(
        f'"id":"{member.id}"', autoescape=True
    ) | outbox.c.payload.contains(f"<@{member.id}>", autoescape=True)
    result = await conn.execute(
        delete(outbox).where(
            (outbox.c.platform == member.platform)
            & (outbox.c.status != "pending")
            & named
            & outbox.c.payload.contains(f'"community":"{member.community}"', autoescape=True)
        )
    )
    return int(result.rowcount or 0)
