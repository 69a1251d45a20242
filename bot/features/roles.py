"""`role grant/revoke/list`: organizers decide who is a liaison or an organizer.

Platform admins (Slack workspace admins, Discord members with Manage Server, the
console's organizer) are organizers from the start; every other role is kept here.
"""

from __future__ import annotations

from bot.commands import Args, CommandError, CommandSpec, Option
from bot.context import Context
from bot.directory import GRANTABLE_ROLES, Role
from bot.features import Feature
from bot.i18n import N_, NP_, Translator
from bot.intents import Ephemeral, Intent, Message
from bot.kernel import Kernel
from bot.notify import reader
from bot.people import PlatformMember
from bot.refs import MemberRef, mention

ROLE_CHOICES = tuple(role.value for role in GRANTABLE_ROLES)
_ROLE_WORDS = (NP_("choice", "liaison"), NP_("choice", "organizer"))  # typed in any language
MEMBER = Option(NP_("option", "member"), "member", N_("The member, like @name"), required=True)
ROLE = Option(
    NP_("option", "role"), "choice", N_("liaison or organizer"), required=True, choices=ROLE_CHOICES
)


def role_phrase(t: Translator, role: Role) -> str:
    """The role with its article, as in "Sam is now a liaison"."""
    return t._("a liaison") if role is Role.LIAISON else t._("an organizer")


def role_name(t: Translator, role: Role, count: int = 1) -> str:
    if role is Role.LIAISON:
        return t.ngettext("liaison", "liaisons", count)
    if role is Role.ORGANIZER:
        return t.ngettext("organizer", "organizers", count)
    return t.ngettext("parent", "parents", count)


def _chosen(args: Args) -> tuple[MemberRef, Role]:
    member, role = args.member("member"), args.text("role")
    if member is None or role is None:  # convert() guarantees both; this keeps mypy honest
        raise CommandError(N_("Please name a member and a role."))
    return member, Role(role)


async def _not_a_member(ctx: Context, member: MemberRef) -> Ephemeral:
    """Nobody by that name on the platform: say so, with the nearest name if there is one."""
    return ctx.reply((await ctx.not_found(member)).text(ctx.t))


async def grant(ctx: Context, args: Args) -> list[Intent]:
    member, role = _chosen(args)
    known = await ctx.kernel.directory.people.find(member)
    if known is None:
        return [await _not_a_member(ctx, member)]
    added = await ctx.kernel.directory.grant(member, role, granted_by=ctx.member)
    who = mention(member)
    if not added:
        return [
            ctx.reply(
                ctx.t._(
                    "{who} is already {role}, so nothing changed.",
                    who=who,
                    role=role_phrase(ctx.t, role),
                )
            )
        ]
    return [
        ctx.reply(ctx.t._("Done: {who} is now {role}.", who=who, role=role_phrase(ctx.t, role))),
        ctx.dm(member, await _welcome(ctx, member, role, known)),
    ]


async def _welcome(ctx: Context, member: MemberRef, role: Role, known: PlatformMember) -> Message:
    """A DM to the new role holder, in their own language (not the granter's)."""
    t = await reader(
        ctx.kernel.directory, member, default=ctx.community.default_language, known=known
    )
    # Only what Homeroom does today: each later feature adds its own words when it lands.
    if role is Role.LIAISON:
        text = t._(
            "Welcome! {who} made you a school liaison in Homeroom. Thank you for being a "
            "bridge between families and the school. Type “help” to see what you can do here.",
            who=mention(ctx.member),
        )
    else:
        text = t._(
            "Welcome! {who} made you an organizer in Homeroom. You can now set up the "
            "community, schedule prompts and give roles. Type “help” to see how.",
            who=mention(ctx.member),
        )
    return Message(text=text)


async def revoke(ctx: Context, args: Args) -> list[Intent]:
    member, role = _chosen(args)
    known = await ctx.kernel.directory.people.find(member)
    removed = await ctx.kernel.directory.revoke(member, role)
    who, name = mention(member), role_phrase(ctx.t, role)
    if role is Role.ORGANIZER and known is not None and known.is_admin:
        # Homeroom cannot take away what the platform gives: its admins stay organizers.
        return [
            ctx.reply(
                ctx.t._(
                    "{who} is an admin of this workspace or server, and platform admins are "
                    "organizers by their platform role, so they stay an organizer. Only the "
                    "platform's own settings can change that.",
                    who=who,
                )
            )
        ]
    if not removed and known is None:
        return [await _not_a_member(ctx, member)]
    if not removed:
        return [ctx.reply(ctx.t._("{who} isn't {role}, so nothing changed.", who=who, role=name))]
    return [ctx.reply(ctx.t._("Done: {who} is no longer {role}.", who=who, role=name))]


async def list_roles(ctx: Context, args: Args) -> list[Intent]:
    only = args.text("role")
    holders = await ctx.kernel.directory.members_with_roles(ctx.conversation.community_ref)
    fields: list[tuple[str, str]] = []
    for role in GRANTABLE_ROLES:
        if only and role.value != only:
            continue
        names = [f"<@{user}>" for user, held in holders if held is role]
        if names:
            fields.append((role_name(ctx.t, role, len(names)).capitalize(), ", ".join(names)))
    if not fields and only == Role.LIAISON.value:
        text = ctx.t._(
            "No one is a liaison here yet. Organizers can make someone one with "
            "“role grant @name liaison”."
        )
    elif not fields and only == Role.ORGANIZER.value:
        text = ctx.t._(
            "No one has been made an organizer here yet; platform admins are organizers "
            "already. Organizers can make someone one with “role grant @name organizer”."
        )
    elif not fields:
        text = ctx.t._(
            "No one has a role here yet. Organizers can give one with “role grant @name liaison”."
        )
    else:
        text = ctx.t._("Who does what in this community:")
    # Said once: the empty organizer list already names platform admins.
    said = not fields and only == Role.ORGANIZER.value
    footer = None if said else ctx.t._("Workspace and server admins are organizers too.")
    return [ctx.reply(Message(text=text, fields=tuple(fields), footer=footer))]


FEATURE = Feature(
    name="roles",
    commands=(
        CommandSpec(
            path="role grant",
            description=N_("Make a member a liaison or an organizer"),
            options=(MEMBER, ROLE),
            role=Role.ORGANIZER,
            handler=grant,
        ),
        CommandSpec(
            path="role revoke",
            description=N_("Take a role away from a member"),
            options=(MEMBER, ROLE),
            role=Role.ORGANIZER,
            handler=revoke,
        ),
        CommandSpec(
            path="role list",
            description=N_("See who is a liaison or an organizer"),
            options=(
                Option(NP_("option", "role"), "choice", N_("Only this role"), choices=ROLE_CHOICES),
            ),
            role=Role.ORGANIZER,
            handler=list_roles,
        ),
    ),
)


def build(kernel: Kernel) -> Feature:
    """This feature needs nothing of its own from the kernel."""
    return FEATURE
