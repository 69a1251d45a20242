"""`setup`: an organizer sets the community's time zone, languages, liaison queue
channel and parent groups. With no options it opens a form filled with what is set."""

from __future__ import annotations

from bot.commands import Args, CommandSpec, Option
from bot.context import Context
from bot.directory import CommunitySettings, GroupPurpose, Role
from bot.features import Feature
from bot.i18n import N_, NP_
from bot.intents import Form, FormField, Intent, Message, OpenForm
from bot.refs import ConversationRef, channel_link

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
    Option(
        NP_("option", "queue"),
        "channel",
        N_("The private channel where liaisons get parents' questions"),
    ),
    Option(NP_("option", "group"), "channel", N_("A channel where a parent group talks")),
)


def summary(ctx: Context, settings: CommunitySettings) -> Message:
    """How the community is set up, with the time shown in the reader's zone."""
    none = ctx.t._("not set yet")

    def channels(purpose: GroupPurpose) -> str:
        found = settings.groups.get(purpose, ())
        return ", ".join(f"<#{c}>" for c in found) or none

    now_there = ctx.t.when(ctx.services.clock.now(), settings.timezone)
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
    return OpenForm(
        to=ctx.conversation,
        member=ctx.member,
        form=Form(
            form_id="command:setup",
            title=ctx.t._("Set up Homeroom"),
            fields=fields,
            submit_label=ctx.t._("Save"),
        ),
        in_reply_to=ctx.event.event_id,
    )


async def setup(ctx: Context, args: Args) -> list[Intent]:
    if not args.values:
        return [_form(ctx)]
    queue = args.channel("queue")
    group = args.channel("group")
    before = ctx.community
    after = await ctx.services.directory.update_community(
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


def _queue_welcome(ctx: Context, settings: CommunitySettings) -> Message:
    # Posted in the queue channel, so in the community's main language.
    from bot.i18n import translator

    t = translator(settings.default_language)
    return Message(
        text=t._(
            "This channel is now the liaison queue. Parents' questions for the school "
            "will arrive here, so liaisons can pick them up and answer."
        )
    )


def queue_link(settings: CommunitySettings) -> str | None:
    """The liaison queue channel as a link, once an organizer has chosen one."""
    if settings.queue_channel is None:
        return None
    ref = settings.ref
    return channel_link(ConversationRef(ref.platform, ref.community, settings.queue_channel))


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
