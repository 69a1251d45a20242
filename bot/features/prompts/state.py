"""What the prompts feature builds for itself from the kernel, handed to its handlers
as `ctx.own` (see `bot.features.Feature.state`)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.context import Context
from bot.features.prompts.discussions import Discussions
from bot.features.prompts.library import Library
from bot.features.prompts.notices import IdeaNotices
from bot.features.prompts.own import OwnPrompts
from bot.features.prompts.scheduler import PromptScheduler
from bot.kernel import Kernel


@dataclass(frozen=True, slots=True)
class Prompts:
    library: Library
    scheduler: PromptScheduler
    discussions: Discussions
    own_prompts: OwnPrompts
    idea_notices: IdeaNotices

    @classmethod
    def build(cls, kernel: Kernel) -> Prompts:
        library = Library.load()
        own_prompts = OwnPrompts(kernel.engine, kernel.clock)
        idea_notices = IdeaNotices(
            kernel.engine, kernel.clock, kernel.directory, own_prompts, kernel.timers
        )
        scheduler = PromptScheduler(
            kernel.engine,
            kernel.clock,
            library,
            kernel.directory,
            kernel.outbox,
            own_prompts,
            kernel.timers,
        )
        discussions = Discussions(kernel.engine, kernel.clock, kernel.outbox.capabilities)
        return cls(library, scheduler, discussions, own_prompts, idea_notices)


def prompts_of(ctx: Context) -> Prompts:
    """The prompts feature's services, in one of its handlers."""
    assert isinstance(ctx.own, Prompts), "a prompts handler runs with the prompts state"
    return ctx.own
