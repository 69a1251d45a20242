"""`retention set`: how many days a community keeps closed questions and raw
discussion messages (organizers only)."""

from __future__ import annotations

from sqlalchemy import delete, insert

from bot.commands import Args, CommandError
from bot.context import Context
from bot.features.rights.retention import FEATURE, KIND, MAX_DAYS, MIN_DAYS, policies
from bot.features.rights.tables import retention_policies
from bot.i18n import N_, Translator
from bot.intents import Intent

KINDS = ("questions", "messages")


def _days(value: str, what: str, t: Translator) -> int:
    text = value.strip()
    if (
        not (text.isascii() and text.lstrip("-").isdecimal())
        or not MIN_DAYS <= int(text) <= MAX_DAYS
    ):
        raise CommandError(
            N_(
                "Keep {what} for {least} to {most} days, like “{what}=365”; “{value}” "
                "isn't a number of days I can use. Nothing was changed."
            ),
            {
                "what": t.option_name(what),  # as the member types it
                "least": str(MIN_DAYS),
                "most": str(MAX_DAYS),
                "value": text[:12],
            },
            option=what,
        )
    return int(text)


async def retention_set(ctx: Context, args: Args) -> list[Intent]:
    """Set either or both; with neither, say what is set."""
    chosen = {what: _days(v, what, ctx.t) for what in KINDS if (v := args.text(what)) is not None}
    community = ctx.community.id
    async with ctx.kernel.engine.begin() as conn:
        if chosen:
            now = ctx.kernel.clock.now()
            await conn.execute(
                delete(retention_policies).where(
                    (retention_policies.c.community_id == community)
                    & retention_policies.c.what.in_(chosen)
                )
            )
            await conn.execute(
                insert(retention_policies),
                [
                    {"community_id": community, "what": w, "days": d, "set_at": now}
                    for w, d in chosen.items()
                ],
            )
            await ctx.kernel.timers.set(conn, FEATURE, KIND, str(community), now)
        kept = await policies(conn, community)
    if chosen:
        ctx.kernel.timers.wake()
    t = ctx.t
    lines = [
        t._("Closed questions are kept for {days} days.", days=kept["questions"])
        if "questions" in kept
        else t._("Closed questions are kept until someone deletes them."),
        t._("Discussion messages are kept for {days} days.", days=kept["messages"])
        if "messages" in kept
        else t._("Discussion messages are kept until someone deletes them."),
        t._("Digests and FAQ entries are always kept."),
    ]
    return [ctx.reply("\n".join(lines))]
