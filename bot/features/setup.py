"""`setup`: an organizer sets the community's time zone, languages, liaison queue
channel and parent groups. With no options it opens a form filled with what is set."""

from __future__ import annotations

from bot.commands import Args, CommandError, CommandSpec, Option
from bot.context import Context
from bot.directory import CommunitySettings, GroupPurpose, Role
from bot.features import Feature
from bot.i18n import N_, NP_
from bot.intents import Form, FormField, Intent, Message, OpenForm
from bot.kernel import Kernel
from bot.refs import ConversationRef, channel_link
from bot.render import in_languages

OPTIONS = (
    Option(
        NP_("option", "timezone"),
        "timezone",
        N_("The community's time zone, like America/New_York"),
    ),
    Option(
        NP_("option", "languages"),
        "languages",
        N_("Languages the group uses, like en,es (first is the main one)"),
    ),
    Option(NP_("option", "queue"), "channel", N_("The liaisons' private channel")),
    Option(NP_("option", "group"), "channel", N_("A channel where a parent group talks")),
)


def summary(ctx: Context, settings: CommunitySettings) -> Message:
    """How the community is set up, with the time shown in the reader's zone."""
    none = ctx.t._("not set yet")

    def channels(purpose: GroupPurpose) -> str:
        found = settings.groups.get(purpose, ())
        return ", ".join(f"<#{c}>" for c in found) or none

    now_there = ctx.t.when(ctx.kernel.clock.now(), settings.timezone)
    return Message(
        title=ctx.t._("Homeroom setup"),
        text=ctx.t._("Here is how Homeroom is set up for this community."),
        fields=(
            (
                ctx.t._("Time zone"),
                ctx.t._("{zone} (there it is {now})", zone=settings.timezone, now=now_there),
            ),
            (
                ctx.t._("Languages"),
                ", ".join(ctx.t.language_name(code) for code in settings.languages),
            ),
            (ctx.t._("Liaison queue"), channels(GroupPurpose.LIAISONS)),
            (ctx.t._("Parent groups"), channels(GroupPurpose.PARENTS)),
        ),
    )


def _form(ctx: Context) -> OpenForm:
    current = ctx.community
    defaults = {
        "timezone": current.timezone,
        "languages": ",".join(current.languages),
        "queue": f"<#{current.queue_channel}>" if current.queue_channel else None,
        "group": None,
    }
    kinds = {
        "timezone": "timezone",
        "languages": "languages",
        "queue": "channel",
        "group": "channel",
    }
    fields = tuple(
        FormField(
            name=o.name,
            label=ctx.t._(o.description),
            kind=kinds[o.name],  # type: ignore[arg-type]
            required=False,
            default=defaults[o.name],
        )
        for o in OPTIONS
    )
    return ctx.form(
        Form(
            form_id="command:setup",
            title=ctx.t._("Set up Homeroom"),
            fields=fields,
            submit_label=ctx.t._("Save"),
        )
    )


async def setup(ctx: Context, args: Args) -> list[Intent]:
    if not args.values:
        return [_form(ctx)]
    queue = args.channel("queue")
    group = args.channel("group")
    before = ctx.community
    if queue is not None:
        await _check_queue(ctx, queue, group)
    if group is not None and queue is None and group.channel == before.queue_channel:
        raise CommandError(
            N_(
                "{channel} is the liaisons' private channel, so it can't be a parent group "
                "too. Choose another channel for the parents."
            ),
            {"channel": channel_link(group)},
            option="group",
        )
    after = await ctx.kernel.directory.update_community(
        ctx.conversation.community_ref,
        timezone=args.text("timezone"),
        languages=args.languages("languages"),
        queue_channel=queue.channel if queue else None,
        parent_group=group.channel if group else None,
    )
    intents: list[Intent] = [ctx.reply(summary(ctx, after))]
    if queue and queue.channel != before.queue_channel:
        intents.append(ctx.post(_queue_welcome(ctx, after), to=queue))
    return intents


async def _check_queue(ctx: Context, queue: ConversationRef, group: ConversationRef | None) -> None:
    """The liaisons' channel is for staff: never a parent group, and never a channel
    everyone can read, where the platform tells us which channels are private."""
    parents = ctx.community.groups.get(GroupPurpose.PARENTS, ())
    if queue.channel in parents or (group is not None and group.channel == queue.channel):
        raise CommandError(
            N_(
                "{channel} is a parent group, so it can't be the liaisons' channel: parents "
                "would read what is meant for school staff. Choose a private channel."
            ),
            {"channel": channel_link(queue)},
            option="queue",
        )
    if await ctx.kernel.channels.is_private(queue) is False:
        raise CommandError(
            N_(
                "{channel} is a public channel, so everyone could read it. The liaisons' "
                "channel must be private: make it private or choose a private one."
            ),
            {"channel": channel_link(queue)},
            option="queue",
        )


def _queue_welcome(ctx: Context, settings: CommunitySettings) -> Message:
    """Posted in the queue channel, so in each of the community's languages."""
    return in_languages(
        settings.languages,
        lambda t: Message(
            text=t._(
                "This is now the liaisons' channel in Homeroom, "
                "for the school staff who work with the parents' groups."
            )
        ),
    )


FEATURE = Feature(
    name="setup",
    commands=(
        CommandSpec(
            path="setup",
            description=N_("Set the time zone, languages and channels"),
            options=OPTIONS,
            role=Role.ORGANIZER,
            handler=setup,
        ),
    ),
)


def build(kernel: Kernel) -> Feature:
    """This feature needs nothing of its own from the kernel."""
    return FEATURE
