"""What other features use of the FAQ (the questions feature, mainly).

- `matching_entries`: published entries matching a question, best first, to offer
  before a question is routed.
- `propose_entry`: a liaison proposes an entry from a question they closed; the asker is
  asked privately for consent, and only an "Agree" publishes it (`consent`).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.commands import CommandError, unsupported_language
from bot.features.faq import rendering
from bot.features.faq.search import FaqHit, search
from bot.features.faq.store import FaqStore
from bot.i18n import N_
from bot.intents import Button, DirectMessage, Intent, Message
from bot.kernel import Kernel
from bot.notify import reader
from bot.refs import MemberRef
from bot.settings import SUPPORTED_LANGUAGES

__all__ = ["AGREE", "DECLINE", "FaqHit", "matching_entries", "propose_entry"]

AGREE, DECLINE = "faq.agree", "faq.decline"
CONSENT = "faq-consent"  # the anonymity token's purpose; its scope is the proposal's ID


async def matching_entries(
    conn: AsyncConnection, community_id: int, text: str, language: str, limit: int = 3
) -> list[FaqHit]:
    """Published entries of the community in `language` that match `text` (a member's
    question, say), most relevant first, at most `limit`. Ranked by the database's own
    full-text engine (bm25 on SQLite, ts_rank on PostgreSQL); accents do not matter."""
    return await search(conn, community_id, text, language, limit=limit)


async def propose_entry(
    kernel: Kernel,
    conn: AsyncConnection,
    *,
    community_id: int,
    question_id: int | None,
    question: str,
    answer: str,
    topic: str | None,
    grade: str | None,
    language: str,
    asker: MemberRef | None,
    asker_sealed: str | None,
    proposed_by: MemberRef,
) -> list[Intent]:
    """Record a proposed FAQ entry, in the caller's transaction `conn`, and return the
    direct message asking the asker for consent (Agree / No thanks buttons, in the
    asker's language). Nothing is published until the asker agrees.

    The first parameter is the `Kernel` (a handler passes `ctx.kernel`; a timer handler
    has its feature's kernel), so the proposal can be made from anywhere.

    A named asker is `asker`. For an anonymous one, `asker` is None and `asker_sealed` is
    `kernel.anonymity.seal(member)`: it is opened here only to address the message, and
    what is stored is `kernel.anonymity.token("faq-consent", str(proposal_id), member)`,
    which tells whether whoever presses "Agree" is the asker, never who they are. That
    message is not kept once delivered (`keep_copy=False`).

    Raises `CommandError` (which the core words for the liaison) when the words are
    empty or too long, the language is not one Homeroom speaks, or the anonymous asker
    can no longer be reached."""
    question, answer = rendering.words(question, answer)
    topic = rendering.tag(topic, rendering.MAX_TOPIC, "topic")
    grade = rendering.tag(grade, rendering.MAX_GRADE, "grade")
    if language not in SUPPORTED_LANGUAGES:
        raise unsupported_language(language, option="language")
    member = asker if asker is not None else _unsealed(kernel, asker_sealed)
    store = FaqStore(kernel.engine, kernel.clock)
    proposal_id = await store.propose(
        conn,
        {
            "community_id": community_id,
            "question_id": question_id,
            "question": question,
            "answer": answer,
            "topic": topic,
            "grade": grade,
            "language": language,
            "asker_id": asker.id if asker is not None else None,
            "proposed_by": proposed_by.id,
        },
    )
    if asker is None:
        token = kernel.anonymity.token(CONSENT, str(proposal_id), member)
        await store.set_token(conn, proposal_id, token)
    settings = await kernel.directory.community(proposed_by.community_ref)
    t = await reader(kernel.directory, member, default=settings.default_language)
    message = Message(
        title=t._("May we share your question in the FAQ?"),
        text=t._(
            "A school liaison would like to add your question and its answer to the "
            "group's FAQ, written in a general way and without your name, so other "
            "families can find it too. This is what would be shared. Nothing is shared "
            "unless you agree."
        ),
        fields=((t._("Question"), question), (t._("Answer"), answer)),
        buttons=(
            Button(t._("Agree"), AGREE, str(proposal_id), "primary"),
            Button(t._("No thanks"), DECLINE, str(proposal_id)),
        ),
        keep_copy=asker is not None,
    )
    return [DirectMessage(member=member, message=message)]


def _unsealed(kernel: Kernel, sealed: str | None) -> MemberRef:
    member = kernel.anonymity.unseal(sealed) if sealed else None
    if member is None:
        raise CommandError(
            N_(
                "I can't reach the person who asked any more, so I can't ask for their "
                "consent. Nothing was shared."
            )
        )
    return member
