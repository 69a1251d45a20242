"""Weekly discussion prompts (ParentNet style): series of prompts as data, schedules
that post them, members' own prompt ideas, and the discussions that follow a prompt.

Everything the feature adds is declared here, in `build`."""

from __future__ import annotations

from bot.context import Context
from bot.directory import Role
from bot.features import Feature
from bot.kernel import Kernel
from bot.storage import tables


async def home_section(ctx: Context) -> str | None:
    """For organizers: ideas waiting for review, and the scheduled series."""
    from bot.features.prompts.commands import describe_schedules
    from bot.features.prompts.state import prompts_of

    if not ctx.may(Role.ORGANIZER):
        return None
    prompts = prompts_of(ctx)
    await prompts.idea_notices.organizer_seen(ctx)
    parts = []
    waiting = await prompts.own_prompts.pending_count(ctx.community.id)
    if waiting:
        parts.append(
            ctx.t.ngettext(
                "A prompt idea is waiting for you. “prompt suggestions” shows it.",
                "{n} prompt ideas are waiting for you. “prompt suggestions” shows them.",
                waiting,
            )
        )
    schedules = await prompts.scheduler.in_community(ctx.conversation)
    if schedules:
        lines = "\n".join(await describe_schedules(ctx, schedules))
        parts.append(ctx.t._("Scheduled series") + "\n" + lines)
    return "\n\n".join(parts) or None


def build(kernel: Kernel) -> Feature:
    """The prompts feature, with its own services built from the kernel."""
    from bot.features.prompts import commands, series, suggestions
    from bot.features.prompts.discussions import PromptPosted
    from bot.features.prompts.privacy import PRIVACY
    from bot.features.prompts.state import Prompts

    state = Prompts.build(kernel)
    parts = (series.FEATURE, commands.FEATURE, suggestions.FEATURE)
    return Feature(
        name="prompts",
        commands=tuple(spec for part in parts for spec in part.commands),
        actions={k: v for part in parts for k, v in part.actions.items()},
        timers={k: v for part in parts for k, v in part.timers.items()},
        listeners=(state.discussions.hear,),
        receipts={PromptPosted: state.discussions.receipt},
        home=home_section,
        tables=(
            tables.schedules,
            tables.postings,
            tables.discussions,
            tables.discussion_replies,
            tables.discussion_reactions,
            tables.community_prompts,
            tables.idea_notices,
        ),
        privacy=PRIVACY,
        state=state,
    )
