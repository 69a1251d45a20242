"""`prompt suggest` (every member, anonymous if they wish), `prompt suggestions` with
Accept, Edit and Set aside buttons, and for organizers `prompt add`, `prompt own` (the
group's series, with Edit and Remove), `prompt edit`, `prompt remove` and `prompt
notices`. Accepted prompts join the group's own series, `our-prompts`."""

from __future__ import annotations

from dataclasses import replace

from bot.commands import (
    Args,
    CommandError,
    CommandSpec,
    Handler,
    Option,
    for_role,
    form_fields,
    record_id,
)
from bot.context import Context
from bot.directory import Role
from bot.features import Action, Feature
from bot.features.prompts.own import MAX_TEXT, MIN_TEXT, OWN_SERIES, OwnPrompt
from bot.features.prompts.state import prompts_of
from bot.i18n import N_, NP_
from bot.intents import Button, Form, Intent, Message, OpenForm
from bot.notify import reader
from bot.refs import MemberRef, mention

ACCEPT, SET_ASIDE = "prompts.accept", "prompts.set-aside"
EDIT, REMOVE = "prompts.edit", "prompts.remove"


def _text(args: Args) -> str:
    text = (args.text("text") or "").strip()
    if not MIN_TEXT <= len(text) <= MAX_TEXT:
        raise CommandError(
            N_("A prompt needs between {least} and {most} characters; this one has {n}."),
            {"least": str(MIN_TEXT), "most": str(MAX_TEXT), "n": str(len(text))},
            option="text",
        )
    return text


async def suggest(ctx: Context, args: Args) -> list[Intent]:
    """Store the idea and thank its author. For an anonymous idea the thank-you is sent
    with `keep_copy=False`: a kept copy would say who sent the idea, at the moment it
    arrived, which is exactly what anonymity hides, so the outbox deletes its row once
    it is delivered (and the idea's stored time is coarse, see `own`). The organizers'
    notice names no one, so it may be kept like any other message."""
    anonymous = bool(args.values.get("anonymous"))
    text = _text(args)
    await prompts_of(ctx).own_prompts.suggest(
        ctx.community.id, text, None if anonymous else ctx.member.id, ctx.t.language
    )
    thanks = (
        Message(
            text=ctx.t._(
                "Thank you! Your idea is with the organizers. It was sent without your name, "
                "so I can't tell you what they decide, but watch for it in the channel."
            ),
            keep_copy=False,
        )
        if anonymous
        else Message(
            text=ctx.t._(
                "Thank you! Your idea is with the organizers, and I'll tell you what they decide."
            )
        )
    )
    notices = await prompts_of(ctx).idea_notices.idea_arrived(ctx.conversation.community_ref)
    return [ctx.reply(thanks), *notices]


async def review(ctx: Context, args: Args) -> list[Intent]:
    await prompts_of(ctx).idea_notices.organizer_seen(ctx)
    waiting = await prompts_of(ctx).own_prompts.pending(ctx.community.id)
    if not waiting:
        return [ctx.reply(ctx.t._("No prompt ideas are waiting. Thank you for keeping up!"))]
    return [ctx.reply(_card(ctx, idea)) for idea in waiting[:SHOWN]] + _more(ctx, len(waiting))


SHOWN = 10  # cards at a time: a page, not a flood


def _more(ctx: Context, total: int) -> list[Intent]:
    """Say how many more there are, so a page never passes for the whole list."""
    if total <= SHOWN:
        return []
    return [
        ctx.reply(
            ctx.t._(
                "These are the first {shown} of {total}. Decide on some to see the rest.",
                shown=SHOWN,
                total=total,
            )
        )
    ]


def _card(ctx: Context, idea: OwnPrompt) -> Message:
    by = (
        mention(MemberRef(ctx.member.platform, ctx.member.community, idea.author_id))
        if idea.author_id
        else None
    )
    return Message(
        text=f"#{idea.id} “{idea.text}”",
        footer=ctx.t._("Suggested by {who}", who=by)
        if by
        else ctx.t._("Suggested by someone who asked not to be named"),
        buttons=(
            Button(ctx.t._("Accept"), ACCEPT, str(idea.id), "primary"),
            Button(ctx.t._("Edit"), EDIT, str(idea.id)),
            Button(ctx.t._("Set aside"), SET_ASIDE, str(idea.id)),
        ),
    )


async def _decide(ctx: Context, value: str, accept: bool) -> list[Intent]:
    decided = await prompts_of(ctx).own_prompts.decide(ctx.community.id, _number(value), accept)
    if decided is None:
        return [ctx.reply(ctx.t._("That idea was already decided. Nothing was changed."))]
    intents: list[Intent] = [
        ctx.reply(
            ctx.t._("Added to “our-prompts”, the group's own series.")
            if accept
            else ctx.t._("Set aside. Thank you for reading it.")
        )
    ]
    if decided.author_id:  # named suggestions hear back; anonymous ones cannot be reached
        author = MemberRef(ctx.member.platform, ctx.member.community, decided.author_id)
        t = await reader(
            ctx.kernel.directory,
            author,
            decided.author_language,
            default=ctx.community.default_language,
        )
        news = (
            t._(
                "Good news: your prompt idea “{text}” was added to the group's own series.",
                text=decided.text,
            )
            if accept
            else t._(
                "Thank you for your prompt idea “{text}”. The organizers kept it aside for now.",
                text=decided.text,
            )
        )
        intents.append(ctx.dm(author, Message(text=news)))
    return intents


async def accept(ctx: Context, value: str) -> list[Intent]:
    return await _decide(ctx, value, True)


async def set_aside(ctx: Context, value: str) -> list[Intent]:
    return await _decide(ctx, value, False)


async def add(ctx: Context, args: Args) -> list[Intent]:
    await prompts_of(ctx).idea_notices.organizer_seen(ctx)
    await prompts_of(ctx).own_prompts.add(ctx.community.id, _text(args))
    return [
        ctx.reply(
            ctx.t._(
                "Added to “{series}”. Schedule it with “prompt schedule series={series}”.",
                series=OWN_SERIES,
            )
        )
    ]


def _number(raw: object) -> int:
    """A record number from an option or a button's value; -1 (found nowhere) when it
    is not one a database column can hold."""
    return record_id(str(raw)) or -1


async def own(ctx: Context, args: Args) -> list[Intent]:
    """The group's own series, one card a prompt, with Edit and Remove."""
    await prompts_of(ctx).idea_notices.organizer_seen(ctx)
    prompts = await prompts_of(ctx).own_prompts.accepted(ctx.community.id)
    if not prompts:
        return [
            ctx.reply(
                ctx.t._(
                    "The group's own series has no prompts yet. “prompt add” adds one, and "
                    "accepted ideas join it."
                )
            )
        ]
    return [
        ctx.reply(
            Message(
                text=f"#{p.id} · " + ctx.t._("week {n}", n=week) + f"\n“{p.text}”",
                buttons=(
                    Button(ctx.t._("Edit"), EDIT, str(p.id)),
                    Button(ctx.t._("Remove"), REMOVE, str(p.id), "danger"),
                ),
            )
        )
        for week, p in enumerate(prompts[: 2 * SHOWN], 1)
    ] + _more_prompts(ctx, len(prompts))


def _more_prompts(ctx: Context, total: int) -> list[Intent]:
    if total <= 2 * SHOWN:
        return []
    return [
        ctx.reply(
            ctx.t._(
                "These are the first {shown} of {total}; “series preview our-prompts” lists "
                "them all.",
                shown=2 * SHOWN,
                total=total,
            )
        )
    ]


def _unknown(value: object) -> CommandError:
    return CommandError(
        N_(
            "There's no waiting idea or prompt #{id} of this group. “prompt suggestions” and "
            "“prompt own” show them with their numbers."
        ),
        {"id": str(value)[:20]},  # never an answer that grows with the input
    )


async def edit(ctx: Context, args: Args) -> list[Intent]:
    """New words for a waiting idea or an own prompt; with no text, a form filled with
    the words it has now."""
    number = _number(args.values.get("id"))
    found = await prompts_of(ctx).own_prompts.get(ctx.community.id, number)
    if found is None:
        raise _unknown(args.values.get("id"))
    if not (args.text("text") or "").strip():
        return [_edit_form(ctx, found)]
    edited = await prompts_of(ctx).own_prompts.edit(ctx.community.id, found.id, _text(args))
    assert edited is not None
    return [
        ctx.reply(
            ctx.t._("Changed. Idea #{id} now reads: “{text}”", id=edited.id, text=edited.text)
            if edited.status == "pending"
            else ctx.t._(
                "Changed. Prompt #{id} of “{series}” now reads: “{text}”",
                id=edited.id,
                series=OWN_SERIES,
                text=edited.text,
            )
        )
    ]


def _edit_form(ctx: Context, found: OwnPrompt) -> OpenForm:
    given = Args({"id": str(found.id), "text": found.text})
    fields = tuple(replace(f, required=True) for f in form_fields(EDIT_OPTIONS, given, ctx.t))
    return ctx.form(
        Form(
            form_id="command:prompt edit",
            title=ctx.t._("Edit a prompt"),
            fields=fields,
            submit_label=ctx.t._("Save"),
        )
    )


async def remove(ctx: Context, args: Args) -> list[Intent]:
    number = _number(args.values.get("id"))
    found = await prompts_of(ctx).own_prompts.get(ctx.community.id, number)
    if found is not None and found.status == "pending":
        return [
            ctx.reply(
                ctx.t._(
                    "Idea #{id} is still waiting, so it isn't in the series yet. "
                    "“prompt suggestions” lets you set it aside.",
                    id=found.id,
                )
            )
        ]
    removed = await prompts_of(ctx).own_prompts.remove(ctx.community.id, number)
    if removed is None:
        raise _unknown(args.values.get("id"))
    return [
        ctx.reply(
            ctx.t._(
                "Removed from “{series}”: “{text}”. Where it was already posted, the post "
                "and its replies stay.",
                series=OWN_SERIES,
                text=removed.text,
            )
        )
    ]


async def _button(ctx: Context, value: str, handler: Handler) -> list[Intent]:
    return await handler(ctx, Args({"id": value}))  # the core answers a CommandError


async def edit_button(ctx: Context, value: str) -> list[Intent]:
    return await _button(ctx, value, edit)


async def remove_button(ctx: Context, value: str) -> list[Intent]:
    return await _button(ctx, value, remove)


async def notices(ctx: Context, args: Args) -> list[Intent]:
    await prompts_of(ctx).idea_notices.organizer_seen(ctx)
    on = bool(args.values.get("dm"))
    await prompts_of(ctx).idea_notices.set_dm(ctx.conversation.community_ref, ctx.member.id, on)
    return [
        ctx.reply(
            ctx.t._("I'll send you a message when prompt ideas are waiting, at most once a day.")
            if on
            else ctx.t._(
                "I won't send you messages about waiting ideas. Your home page and "
                "“prompt suggestions” still show them."
            )
        )
    ]


TEXT = Option(
    NP_("option", "text"),
    "text",
    N_("The prompt, as parents will read it"),
    required=True,
    rest=True,
)
EDIT_OPTIONS = (
    Option(
        NP_("option", "id"),
        "int",
        N_("The idea's or prompt's number, from “prompt suggestions” or “prompt own”"),
        required=True,
    ),
    Option(
        NP_("option", "text"), "text", N_("The new words, as parents will read them"), rest=True
    ),
)

SUGGEST_OPTIONS = (  # text first, so it takes every word; anonymous=yes may stand anywhere
    TEXT,
    Option(NP_("option", "anonymous"), "bool", N_("Leave your name off (yes or no)")),
)
DM = Option(
    NP_("option", "dm"), "bool", N_("A message at most once a day (yes or no)"), required=True
)

FEATURE = Feature(
    name="suggestions",
    commands=(
        CommandSpec(
            "prompt suggest",
            N_("Suggest a discussion prompt to the organizers"),
            suggest,
            SUGGEST_OPTIONS,
            keeps_copies=False,  # the form may carry anonymous=yes; see `suggest`
        ),
        *for_role(
            Role.ORGANIZER,
            CommandSpec("prompt suggestions", N_("Review the prompt ideas members sent"), review),
            CommandSpec("prompt add", N_("Add a prompt to the group's own series"), add, (TEXT,)),
            CommandSpec("prompt own", N_("See, edit or remove the group's own prompts"), own),
            CommandSpec(
                "prompt edit",
                N_("Change the words of a waiting idea or of one of the group's prompts"),
                edit,
                EDIT_OPTIONS,
            ),
            CommandSpec(
                "prompt remove",
                N_("Take a prompt out of the group's own series"),
                remove,
                EDIT_OPTIONS[:1],
            ),
            CommandSpec(
                "prompt notices",
                N_("Whether I message you when prompt ideas are waiting"),
                notices,
                (DM,),
            ),
        ),
    ),
    actions={
        ACCEPT: Action(accept, Role.ORGANIZER),
        SET_ASIDE: Action(set_aside, Role.ORGANIZER),
        EDIT: Action(edit_button, Role.ORGANIZER),
        REMOVE: Action(remove_button, Role.ORGANIZER),
    },
)
