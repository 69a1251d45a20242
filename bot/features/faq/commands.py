"""`faq search` for every member; `faq add/edit/remove/list` and `faq channel` for
organizers."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.commands import (
    Args,
    CommandError,
    CommandSpec,
    Option,
    excerpt,
    for_role,
    form_fields,
    record_id,
)
from bot.context import Context
from bot.directory import GroupPurpose, Role
from bot.features.faq import rendering
from bot.features.faq.consent import publish
from bot.features.faq.language import guessed
from bot.features.faq.search import FaqHit, query_words, search
from bot.features.faq.state import faq_of
from bot.features.faq.store import PAGE, Entry
from bot.i18n import N_, NP_
from bot.intents import Form, Intent, Message
from bot.refs import ConversationRef, channel_link

SHOWN = 5  # search results at a time


def _tags(args: Args) -> tuple[str | None, str | None]:
    return (
        rendering.tag(args.text("topic"), rendering.MAX_TOPIC, "topic"),
        rendering.tag(args.text("grade"), rendering.MAX_GRADE, "grade"),
    )


async def search_faq(ctx: Context, args: Args) -> list[Intent]:
    """The best five entries for the member's words, in their language (or the one they
    chose); where their language has none and they chose none, the community's others."""
    words = args.text("words") or ""
    topic, grade = _tags(args)
    chosen = args.languages("language")
    first = chosen[0] if chosen else ctx.t.language
    if not query_words(words, first):
        raise CommandError(
            N_("Please give me a word or two to look for, like “faq search bus”."),
            option="words",
        )
    tries = [first] if chosen else list(dict.fromkeys([first, *ctx.community.languages]))
    async with faq_of(ctx).store.engine.connect() as conn:
        for language in tries:
            hits = await search(
                conn, ctx.community.id, words, language, topic=topic, grade=grade, limit=SHOWN
            )
            if hits:
                return [ctx.reply(_results(ctx, words, hits, language != first))]
    return [
        ctx.reply(
            ctx.t._(
                "I found nothing in the FAQ for “{words}”. Try other words, or ask a school "
                "liaison.",
                words=excerpt(words),
            )
        )
    ]


def _results(ctx: Context, words: str, hits: list[FaqHit], elsewhere: bool) -> Message:
    intro = ctx.t.ngettext(
        "One answer for “{words}”:",
        "{n} answers for “{words}”, the most relevant first:",
        len(hits),
        words=excerpt(words),
    )
    if elsewhere:
        intro = (
            ctx.t._(
                "Nothing in {mine} yet, so here is what I found in {other}.",
                mine=ctx.t.language_name(ctx.t.language),
                other=ctx.t.language_name(hits[0].language),
            )
            + "\n"
            + intro
        )
    return Message(
        title=ctx.t._("FAQ"),
        text=intro,
        fields=tuple(rendering.hit_field(h.entry_id, h.question, h.answer) for h in hits),
    )


async def add(ctx: Context, args: Args) -> list[Intent]:
    question, answer = rendering.words(args.text("question") or "", args.text("answer") or "")
    topic, grade = _tags(args)
    chosen = args.languages("language")
    # The one given, else the one its words are in (bot/features/faq/language.py).
    writer = ctx.t.language
    language = (
        chosen[0] if chosen else guessed(question + " " + answer, ctx.community.languages, writer)
    )
    store = faq_of(ctx).store
    async with store.engine.begin() as conn:
        entry = await store.add(
            conn,
            ctx.community.id,
            question=question,
            answer=answer,
            topic=topic,
            grade=grade,
            language=language,
            created_by=ctx.member.id,
        )
    posted = await publish(ctx, entry)
    said = _added(ctx, entry, posted)
    if language != writer and not chosen:
        said += " " + ctx.t._(
            "Filed under {language}, the language its words are in (“language=” chooses another).",
            language=ctx.t.language_name(language),
        )
    return [ctx.reply(said), *posted]


def _added(ctx: Context, entry: Entry, posted: list[Intent]) -> str:
    if posted:
        where = posted[0].to  # type: ignore[union-attr]
        return ctx.t._(
            "Added FAQ entry #{id} “{question}”. It is posted in {channel} and found by “faq "
            "search”.",
            id=entry.id,
            question=excerpt(entry.question),
            channel=channel_link(where),
        )
    return ctx.t._(
        "Added FAQ entry #{id} “{question}”; “faq search” finds it. No FAQ channel is set, "
        "so it was not posted: “faq channel” chooses one.",
        id=entry.id,
        question=excerpt(entry.question),
    )


def _unknown(value: object) -> CommandError:
    return CommandError(
        N_("There's no FAQ entry #{id} in this community. “faq list” shows them with numbers."),
        {"id": str(value)[:20]},
        option="id",
    )


async def _entry(ctx: Context, args: Args) -> Entry:
    number = record_id(str(args.values.get("id"))) or -1
    found = await faq_of(ctx).store.get(ctx.community.id, number)
    if found is None:
        raise _unknown(args.values.get("id"))
    return found


async def edit(ctx: Context, args: Args) -> list[Intent]:
    """New words or tags for an entry; with nothing but its number, a form filled with
    what it says now."""
    found = await _entry(ctx, args)
    given = {k for k in ("question", "answer", "topic", "grade", "language") if k in args}
    if not given:
        return [_edit_form(ctx, found)]
    changes: dict[str, Any] = {}
    if "question" in given or "answer" in given:
        changes["question"], changes["answer"] = rendering.words(
            args.text("question") or found.question, args.text("answer") or found.answer
        )
    topic, grade = _tags(args)
    if "topic" in given:
        changes["topic"] = topic
    if "grade" in given:
        changes["grade"] = grade
    chosen = args.languages("language")
    if chosen:
        changes["language"] = chosen[0]
    edited = await faq_of(ctx).store.edit(ctx.community.id, found.id, changes)
    if edited is None:  # removed meanwhile
        raise _unknown(found.id)
    return [
        ctx.reply(
            ctx.t._(
                "Changed FAQ entry #{id}; “faq search” finds the new words now. Its post in "
                "the FAQ channel, if it has one, stays as it was.",
                id=edited.id,
            )
        )
    ]


def _edit_form(ctx: Context, found: Entry) -> Intent:
    given = Args(
        {
            "id": found.id,
            "question": found.question,
            "answer": found.answer,
            "topic": found.topic,
            "grade": found.grade,
            "language": (found.language,),
        }
    )
    return ctx.form(
        Form(
            form_id="command:faq edit",
            title=ctx.t._("Edit an FAQ entry"),
            fields=form_fields(EDIT_OPTIONS, given, ctx.t),
            submit_label=ctx.t._("Save"),
        )
    )


async def remove(ctx: Context, args: Args) -> list[Intent]:
    found = await _entry(ctx, args)
    removed = await faq_of(ctx).store.remove(ctx.community.id, found.id)
    if removed is None:
        raise _unknown(found.id)
    return [
        ctx.reply(
            ctx.t._(
                "Removed FAQ entry #{id} “{question}”: “faq search” no longer finds it. A post "
                "of it in the FAQ channel stays until someone deletes it there.",
                id=removed.id,
                question=excerpt(removed.question),
            )
        )
    ]


async def list_entries(ctx: Context, args: Args) -> list[Intent]:
    raw = args.values.get("page")
    page = raw if isinstance(raw, int) else 1
    entries, total = await faq_of(ctx).store.page(ctx.community.id, page)
    if total == 0:
        return [
            ctx.reply(
                ctx.t._(
                    "The FAQ has no entries yet. “faq add” adds one, and liaisons can "
                    "propose answered questions."
                )
            )
        ]
    pages = (total + PAGE - 1) // PAGE
    if not entries:
        return [
            ctx.reply(
                ctx.t.ngettext(
                    "The FAQ has one page so far: “faq list” shows it.",
                    "The FAQ has {n} pages; please choose one of them.",
                    pages,
                )
            )
        ]
    lines = []
    for e in entries:
        tags = rendering.tags_line(ctx.t, e.topic, e.grade)
        line = f"#{e.id} [{e.language}] {excerpt(e.question, 120)}"
        lines.append(line + (f" ({tags})" if tags else ""))
    footer = (
        ctx.t._(
            "Page {page} of {pages}. “faq list page={next}” shows the next.",
            page=page,
            pages=pages,
            next=page + 1,
        )
        if page < pages
        else ctx.t._("Page {page} of {pages}.", page=page, pages=pages)
    )
    return [
        ctx.reply(
            Message(
                title=ctx.t._("FAQ entries ({n})", n=total),
                text="\n".join(lines),
                footer=footer,
            )
        )
    ]


async def set_channel(ctx: Context, args: Args) -> list[Intent]:
    channel = args.channel("channel")
    assert channel is not None  # required: the core asks for it
    if not await ctx.kernel.channels.can_post(channel):
        raise CommandError(
            N_(
                "I can't post in {channel} yet. Please invite me there, or let me send "
                "messages in it, then try again."
            ),
            {"channel": channel_link(channel)},
            option="channel",
        )
    if channel.channel in ctx.community.groups.get(GroupPurpose.LIAISONS, ()):
        raise CommandError(
            N_(
                "{channel} is the liaisons' private channel, so parents could not read the "
                "FAQ there. Please choose a channel the parents read."
            ),
            {"channel": channel_link(channel)},
            option="channel",
        )
    await faq_of(ctx).store.set_channel(ctx.community.id, channel.channel)
    where = ConversationRef(channel.platform, channel.community, channel.channel)
    return [
        ctx.reply(
            ctx.t._(
                "Published FAQ entries will be posted in {channel} (a forum post each, where "
                "it is a forum).",
                channel=channel_link(where),
            )
        )
    ]


TOPIC = Option(NP_("option", "topic"), "str", N_("A topic, like enrollment or buses"))
GRADE = Option(NP_("option", "grade"), "str", N_("A grade, like 3 or K"))
LANGUAGE = Option(
    NP_("option", "language"),
    "languages",
    N_("The entry's language, like en or es (as it is if left out)"),
)
ID = Option(NP_("option", "id"), "int", N_("The entry's number, from “faq list”"), required=True)
QUESTION = Option(NP_("option", "question"), "text", N_("The question, written for every family"))
ANSWER = Option(
    NP_("option", "answer"), "text", N_("The answer, written for every family"), rest=True
)
ADD_OPTIONS = (
    replace(QUESTION, required=True),
    replace(ANSWER, required=True),
    TOPIC,
    GRADE,
    replace(
        LANGUAGE,
        description=N_(
            "The entry's language, like en or es (the one its words are in if left out)"
        ),
    ),
)
EDIT_OPTIONS = (ID, QUESTION, ANSWER, TOPIC, GRADE, LANGUAGE)
SEARCH_OPTIONS = (
    Option(
        NP_("option", "words"),
        "text",
        N_("What to look for, like bus schedule"),
        required=True,
        rest=True,
    ),
    TOPIC,
    GRADE,
    Option(
        NP_("option", "language"),
        "languages",
        N_("Which language's entries, like en or es (yours if left out)"),
    ),
)
PAGE_NUMBER = Option(NP_("option", "page"), "int", N_("Which page, from 1"), between=(1, 99999))
FAQ_CHANNEL = Option(
    NP_("option", "channel"),
    "channel",
    N_("The FAQ channel (a forum on Discord works well)"),
    required=True,
)

COMMANDS = (
    CommandSpec("faq search", N_("Search the group's FAQ"), search_faq, SEARCH_OPTIONS),
    *for_role(
        Role.ORGANIZER,
        CommandSpec("faq add", N_("Add an FAQ entry"), add, ADD_OPTIONS),
        CommandSpec("faq edit", N_("Change an FAQ entry"), edit, EDIT_OPTIONS),
        CommandSpec("faq remove", N_("Remove an FAQ entry"), remove, (ID,)),
        CommandSpec("faq list", N_("List the FAQ's entries"), list_entries, (PAGE_NUMBER,)),
        CommandSpec(
            "faq channel", N_("Choose where FAQ entries are posted"), set_channel, (FAQ_CHANNEL,)
        ),
    ),
)
