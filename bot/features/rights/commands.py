"""`retention set`: how many days a community keeps closed questions and raw
discussion messages (organizers only)."""

from __future__ import annotations

from sqlalchemy import delete, insert

from bot.commands import Args
from bot.context import Context
from bot.features.rights.retention import FEATURE, KIND, policies
from bot.features.rights.tables import retention_policies
from bot.intents import Intent

KINDS = ("questions", "messages")


async def retention_set(ctx: Context, args: Args) -> list[Intent]:
    """Set either or both; with neither, say what is set."""
    # Read and bounded by the `days` option kind (bot.commands.parse_days): "90", "90d",
    # "12w", "6 months", "1y", "90 días"; every bad value is said at once.
    chosen = {what: days for what in KINDS if (days := args.days(what)) is not None}
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
