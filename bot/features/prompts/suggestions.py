"""`prompt suggest` (every member, anonymous if they wish), `prompt suggestions` with
Accept and Set aside buttons, and `prompt add` for organizers. Accepted prompts join the
group's own series, `our-prompts`."""

from __future__ import annotations

from bot.commands import Args, CommandError, CommandSpec, Option
from bot.context import Context
from bot.directory import Role
from bot.features import Action, Feature
from bot.features.prompts.own import MAX_TEXT, MIN_TEXT, OWN_SERIES, OwnPrompt
from bot.i18n import N_
from bot.intents import Button, Intent, Message
from bot.notify import reader, tell_organizers
from bot.refs import MemberRef, mention

ACCEPT, SET_ASIDE = "prompts.accept", "prompts.set-aside"


def _text(args: Args) -> str:
    text = (args.text("text") or "").strip()
    if not MIN_TEXT <= len(text) <= MAX_TEXT:
        raise CommandError(
            N_("A prompt needs between {least} and {most} characters; this one has {n}."),
            {"least": str(MIN_TEXT), "most": str(MAX_TEXT), "n": str(len(text))},
        )
    return text


async def suggest(ctx: Context, args: Args) -> list[Intent]:
    anonymous = bool(args.values.get("anonymous"))
    text = _text(args)
    await ctx.services.own_prompts.suggest(
        ctx.community.id, text, None if anonymous else ctx.member.id, ctx.t.language
    )
    thanks = (
        ctx.t._(
            "Thank you! Your idea is with the organizers. It was sent without your name, so I "
            "can't tell you what they decide, but watch for it in the channel."
        )
        if anonymous
        else ctx.t._(
            "Thank you! Your idea is with the organizers, and I'll tell you what they decide."
        )
    )
    return [ctx.reply(thanks), *await _tell_organizers(ctx)]


async def _tell_organizers(ctx: Context) -> list[Intent]:
    return await tell_organizers(
        ctx.services.directory,
        ctx.conversation.community_ref,
        ctx.community.default_language,
        lambda t: t._("A new prompt idea is waiting for you. “prompt suggestions” shows it."),
    )


async def review(ctx: Context, args: Args) -> list[Intent]:
    waiting = await ctx.services.own_prompts.pending(ctx.community.id)
    if not waiting:
        return [ctx.reply(ctx.t._("No prompt ideas are waiting. Thank you for keeping up!"))]
    return [ctx.reply(_card(ctx, idea)) for idea in waiting[:10]]


def _card(ctx: Context, idea: OwnPrompt) -> Message:
    by = (
        mention(MemberRef(ctx.member.platform, ctx.member.community, idea.author_id))
        if idea.author_id
        else None
    )
    return Message(
        text=f"“{idea.text}”",
        footer=ctx.t._("Suggested by {who}", who=by)
        if by
        else ctx.t._("Suggested by someone who asked not to be named"),
        buttons=(
            Button(ctx.t._("Accept"), ACCEPT, str(idea.id), "primary"),
            Button(ctx.t._("Set aside"), SET_ASIDE, str(idea.id)),
        ),
    )


async def _decide(ctx: Context, value: str, accept: bool) -> list[Intent]:
    decided = await ctx.services.own_prompts.decide(
        ctx.community.id, int(value) if value.isdigit() else -1, accept
    )
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
            ctx.services.directory,
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
    await ctx.services.own_prompts.add(ctx.community.id, _text(args))
    return [
        ctx.reply(
            ctx.t._(
                "Added to “{series}”. Schedule it with “prompt schedule series={series}”.",
                series=OWN_SERIES,
            )
        )
    ]


TEXT = Option("text", "text", N_("The prompt, as parents will read it"), required=True, rest=True)

FEATURE = Feature(
    name="suggestions",
    commands=(
        CommandSpec(
            path="prompt suggest",
            description=N_("Suggest a discussion prompt to the organizers"),
            # Text first, so it takes every word; anonymous=yes may come before it.
            options=(TEXT, Option("anonymous", "bool", N_("Leave your name off (yes or no)"))),
            handler=suggest,
        ),
        CommandSpec(
            path="prompt suggestions",
            description=N_("Review the prompt ideas members sent"),
            role=Role.ORGANIZER,
            handler=review,
        ),
        CommandSpec(
            path="prompt add",
            description=N_("Add a prompt to the group's own series"),
            options=(TEXT,),
            role=Role.ORGANIZER,
            handler=add,
        ),
    ),
    actions={
        ACCEPT: Action(accept, Role.ORGANIZER),
        SET_ASIDE: Action(set_aside, Role.ORGANIZER),
    },
)
