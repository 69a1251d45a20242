"""`help [topic]`: what this member can do here, in their language."""

from __future__ import annotations

import difflib

from bot.commands import (
    Args,
    CommandSpec,
    Option,
    accepted_values,
    command_word_roots,
    excerpt,
    fold,
    option_word,
    subcommand_words,
)
from bot.context import Context
from bot.features import Feature
from bot.i18n import N_, NP_
from bot.intents import Button, Choice, Intent, Message
from bot.kernel import Kernel

TOPIC_ACTION = "help.topic"
MAX_TOPIC_BUTTONS = 5  # one row of buttons on Discord


def _visible(ctx: Context) -> tuple[CommandSpec, ...]:
    """The commands this member may use, in the order they were declared: the same for
    everyone with the same roles, so worked out once per role set."""
    commands = ctx.kernel.commands
    return commands.memo(
        ("help.visible", ctx.roles),
        lambda: tuple(spec for spec in commands.all() if ctx.may(spec.role)),
    )


def _topics(ctx: Context) -> list[str]:
    """Command roots the member may use, in the order they were declared."""
    commands = ctx.kernel.commands
    return list(
        commands.memo(
            ("help.topics", ctx.roles),
            lambda: tuple(dict.fromkeys(spec.root for spec in _visible(ctx))),
        )
    )


def _line(ctx: Context, spec: CommandSpec) -> str:
    """`• role grant <miembro> <rol> — ...`: option names as this reader types them."""
    usage = " ".join(
        f"<{ctx.t.option_name(o.name)}>" if o.required else f"[{ctx.t.option_name(o.name)}]"
        for o in spec.options
    )
    return f"• {spec.path} {usage}".rstrip() + f" — {ctx.t._(spec.description)}"


def overview(ctx: Context) -> Message:
    """Everything the member may do, with a button per topic."""
    topics = _topics(ctx)
    lines = [_line(ctx, s) for s in _visible(ctx)]
    return Message(
        title=ctx.t._("Homeroom help"),
        # Only what Homeroom does today: each later feature adds its own words.
        text=ctx.t._(
            "I post a weekly discussion prompt here, take your ideas for more, and run "
            "the group's polls. Here is what you can do:"
        )
        + "\n"
        + "\n".join(lines),
        buttons=tuple(
            Button(label=topic, action_id=TOPIC_ACTION, value=topic)
            for topic in topics[:MAX_TOPIC_BUTTONS]
        )
        if len(topics) > 1
        else (),
        footer=ctx.t._(
            "Type “help <{topic}>” for more, for example “help {example}”.",
            topic=ctx.t.option_name("topic"),
            example=topics[-1],
        )
        if len(topics) > 1
        else None,
    )


def _option_line(ctx: Context, option: Option) -> str:
    """An option as the reader types it, what it is for, and the values it takes."""
    line = f"    {option_word(option, ctx.t)}: {ctx.t._(option.description)}"
    values = accepted_values(option, ctx.t)
    return line + (" — " + ctx.t._("one of: {values}", values=values) if values else "")


def topic_of(ctx: Context, word: str) -> str:
    """The topic a member means by `word`: a topic's own word, its word in another
    language (`encuesta` for `poll`, as commands take them: bot.i18n.words), its plural
    ("polls", "prompts"), or a near miss of one ("promt"); else `word` as it is."""
    topics = _topics(ctx)
    if word in topics:
        return word
    translated = command_word_roots(tuple(ctx.kernel.commands.roots())).get(fold(word))
    if translated in topics:
        return translated
    for topic in topics:
        if word in (topic + "s", topic + "es"):
            return topic
    near = difflib.get_close_matches(word, topics, n=1, cutoff=0.8)
    return near[0] if near else word


def topic_help(ctx: Context, topic: str) -> Message:
    """Help on a topic (`help poll`), or on one of its commands (`help poll create`):
    a word after the topic that names none of its commands shows the whole topic."""
    first, _, command = topic.strip().partition(" ")
    topic = topic_of(ctx, first)
    # The topic's commands for these roles: looked up once per role set and topic (the
    # memo is emptied when a command is added), not by splitting every path each time.
    specs = ctx.kernel.commands.memo(
        ("help.specs", ctx.roles, topic),
        lambda: tuple(s for s in _visible(ctx) if s.root == topic),
    )
    typed = " ".join(command.split())
    if typed:
        meant = (typed, *subcommand_words(ctx.kernel.commands.paths()).get(fold(typed), ()))
        one = tuple(s for s in specs if s.path in {f"{topic} {word}" for word in meant})
        if one:
            specs, topic = one, one[0].path
    if not specs:
        return Message(
            text=ctx.t._(
                "I have no help on “{topic}” yet. These topics have some: {topics}.",
                topic=excerpt(topic),
                topics=", ".join(_topics(ctx)),
            )
        )
    # The same page for everyone with these roles and this language: written once.
    return ctx.kernel.commands.memo(
        ("help.page", ctx.roles, ctx.t.language, topic), lambda: _topic_page(ctx, topic, specs)
    )


def _topic_page(ctx: Context, topic: str, specs: tuple[CommandSpec, ...]) -> Message:
    lines: list[str] = []
    for spec in specs:
        lines.append(_line(ctx, spec))
        lines.extend(_option_line(ctx, o) for o in spec.options)
    return Message(title=ctx.t._("Help: {topic}", topic=topic), text="\n".join(lines))


async def complete_topic(ctx: Context, typed: str) -> list[Choice]:
    """Topics this member may read about that contain what they typed."""
    wanted = fold(typed.strip())
    return [Choice(topic, topic) for topic in _topics(ctx) if wanted in fold(topic)]


async def show_help(ctx: Context, args: Args) -> list[Intent]:
    topic = " ".join(w for w in (args.text("topic"), args.text("command")) if w)
    return [ctx.reply(topic_help(ctx, topic.lower()) if topic else overview(ctx))]


async def press_topic(ctx: Context, value: str) -> list[Intent]:
    return [ctx.reply(topic_help(ctx, value))]


FEATURE = Feature(
    name="help",
    commands=(
        CommandSpec(
            path="help",
            description=N_("Show what Homeroom can do for you"),
            options=(
                Option(
                    NP_("option", "topic"),
                    "str",
                    N_("A command to explain, like role"),
                    complete=complete_topic,
                ),
                Option(
                    NP_("option", "command"),
                    "str",
                    N_("Only this one of its commands, like create"),
                ),
            ),
            handler=show_help,
        ),
    ),
    actions={TOPIC_ACTION: press_topic},
)


def build(kernel: Kernel) -> Feature:
    """This feature needs nothing of its own from the kernel."""
    return FEATURE
