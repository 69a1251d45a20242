"""Digests: prompt threads and live chats made into short recaps grouped by question.

A draft is made by `digest build` (or by a chat as it ends, through `api.draft_from`),
seen only by organizers, who may leave items out, then published in the group's
channel; `digest latest` reads it again and `digest export` keeps a group's digests as
one HTML page or Markdown. Everything the feature adds is declared here, in `build`."""

from __future__ import annotations

from bot.features import Feature
from bot.kernel import Kernel


def build(kernel: Kernel) -> Feature:
    """The digests feature, with its state built from the kernel."""
    from bot.features.digests.commands import COMMANDS, PUBLISH, press_publish
    from bot.features.digests.privacy import PRIVACY
    from bot.features.digests.service import Digests
    from bot.features.digests.tables import digest_items, digest_topics, digests

    return Feature(
        name="digests",
        commands=COMMANDS,
        # Anyone may press it; like the command, it publishes only for an organizer or
        # the member the draft was made for, and says so to anyone else.
        actions={PUBLISH: press_publish},
        tables=(digests, digest_topics, digest_items),
        privacy=PRIVACY,
        state=Digests(kernel),
    )
