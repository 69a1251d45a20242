"""Never dropped: one timer per open question, on the shared timer loop. Before the
promised time the assigned liaison is reminded; when it passes, the backup is asked to
take it, and after a further half day of working time whoever the routing rule names
to escalate to is told (`bot.features.questions.escalation`), else the organizers. A
question unclaimed goes the same way. A question whose liaison is gone (no longer a
liaison or organizer here, or no longer found on the platform, where no platform
event said so: `bot.features.questions.departures`) is routed again first. Waiting
for the parent, the timer is off."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features.questions import departures, escalation, store, timing
from bot.features.questions.model import Question
from bot.features.questions.service import ESCALATE_AFTER, Questions
from bot.i18n import N_, Translator
from bot.intents import Intent
from bot.notify import tell_organizers
from bot.refs import CommunityRef, mention
from bot.timers import TimerResult, TimerRun

Compose = Callable[[Translator], str]

TO_BACKUP = N_(
    "Question #{id} is past the time we promised the parent, and you are its backup. "
    "Could you take it? “queue claim {id}”, then “queue answer {id}”."
)
TO_ESCALATION = N_(
    "Question #{id} is past the time we promised the parent, and neither its liaison "
    "nor its backup has answered. Its routing rule sends it to you now: “queue claim "
    "{id}” takes it, then “queue answer {id}”."
)
TO_ORGANIZERS = N_(
    "Question #{id} is past the time we promised the parent and nobody has answered "
    "it yet. “queue reassign {id} liaison=@name” passes it to someone who can."
)


async def deadline(run: TimerRun) -> Mapping[str, TimerResult]:
    qs = run.state
    assert isinstance(qs, Questions)
    results: dict[str, TimerResult] = {}
    for timer in run.due:
        question = await store.by_id(run.conn, int(timer.key))
        if question is None or question.status not in ("received", "claimed"):
            continue  # answered, closed or waiting for the parent: nothing to chase
        results[timer.key] = await _step(qs, run.conn, question, run.now)
    return results


async def _step(
    qs: Questions, conn: AsyncConnection, question: Question, now: datetime
) -> TimerResult:
    intents: list[Intent] = []
    community = await qs.community_of(question)
    default = community.default_language
    if question.liaison is not None and not await qs.present(question.liaison):
        question, intents = await departures.reroute(qs, conn, question, question.liaison, default)
        return TimerResult(intents, question.remind_at)
    assert question.due_at is not None
    if not question.reminded and now < question.due_at:
        await store.change(conn, question.id, reminded=True)
        if question.liaison is not None:
            intents.append(
                await qs.tell(question.liaison, _reminder(question, community.timezone), default)
            )
        return TimerResult(intents, question.due_at)
    backup = question.member(question.backup_id) if question.backup_id else None
    if question.escalation == 0 and backup is not None and await qs.present(backup):
        await store.change(conn, question.id, escalation=1, reminded=True)
        intents.append(await qs.tell(backup, _about(question, TO_BACKUP), default))
        t = await qs.queue_translator(question)
        intents += await qs.to_thread(
            question,
            t._(
                "#{id} is past its promised time; {backup} was asked to help.",
                id=question.id,
                backup=mention(backup),
            ),
        )
        [later] = await timing.add_working(
            conn, question.community_id, backup.id, now, ESCALATE_AFTER, zone=community.timezone
        )
        return TimerResult(intents, later)
    await store.change(conn, question.id, escalation=2, reminded=True)
    chosen = await escalation.targets(qs, conn, question)
    if chosen:
        for member in chosen:
            intents.append(await qs.tell(member, _about(question, TO_ESCALATION), default))
        return TimerResult(intents, None)
    # Where no organizer role was granted (platform admins are organizers without one),
    # the organizers who made the routing rules are told.
    makers = [r.created_by for r in await store.routes(conn, question.community_id)]
    intents += await tell_organizers(
        qs.kernel.directory,
        CommunityRef(question.platform, question.community),
        default,
        _about(question, TO_ORGANIZERS),
        fallback=list(dict.fromkeys(m for m in makers if m)),
    )
    return TimerResult(intents, None)


def _about(question: Question, message: str) -> Compose:
    """A message (marked with `N_`) about the question, in its reader's language."""
    return lambda t: t._(message, id=question.id)


def _reminder(question: Question, zone: str) -> Compose:
    def compose(t: Translator) -> str:
        assert question.due_at is not None
        return t._(
            "A reminder: question #{id} (“{topic}”) was promised an answer by {when}. "
            "“queue answer {id}” answers it.",
            id=question.id,
            topic=t.choice(question.topic),
            when=t.when(question.due_at, zone),
        )

    return compose
