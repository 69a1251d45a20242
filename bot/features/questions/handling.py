"""The liaisons' side: `queue list`, claim, answer (relayed to the asker by DM), notes
that never reach the asker, asking the parent for more (the clock pauses), reassign,
close, block an anonymous sender, and the parent's replies relayed to the card's thread."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement

from bot.commands import Args, CommandError, excerpt, record_id
from bot.context import Context
from bot.directory import Role
from bot.events import Event, MessagePosted
from bot.features.faq import api as faq_api
from bot.features.questions import escalation, store, timing
from bot.features.questions.model import (
    OPEN,
    SENT,
    TOPICS,
    Question,
    grade_of,
    language_of,
    status_word,
)
from bot.features.questions.service import Questions, questions_of, route_stored
from bot.features.questions.tables import questions
from bot.i18n import N_
from bot.intents import Choice, DirectMessage, Form, FormField, Intent, Message
from bot.refs import CommunityRef, mention

ANSWER_FORM = "questions:answer:"
FAQ_FORM = "questions:faq:"
SHOWN = 15


def _number(raw: object) -> int:
    return record_id(str(raw or "")) or -1


async def _question(ctx: Context, raw: object) -> tuple[Questions, Question]:
    qs = questions_of(ctx)
    async with qs.engine.connect() as conn:
        question = await store.get(conn, ctx.community.id, _number(raw))
    if question is None or question.status == "held":
        raise CommandError(
            N_("There's no question numbered {value} here. “queue list” shows them."),
            {"value": str(raw)},
            option="id",
        )
    return qs, question


def _may_handle(ctx: Context, question: Question) -> None:
    """Only the assigned liaison or an organizer answers or closes a question."""
    if question.liaison_id == ctx.member.id or ctx.may(Role.ORGANIZER):
        return
    if question.liaison_id:
        raise CommandError(
            N_(
                "Question #{id} is with {liaison}, so only they or an organizer can do that. "
                "An organizer can reassign it with “queue reassign”."
            ),
            {"id": str(question.id), "liaison": mention(question.member(question.liaison_id))},
        )
    raise CommandError(
        N_("Question #{id} isn't yours yet: claim it first with “queue claim {id}”."),
        {"id": str(question.id)},
    )


def _open(question: Question, also: tuple[str, ...] = ()) -> None:
    if question.status not in OPEN + also:
        raise CommandError(
            N_("Question #{id} is already {status}. Nothing was changed."),
            {"id": str(question.id), "status": question.status},
        )


# -- queue list -----------------------------------------------------------------------
async def queue_list(ctx: Context, args: Args) -> list[Intent]:
    qs = questions_of(ctx)
    which = args.text("which")
    # With no choice, the work still to do; "all" means every state a question reaches
    # once sent, answered and closed too ("held" ones are the parent's, not sent yet).
    statuses = SENT if which == "all" else OPEN
    condition: ColumnElement[bool] = (questions.c.community_id == ctx.community.id) & (
        questions.c.status.in_(statuses)
    )
    if which == "mine":
        condition = condition & (questions.c.liaison_id == ctx.member.id)
    elif which == "unclaimed":
        condition = condition & (questions.c.status == "received")
    elif which == "overdue":
        condition = (
            condition & (questions.c.due_at < qs.clock.now()) & (questions.c.status != "waiting")
        )
    if topic := args.text("topic"):
        condition = condition & (questions.c.topic == topic)
    if grade := grade_of(args.text("grade")):
        condition = condition & (questions.c.grade == grade)
    if language := language_of(args.text("language")):
        condition = condition & (questions.c.language == language)
    async with qs.engine.connect() as conn:
        found = await store.where(conn, condition)
    if not found:
        return [ctx.reply(ctx.t._("No questions here. Thank you for keeping up!"))]
    lines = [queue_line(ctx, q) for q in found[:SHOWN]]
    if len(found) > SHOWN:
        lines.append(ctx.t._("…and {n} more.", n=len(found) - SHOWN))
    return [ctx.reply(Message(title=ctx.t._("Liaison queue"), text="\n".join(lines)))]


def queue_line(ctx: Context, question: Question) -> str:
    who = mention(question.member(question.liaison_id)) if question.liaison_id else "—"
    status = status_word(ctx.t, question.status, liaison=True)
    line = (
        f"#{question.id} · {ctx.t.choice(question.topic)} · {status}"
        f" · {who} · “{excerpt(question.text)}”"
    )
    if question.due_at and question.status in ("received", "claimed"):
        line += " · " + ctx.t._("due {when}", when=ctx.t.when(question.due_at, ctx.timezone))
    return line


# -- claim ------------------------------------------------------------------------------
async def claim(ctx: Context, args: Args) -> list[Intent]:
    return await _claim(ctx, args.text("id"))


async def claim_pressed(ctx: Context, value: str) -> list[Intent]:
    return await _claim(ctx, value)


async def _claim(ctx: Context, raw: object) -> list[Intent]:
    qs, question = await _question(ctx, raw)
    _open(question)
    taking_over = await escalation.may_take_over(qs, question, ctx.member)
    if question.claimed_at is not None and not taking_over:
        if question.liaison_id == ctx.member.id:
            return [ctx.reply(ctx.t._("Question #{id} is already yours.", id=question.id))]
        raise CommandError(
            N_("Question #{id} is already with {liaison}. An organizer can reassign it."),
            {
                "id": str(question.id),
                "liaison": mention(question.member(question.liaison_id or "")),
            },
        )
    now = qs.clock.now()
    async with qs.engine.begin() as conn:
        backup = question.backup_id if question.backup_id != ctx.member.id else question.liaison_id
        await store.change(
            conn,
            question.id,
            status="claimed",
            liaison_id=ctx.member.id,
            backup_id=backup,
            claimed_at=now,
        )
        card = await qs.refresh(conn, question.id)
    line = ctx.t._("Question #{id} is yours now. Thank you!", id=question.id)
    return [ctx.reply(line), *card]


# -- answer -----------------------------------------------------------------------------
def _nobodys(question: Question) -> bool:
    return question.liaison_id is None and question.claimed_at is None and question.status in OPEN


async def answer(ctx: Context, args: Args) -> list[Intent]:
    qs, question = await _question(ctx, args.text("id"))
    claimed: list[Intent] = []
    if _nobodys(question):
        # Nobody has it yet: answering takes it, as the card's Answer button does.
        claimed = (await _claim(ctx, args.text("id")))[1:]
        qs, question = await _question(ctx, args.text("id"))
    _may_handle(ctx, question)
    _open(question, ("answered",))
    text = args.text("text")
    if not text:
        return [ctx.form(_answer_form(ctx, question)), *claimed]
    return await answered(ctx, qs, question, text, bool(args.values.get("as-team")))


async def answer_pressed(ctx: Context, value: str) -> list[Intent]:
    _, question = await _question(ctx, value)
    claimed: list[Intent] = []
    if _nobodys(question):
        # Nobody has it yet: Answer takes it, as Claim would (the card says so), and the
        # form opens at once instead of sending the liaison to press Claim first.
        claimed = (await _claim(ctx, value))[1:]
        _, question = await _question(ctx, value)
    _may_handle(ctx, question)
    _open(question, ("answered",))
    return [ctx.form(_answer_form(ctx, question)), *claimed]


def _answer_form(ctx: Context, question: Question) -> Form:
    t = ctx.t
    return Form(
        form_id=f"{ANSWER_FORM}{question.id}",
        title=t._("Answer question #{id}", id=question.id),
        fields=(
            FormField("text", t._("Your answer"), kind="long_text", hint=excerpt(question.text)),
            FormField(
                "as-team",
                t._("Sign it as"),
                kind="choice",
                choices=(
                    Choice("no", t._("My name")),
                    Choice("yes", t._("Only “a school liaison”")),
                ),
                default="no",
            ),
        ),
        submit_label=t._("Send to the parent"),
    )


async def answer_submitted(ctx: Context, form_id: str, values: Mapping[str, str]) -> list[Intent]:
    qs, question = await _question(ctx, form_id.removeprefix(ANSWER_FORM))
    _may_handle(ctx, question)
    _open(question, ("answered",))
    as_team = values.get("as-team", "no").strip().lower() in ("yes", ctx.t.choice("yes"))
    return await answered(ctx, qs, question, values.get("text", ""), as_team)


async def answered(
    ctx: Context, qs: Questions, question: Question, text: str, as_team: bool
) -> list[Intent]:
    text = text.strip()
    if not text:
        raise CommandError(N_("The answer is empty. Please write what to send."), option="text")
    asker = qs.asker(question)
    if asker is None:
        raise CommandError(N_("I can no longer reach the person who asked. Nothing was sent."))
    now = qs.clock.now()
    async with qs.engine.begin() as conn:
        await store.note(conn, question.id, "answer", ctx.member.id, text, now, as_team)
        await store.change(
            conn,
            question.id,
            status="answered",
            answered_at=now,
            liaison_id=question.liaison_id or ctx.member.id,
            claimed_at=question.claimed_at or now,
            paused_at=None,
        )
        await qs.unschedule(conn, question.id)
        card = await qs.refresh(conn, question.id)
    t = await qs.asker_reader(question)
    who = t._("A school liaison") if as_team else mention(ctx.member)
    relay = DirectMessage(
        member=asker,
        asked=True,  # about their own question: whatever their DM settings
        message=Message(
            text=t._(
                "{who} answered your question #{id} (“{question}”):\n\n{answer}\n\n"
                "If you need more, just reply to this message.",
                who=who,
                id=question.id,
                question=excerpt(question.text),
                answer=text,
            ),
            keep_copy=not question.anonymous,
        ),
    )
    thread = await qs.to_thread(
        question,
        ctx.t._("{liaison} answered; the parent has it.", liaison=mention(ctx.member)),
        by=ctx.member,
    )
    done = ctx.t._("Your answer to #{id} is on its way to the parent.", id=question.id)
    return [relay, ctx.reply(done), *card, *thread]


# -- note, ask-parent -------------------------------------------------------------------
async def note(ctx: Context, args: Args) -> list[Intent]:
    qs, question = await _question(ctx, args.text("id"))
    text = (args.text("text") or "").strip()
    async with qs.engine.begin() as conn:
        await store.note(conn, question.id, "note", ctx.member.id, text, qs.clock.now())
    thread = await qs.to_thread(
        question,
        ctx.t._("Note from {who}: {text}", who=mention(ctx.member), text=text),
        by=ctx.member,
    )
    return [
        ctx.reply(ctx.t._("Noted on #{id}. The parent never sees notes.", id=question.id)),
        *thread,
    ]


async def ask_parent(ctx: Context, args: Args) -> list[Intent]:
    qs, question = await _question(ctx, args.text("id"))
    _may_handle(ctx, question)
    _open(question, ("answered",))
    text = (args.text("text") or "").strip()
    asker = qs.asker(question)
    if asker is None:
        raise CommandError(N_("I can no longer reach the person who asked. Nothing was sent."))
    now = qs.clock.now()
    async with qs.engine.begin() as conn:
        await store.note(conn, question.id, "detail", ctx.member.id, text, now)
        await store.change(
            conn,
            question.id,
            status="waiting",
            paused_at=question.paused_at or now,
            liaison_id=question.liaison_id or ctx.member.id,
            claimed_at=question.claimed_at or now,
        )
        await qs.unschedule(conn, question.id)
        card = await qs.refresh(conn, question.id)
    t = await qs.asker_reader(question)
    request = DirectMessage(
        member=asker,
        asked=True,  # about their own question: whatever their DM settings
        message=Message(
            text=t._(
                "A school liaison is looking at your question #{id} (“{question}”) and "
                "asks: {text}\n\nJust reply to this message.",
                id=question.id,
                question=excerpt(question.text),
                text=text,
            ),
            keep_copy=not question.anonymous,
        ),
    )
    done = ctx.t._(
        "Asked. The clock on #{id} is paused until the parent replies; their reply "
        "will come to the card's thread.",
        id=question.id,
    )
    return [request, ctx.reply(done), *card]


# -- the parent's replies -------------------------------------------------------------
async def hear(ctx: Context, event: Event) -> list[Intent]:
    """A parent's direct message to the bot goes to their latest open or answered
    question's thread (a question waiting for them first)."""
    if not isinstance(event, MessagePosted) or not event.is_direct or not event.text.strip():
        return []
    qs = questions_of(ctx)
    async with qs.engine.connect() as conn:
        mine = await store.where(
            conn, await qs.mine(conn, ctx) & questions.c.status.in_((*OPEN, "answered"))
        )
    if not mine:
        return []
    question = max(mine, key=lambda q: (q.status == "waiting", q.id))
    return await _relay_reply(ctx, qs, question, event.text.strip())


async def _relay_reply(ctx: Context, qs: Questions, question: Question, text: str) -> list[Intent]:
    now = qs.clock.now()
    async with qs.engine.begin() as conn:
        await store.note(
            conn, question.id, "reply", None if question.anonymous else ctx.member.id, text, now
        )
        if question.status == "waiting":
            await _resume(qs, conn, question, now)
        card = await qs.refresh(conn, question.id)
    qs.kernel.timers.wake()
    t = await qs.queue_translator(question)
    thread = await qs.to_thread(
        question, t._("The parent replied on #{id}: {text}", id=question.id, text=text)
    )
    # In the language the question was asked in: a DM from outside any community (on
    # Discord) says nothing of the member's language there.
    asker_t = await qs.asker_reader(question)
    thanks = DirectMessage(
        member=ctx.member,
        asked=True,
        message=Message(
            text=asker_t._("Thank you. I passed your reply on for question #{id}.", id=question.id),
            keep_copy=not question.anonymous,
        ),
    )
    return [*thread, thanks, *card]


async def _resume(qs: Questions, conn: Any, question: Question, now: Any) -> None:
    """The parent answered: the clock runs again, with the working time that was left."""
    paused = question.paused_at or now
    status = "claimed" if question.claimed_at else "received"
    if question.due_at is None or question.liaison_id is None:
        await store.change(conn, question.id, status=status, paused_at=None)
        return
    zone = (await qs.community_of(question)).timezone
    cid, liaison = question.community_id, question.liaison_id
    left = await timing.working_between(conn, cid, liaison, paused, question.due_at, zone)
    [due] = await timing.add_working(conn, cid, liaison, now, left, zone=zone)
    await store.change(
        conn,
        question.id,
        status=status,
        paused_at=None,
        paused_seconds=question.paused_seconds + int((now - paused).total_seconds()),
        due_at=due,
    )
    await qs.schedule(conn, question.id, due if question.reminded else min(due, now + left * 0.5))


# -- reassign, close, block -------------------------------------------------------------
async def reassign(ctx: Context, args: Args) -> list[Intent]:
    qs, question = await _question(ctx, args.text("id"))
    _may_handle(ctx, question)
    _open(question)
    to, topic = args.member("liaison"), args.text("topic")
    if to is None and topic is None:
        raise CommandError(
            N_("Say who should have it (liaison=@name) or its new topic (topic=...)."),
            option="liaison",
        )
    if to is not None and not await qs.present(to):
        raise CommandError(
            N_("{member} isn't a school liaison here, so I can't pass the question to them."),
            {"member": mention(to)},
            option="liaison",
        )
    async with qs.engine.begin() as conn:
        if topic is not None:
            await store.change(conn, question.id, topic=topic)
        if to is not None:
            await store.change(
                conn, question.id, liaison_id=to.id, status="received", claimed_at=None
            )
        else:
            moved = await store.by_id(conn, question.id)
            assert moved is not None
            await route_stored(qs, conn, moved)
        if reason := (args.text("note") or "").strip():
            await store.note(conn, question.id, "note", ctx.member.id, reason, qs.clock.now())
        card = await qs.refresh(conn, question.id)
        now_with = await store.by_id(conn, question.id)
    qs.kernel.timers.wake()
    assert now_with is not None
    intents: list[Intent] = [
        ctx.reply(
            ctx.t._(
                "Question #{id} is now with {liaison}.",
                id=question.id,
                liaison=mention(now_with.liaison) if now_with.liaison else ctx.t._("nobody yet"),
            )
        ),
        *card,
    ]
    if now_with.liaison and now_with.liaison_id != ctx.member.id:
        intents.append(
            await qs.tell(
                now_with.liaison,
                lambda t: t._(
                    "Question #{id} was passed to you. “queue list mine” shows it.",
                    id=question.id,
                ),
                ctx.community.default_language,
            )
        )
    return intents


async def close(ctx: Context, args: Args) -> list[Intent]:
    qs, question = await _question(ctx, args.text("id"))
    _may_handle(ctx, question)
    _open(question, ("answered",))
    reason = args.text("reason") or "answered"
    now = qs.clock.now()
    async with qs.engine.begin() as conn:
        await store.change(
            conn, question.id, status="closed", close_reason=reason, closed_at=now, paused_at=None
        )
        await qs.unschedule(conn, question.id)
        card = await qs.refresh(conn, question.id)
        answer_text = await store.last_answer(conn, question.id)
    intents: list[Intent] = [
        ctx.reply(ctx.t._("Question #{id} is closed. Thank you!", id=question.id)),
        *card,
    ]
    asker = qs.asker(question)
    if reason != "answered" and asker is not None:
        t = await qs.asker_reader(question)
        intents.append(
            DirectMessage(
                member=asker,
                asked=True,
                message=Message(
                    text=t._(
                        "Your question #{id} (“{question}”) is now closed ({reason}). "
                        "You are always welcome to ask again.",
                        id=question.id,
                        question=excerpt(question.text),
                        reason=t.choice(reason),
                    ),
                    keep_copy=not question.anonymous,
                ),
            )
        )
    if args.values.get("propose-faq"):
        intents.append(ctx.form(_faq_form(ctx, question, answer_text)))
    return intents


async def block(ctx: Context, args: Args) -> list[Intent]:
    qs, question = await _question(ctx, args.text("id"))
    if question.asker_token is None:
        raise CommandError(
            N_(
                "Question #{id} was asked by name, so there is no anonymous sender to "
                "block. Please talk with them directly."
            ),
            {"id": str(question.id)},
        )
    async with qs.engine.begin() as conn:
        new = await store.block(
            conn, question.community_id, question.asker_token, ctx.member.id, qs.clock.now()
        )
    qs.kernel.directory.changed(CommunityRef(question.platform, question.community))
    if not new:
        return [ctx.reply(ctx.t._("That sender is already blocked."))]
    return [
        ctx.reply(
            ctx.t._(
                "Done. Whoever sent #{id} can't ask questions here any more. Nobody, you "
                "included, learns who it was.",
                id=question.id,
            )
        )
    ]


async def set_named(ctx: Context, args: Args) -> list[Intent]:
    qs = questions_of(ctx)
    value = bool(args.values.get("named"))
    async with qs.engine.begin() as conn:
        await store.set_named(conn, ctx.community.id, ctx.member.id, value)
    qs.kernel.directory.changed(ctx.community.ref)
    return [
        ctx.reply(
            ctx.t._("Parents who ask by name will see your name when their question is yours.")
            if value
            else ctx.t._("Parents will see “a school liaison”, not your name.")
        )
    ]


# -- proposing an FAQ entry -----------------------------------------------------------
async def faq_propose(ctx: Context, args: Args) -> list[Intent]:
    qs, question = await _question(ctx, args.text("id"))
    _may_handle(ctx, question)
    async with qs.engine.connect() as conn:
        answer_text = await store.last_answer(conn, question.id)
    return [ctx.form(_faq_form(ctx, question, answer_text))]


def _faq_form(ctx: Context, question: Question, answer_text: str | None) -> Form:
    t = ctx.t
    return Form(
        form_id=f"{FAQ_FORM}{question.id}",
        title=t._("Propose an FAQ entry from #{id}", id=question.id),
        fields=(
            FormField("question", t._("The question, said generally"), default=question.text),
            FormField(
                "answer", t._("The answer, for everyone"), kind="long_text", default=answer_text
            ),
            FormField(
                "topic",
                t._("Topic"),
                kind="choice",
                choices=tuple(Choice(v, t.choice(v)) for v in TOPICS),
                default=question.topic,
            ),
            FormField(
                "grade", t._("Grade (or leave empty)"), required=False, default=question.grade
            ),
            FormField("language", t._("Language"), default=question.language),
        ),
        submit_label=t._("Propose"),
        keep_copy=not question.anonymous,
    )


async def faq_submitted(ctx: Context, form_id: str, values: Mapping[str, str]) -> list[Intent]:
    qs, question = await _question(ctx, form_id.removeprefix(FAQ_FORM))
    _may_handle(ctx, question)
    general, text = values.get("question", "").strip(), values.get("answer", "").strip()
    if not general or not text:
        raise CommandError(N_("An FAQ entry needs both the question and the answer."))
    topic = values.get("topic") or question.topic
    if topic not in TOPICS:
        raise CommandError(
            N_("I don't know the topic “{value}”. Topics are: {choices}."),
            {"value": topic, "choices": ", ".join(ctx.t.choice(v) for v in TOPICS)},
            option="topic",
        )
    grade = grade_of(values.get("grade"))
    language = language_of(values.get("language")) or question.language
    async with qs.engine.begin() as conn:
        intents: list[Intent] = await faq_api.propose_entry(
            qs.kernel,
            conn,
            community_id=question.community_id,
            question_id=question.id,
            question=general,
            answer=text,
            topic=topic,
            grade=grade,
            language=language,
            asker=question.member(question.asker_id) if question.asker_id else None,
            asker_sealed=question.asker_sealed,
            proposed_by=ctx.member,
        )
    return intents
