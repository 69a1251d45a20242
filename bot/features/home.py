"""A member's home page (Slack's App Home): who they are here and what they can do.

Slack asks for it each time the member opens the Home tab, so it is always current;
later features add their own sections (open questions, the liaison queue, schedules).
"""

from __future__ import annotations

from bot.context import Context
from bot.directory import GRANTABLE_ROLES, Role
from bot.features.help import overview
from bot.features.prompts.commands import describe_schedules
from bot.features.roles import role_name
from bot.intents import Message, PublishHome


async def home_page(ctx: Context) -> PublishHome:
    """The home page of the member in `ctx`, in their language."""
    held = [role_name(ctx.t, role) for role in GRANTABLE_ROLES if role in ctx.roles]
    intro = ctx.t._("Welcome to Homeroom.")
    if held:
        intro += " " + ctx.t._("Your roles here: {roles}.", roles=", ".join(held))
    guide = overview(ctx)
    sections = [intro, guide.text]
    if ctx.may(Role.ORGANIZER):
        await ctx.services.idea_notices.organizer_seen(ctx)
        waiting = await ctx.services.own_prompts.pending_count(ctx.community.id)
        if waiting:
            sections.append(
                ctx.t.ngettext(
                    "A prompt idea is waiting for you. “prompt suggestions” shows it.",
                    "{n} prompt ideas are waiting for you. “prompt suggestions” shows them.",
                    waiting,
                )
            )
        schedules = await ctx.services.scheduler.in_community(ctx.conversation)
        if schedules:
            lines = "\n".join(await describe_schedules(ctx, schedules))
            sections.append(ctx.t._("Scheduled series") + "\n" + lines)
    return PublishHome(
        member=ctx.member,
        message=Message(title=ctx.t._("Homeroom"), text="\n\n".join(sections), footer=guide.footer),
    )
