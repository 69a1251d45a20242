"""`ask` (a form when the text is missing, and the message action "Ask a liaison about
this"), the FAQ entries offered before a question is sent, the acknowledgement with
its honest promise, and `ask list`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.commands import Args, CommandError, excerpt, record_id
from bot.context import Context
from bot.events import CommandInvoked
from bot.features.faq import api as faq_api
from bot.features.questions import store
from bot.features.questions.book import Book
from bot.features.questions.model import (
    DEFAULT_TOPIC,
    TOPICS,
    Question,
    grade_of,
    language_of,
    status_word,
)
from bot.features.questions.service import Questions, plan_route, questions_of, route_stored
from bot.i18n import N_
from bot.intents import Button, Choice, Form, FormField, Intent, Message
from bot.refs import mention

ASK_FORM = "questions:ask"
SOLVED, SEND = "questions.solved", "questions.send"
MIN_TEXT = 3
OFFERED = 3  # FAQ entries offered at most


async def ask(ctx: Context, args: Args) -> list[Intent]:
    text = args.text("text")
    if not text and isinstance(ctx.event, CommandInvoked) and ctx.event.target_text.strip():
        quote = excerpt(ctx.event.target_text, 500)
        return [
            ctx.form(
                ask_form(ctx, default=ctx.t._("About this message: “{quote}”", quote=quote) + "\n")
            )
        ]
    if text is None:
        return [ctx.form(ask_form(ctx))]
    return await asked(
        ctx,
        text,
        args.text("topic"),
        args.text("grade"),
        args.text("language"),
        bool(args.values.get("anonymous")),
    )


def ask_form(ctx: Context, default: str | None = None) -> Form:
    t = ctx.t
    return Form(
        form_id=ASK_FORM,
        title=t._("Ask a school liaison"),
        fields=(
            FormField("text", t._("Your question"), kind="long_text", default=default),
            FormField(
                "topic",
                t._("Topic"),
                kind="choice",
                choices=tuple(Choice(v, t.choice(v)) for v in TOPICS),
                default=DEFAULT_TOPIC,
            ),
            FormField("grade", t._("Your child's grade (pre-k, k, 1 to 12)"), required=False),
            FormField(
                "anonymous",
                t._("Ask without your name?"),
                kind="choice",
                choices=(Choice("no", t.choice("no")), Choice("yes", t.choice("yes"))),
                default="no",
            ),
        ),
        submit_label=t._("Send"),
        keep_copy=False,  # the form's copy would hold the question and who asked it
    )


async def ask_submitted(ctx: Context, form_id: str, values: Mapping[str, str]) -> list[Intent]:
    topic = values.get("topic") or None
    if topic is not None and topic not in TOPICS:
        raise CommandError(
            N_("I don't know the topic “{value}”. Topics are: {choices}."),
            {"value": topic, "choices": ", ".join(ctx.t.choice(v) for v in TOPICS)},
            option="topic",
        )
    anonymous = values.get("anonymous", "no").strip().lower() in ("yes", ctx.t.choice("yes"))
    return await asked(
        ctx, values.get("text", ""), topic, values.get("grade"), values.get("language"), anonymous
    )


async def asked(
    ctx: Context,
    text: str,
    topic: str | None,
    grade_raw: str | None,
    language_raw: str | None,
    anonymous: bool,
) -> list[Intent]:
    """Keep the question; offer FAQ entries first if any match, else send it on."""
    text = text.strip()
    if len(text) < MIN_TEXT:
        raise CommandError(
            N_("Your question is empty. Please write what you would like to ask."),
            option="text",
        )
    grade = grade_of(grade_raw)
    language = language_of(language_raw) or ctx.t.language
    qs = questions_of(ctx)
    community_id = ctx.community.id
    token = qs.token(community_id, ctx.member)
    now = qs.clock.now()
    topic = topic or DEFAULT_TOPIC
    # Routing reads the community's book (in memory; `book`), so a question costs one
    # read (the FAQ search) and a share of a group commit before its acknowledgement.
    book = await qs.books.of(ctx.community.ref)
    if token in book.blocked:
        # Not kept once delivered: a kept copy would tie this member to the block.
        refusal = ctx.t._(
            "I can't pass on questions from you here. If you think this is a "
            "mistake, please talk to an organizer."
        )
        return [ctx.reply(Message(text=refusal, keep_copy=False))]
    async with qs.engine.connect() as conn:
        hits = await _faq(conn, community_id, text, language)
    held: dict[str, Any] = {"status": "held", "reply_within_minutes": 0}
    plan = held if hits else await plan_route(qs, ctx.member, topic, grade, language)
    question = await qs.keep_new(
        ctx.member,
        community_id=community_id,
        asker_id=None if anonymous else ctx.member.id,
        asker_token=token if anonymous else None,
        asker_sealed=qs.kernel.anonymity.seal(ctx.member) if anonymous else None,
        asker_language=ctx.t.language,
        text=text,
        topic=topic,
        grade=grade,
        language=language,
        created_at=now,
        **plan,
    )
    if hits:
        return [_offer(ctx, question, hits)]
    assert question.remind_at is not None
    qs.kernel.timers.wake_for(question.remind_at)
    ack = acknowledgement(ctx, book, question)
    return [ctx.reply(ack), *await qs.new_card(question)]


async def _faq(conn: Any, community_id: int, text: str, language: str) -> list[Any]:
    hits: list[Any] = await faq_api.matching_entries(
        conn, community_id, text, language, limit=OFFERED
    )
    return hits


def _offer(ctx: Context, question: Question, hits: list[Any]) -> Any:
    t = ctx.t
    lines = [
        f"• *{getattr(hit, 'question', '')}*\n  {excerpt(str(getattr(hit, 'answer', '')), 300)}"
        for hit in hits
    ]
    message = Message(
        text=t._("Before I send your question, these answers from the FAQ may help:")
        + "\n"
        + "\n".join(lines),
        buttons=(
            Button(t._("This answers it"), SOLVED, str(question.id)),
            Button(t._("Send my question anyway"), SEND, str(question.id), "primary"),
        ),
        keep_copy=not question.anonymous,
    )
    return ctx.reply(message)


def acknowledgement(ctx: Context, book: Book, question: Question) -> Message:
    """Who will look at it and by when, in the parent's own time zone and language."""
    t = ctx.t
    # Said only as it is: a question no rule routed waits in the queue, not with someone.
    who = (
        t._("a school liaison")
        if question.liaison_id
        else t._("the school liaisons' queue, where an organizer makes sure someone takes it")
    )
    if question.liaison_id and not question.anonymous and question.liaison_id in book.named:
        who = mention(question.member(question.liaison_id))
    assert question.due_at is not None
    text = t._(
        "Thank you for asking. Your question #{id} is with {who}, and you can expect an "
        "answer by {when}. The answer will come here, in a private message.",
        id=question.id,
        who=who,
        when=t.when(question.due_at, ctx.timezone),
    )
    if question.anonymous:
        text += " " + t._(
            "It was sent without your name: nobody, organizers included, can see who asked."
        )
    return Message(text=text, keep_copy=not question.anonymous)


async def _held(ctx: Context, value: str) -> tuple[Questions, Question] | None:
    qs = questions_of(ctx)
    async with qs.engine.connect() as conn:
        question = await store.get(conn, ctx.community.id, record_id(value) or -1)
    if question is None or not qs.is_asker(ctx, question) or question.status != "held":
        return None
    return qs, question


async def solved(ctx: Context, value: str) -> list[Intent]:
    found = await _held(ctx, value)
    if found is None:
        return [ctx.reply(ctx.t._("That question was already sent or settled."))]
    qs, question = found
    async with qs.engine.begin() as conn:
        await store.change(
            conn, question.id, status="closed", close_reason="faq", closed_at=qs.clock.now()
        )
    return [ctx.reply(ctx.t._("I'm glad that helped. Your question was not sent."))]


async def send_anyway(ctx: Context, value: str) -> list[Intent]:
    found = await _held(ctx, value)
    if found is None:
        return [ctx.reply(ctx.t._("That question was already sent or settled."))]
    qs, question = found
    async with qs.engine.begin() as conn:
        question = await route_stored(qs, conn, question)
    qs.kernel.timers.wake()
    ack = acknowledgement(ctx, await qs.books.of(ctx.community.ref), question)
    return [ctx.reply(ack), *await qs.new_card(question)]


async def ask_list(ctx: Context, args: Args) -> list[Intent]:
    qs = questions_of(ctx)
    async with qs.engine.connect() as conn:
        mine = (await store.where(conn, await qs.mine(conn, ctx)))[-20:]
        # The liaison's answer, here too: the private message that brought it may be
        # gone (a restart of the console, a DM the member deleted).
        answers = {q.id: await store.last_answer(conn, q.id) for q in mine if q.answered_at}
    anonymous = any(q.anonymous for q in mine)
    if not mine:
        return [ctx.reply(ctx.t._("You haven't asked a question yet. “ask” sends one."))]
    lines = []
    for question in mine:
        lines.append(_line(ctx, question))
        if answer := answers.get(question.id):
            lines.append("    " + ctx.t._("Answer: “{text}”", text=excerpt(answer, 500)))
    return [
        ctx.reply(
            Message(
                title=ctx.t._("Your questions"),
                text="\n".join(lines),
                keep_copy=not anonymous,
            )
        )
    ]


def _line(ctx: Context, question: Question) -> str:
    line = f"#{question.id} · {status_word(ctx.t, question.status)} · “{excerpt(question.text)}”"
    if question.status in ("received", "claimed") and question.due_at:
        line += " · " + ctx.t._("answer by {when}", when=ctx.t.when(question.due_at, ctx.timezone))
    if question.anonymous:
        line += " · " + ctx.t._("without your name")
    return line


async def home_lines(ctx: Context, qs: Questions) -> str | None:
    """A parent's questions on their App Home."""
    token = qs.token(ctx.community.id, ctx.member)
    async with qs.engine.connect() as conn:
        mine = await store.where(conn, store.askers(ctx.community.id, ctx.member.id, token))
    if not mine:
        return None
    # A home page's copy is kept like any message: it shows no question asked without a
    # name (that would tie its asker to it), only how many there are.
    named = [_line(ctx, q) for q in mine if not q.anonymous][-5:]
    hidden = sum(q.anonymous for q in mine)
    if hidden:
        named.append(
            ctx.t.ngettext(
                "One question asked without your name: “ask list” shows it.",
                "{n} questions asked without your name: “ask list” shows them.",
                hidden,
            )
        )
    return ctx.t._("Your questions") + "\n" + "\n".join(named)
