"""A member's home page (Slack's App Home): who they are here and what they can do.

Slack asks for it each time the member opens the Home tab, so it is always current.
The page is composed of the sections features declare (`Feature.home`), in the order
the features are listed; a feature with nothing for this member returns None.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from bot.context import Context
from bot.directory import GRANTABLE_ROLES
from bot.features.help import overview
from bot.features.roles import role_name
from bot.intents import Message, PublishHome

Section = Callable[[Context], Awaitable[str | None]]


async def home_page(ctx: Context, sections: Sequence[tuple[Section, Context]] = ()) -> PublishHome:
    """The home page of the member in `ctx`, in their language: a welcome, the guide,
    then each feature's section, given with the context its feature's handlers get."""
    held = [role_name(ctx.t, role) for role in GRANTABLE_ROLES if role in ctx.roles]
    intro = ctx.t._("Welcome to Homeroom.")
    if held:
        intro += " " + ctx.t._("Your roles here: {roles}.", roles=", ".join(held))
    guide = overview(ctx)
    parts = [intro, guide.text]
    for section, own_ctx in sections:
        text = await section(own_ctx)
        if text:
            parts.append(text)
    return PublishHome(
        member=ctx.member,
        message=Message(title=ctx.t._("Homeroom"), text="\n\n".join(parts), footer=guide.footer),
    )
