"""What the FAQ feature builds for itself, handed to its handlers as `ctx.own`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.context import Context
from bot.features.faq.store import FaqStore
from bot.kernel import Kernel


@dataclass(frozen=True, slots=True)
class Faq:
    store: FaqStore

    @classmethod
    def build(cls, kernel: Kernel) -> Faq:
        return cls(FaqStore(kernel.engine, kernel.clock))


def faq_of(ctx: Context) -> Faq:
    """The FAQ feature's services, in one of its handlers."""
    assert isinstance(ctx.own, Faq), "an FAQ handler runs with the FAQ state"
    return ctx.own
