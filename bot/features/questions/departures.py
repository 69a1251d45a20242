"""A liaison who is gone: their open questions go to someone present, with a line in
each card's thread and a DM to whoever has it now.

Gone is learnt two ways. A platform that says so (Slack's deactivation, `MemberLeft`)
moves the questions at once (`hear`). Where none says so (Discord tells a bot of
departures only with the privileged members intent, which Homeroom does not ask for),
a question's timer asks whether its liaison is still here before each step
(`bot.features.questions.deadlines`), so none is left with someone who left."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.context import Context
from bot.events import Event, MemberLeft
from bot.features.questions import store
from bot.features.questions.model import Question
from bot.features.questions.service import Questions, questions_of, route_stored
from bot.features.questions.tables import questions
from bot.i18n import N_
from bot.intents import Intent
from bot.refs import MemberRef, mention

PASSED = N_("Question #{id} was passed to you. “queue list mine” shows it.")
CHASED = ("received", "claimed")  # waiting for the parent: routed again when they reply


async def reroute(
    qs: Questions, conn: AsyncConnection, question: Question, gone: MemberRef, default: str
) -> tuple[Question, list[Intent]]:
    """Route the question again, past `gone`; the card, its thread and the new liaison
    are told."""
    question = await route_stored(qs, conn, question, skip=frozenset({gone.id}))
    t = await qs.queue_translator(question)
    intents = await qs.refresh(conn, question.id)
    intents += await qs.to_thread(
        question,
        t._(
            "{gone} is no longer a liaison here, so #{id} went to {liaison}.",
            gone=mention(gone),
            id=question.id,
            liaison=mention(question.liaison) if question.liaison else t._("nobody yet"),
        ),
    )
    if question.liaison is not None:
        intents.append(
            await qs.tell(question.liaison, lambda t: t._(PASSED, id=question.id), default)
        )
    return question, intents


async def hear(ctx: Context, event: Event) -> list[Intent]:
    """A member left: every question they were answering is routed again now."""
    if not isinstance(event, MemberLeft):
        return []
    qs = questions_of(ctx)
    gone = ctx.member
    intents: list[Intent] = []
    async with qs.engine.begin() as conn:
        theirs = await store.where(
            conn,
            (questions.c.community_id == ctx.community.id)
            & (questions.c.liaison_id == gone.id)
            & questions.c.status.in_(CHASED),
        )
        for question in theirs:
            _, told = await reroute(qs, conn, question, gone, ctx.community.default_language)
            intents += told
    if theirs:
        qs.kernel.timers.wake()
    return intents
