"""The group's FAQ: answered questions published with the asker's consent, and entries
organizers write, searchable by every member with the database's own full-text engine.

Everything the feature adds is declared here, in `build`; other features use
`bot.features.faq.api` (matching entries before a question is routed, proposing an
entry when a liaison closes one)."""

from __future__ import annotations

from bot.features import Feature
from bot.kernel import Kernel


def build(kernel: Kernel) -> Feature:
    """The FAQ feature, with its store built from the kernel."""
    from bot.features.faq import consent
    from bot.features.faq.api import AGREE, DECLINE
    from bot.features.faq.commands import COMMANDS
    from bot.features.faq.privacy import PRIVACY
    from bot.features.faq.state import Faq
    from bot.features.faq.store import FaqPosted
    from bot.features.faq.tables import faq_channels, faq_entries, faq_proposals

    state = Faq.build(kernel)
    return Feature(
        name="faq",
        commands=COMMANDS,
        # Any member may press: the handler checks that the presser is the asker.
        actions={AGREE: consent.agree, DECLINE: consent.decline},
        receipts={FaqPosted: state.store.posted},
        tables=(faq_entries, faq_proposals, faq_channels),
        privacy=PRIVACY,
        state=state,
    )
