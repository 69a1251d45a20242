"""What other features call to make a digest: the one door into this feature, so a
source (a live chat as it ends, a prompt thread) never writes the digests' tables itself.

`draft_from` runs in the caller's transaction: the chat that ends and the draft made of
it commit together, or neither does.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features.digests import store, words
from bot.features.digests.material import Material
from bot.i18n import Translator
from bot.intents import Intent
from bot.kernel import Kernel
from bot.notify import tell_organizers


async def draft_from(kernel: Kernel, conn: AsyncConnection, material: Material) -> list[Intent]:
    """Store a draft digest of `material` (a snapshot of its questions and items) and
    return the direct messages telling the community's organizers it is ready: how to
    see it, leave items out and publish it. Where no organizer role is granted yet, the
    member who asked for it (`material.requested_by`) is told instead."""
    digest_id = await store.insert_draft(
        conn, material, now=kernel.clock.now(), created_by=material.requested_by
    )
    return await draft_ready(kernel, conn, digest_id, material.community_id)


async def draft_ready(
    kernel: Kernel, conn: AsyncConnection, digest_id: int, community_id: int
) -> list[Intent]:
    """The organizers' note that draft `digest_id` waits for them."""
    community = await store.community_ref(conn, community_id)
    digest = await store.get(conn, digest_id, community)
    assert digest is not None, "the draft was just written"
    questions, kept = await store.counts(conn, digest_id)
    settings = await kernel.directory.community(community)

    def note(t: Translator) -> str:
        return ready_note(t, digest, kept, questions)

    fallback = [digest.created_by] if digest.created_by else []
    return await tell_organizers(
        kernel.directory, community, settings.default_language, note, fallback=fallback
    )


def ready_note(t: Translator, digest: store.Digest, kept: int, questions: int) -> str:
    """What a draft holds, who sees it, and what can be done with it."""
    return "\n".join(
        (
            t.ngettext(
                "Draft digest #{id}, “{title}”, is ready: {n} answer under {questions}.",
                "Draft digest #{id}, “{title}”, is ready: {n} answers under {questions}.",
                kept,
                id=digest.id,
                title=words.title_in(t, digest),
                questions=t.ngettext("{n} question", "{n} questions", questions),
            ),
            t._("Only organizers see it until it is published."),
            t._("“digest show {id}” shows it with each item's number.", id=digest.id),
            t._("“digest drop {id} <item>” leaves an item out.", id=digest.id),
            t._(
                "“digest publish {id}” posts it in {channel}.",
                id=digest.id,
                channel=f"<#{digest.where.channel}>",
            ),
        )
    )
