"""What a handler knows about the request it serves, and helpers to answer it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from types import MappingProxyType
from typing import TYPE_CHECKING

from bot.commands import CommandError
from bot.directory import CommunitySettings, MemberProfile, Role
from bot.events import Actor, Event
from bot.i18n import N_, Translator, pick_language
from bot.intents import DirectMessage, Ephemeral, Form, Message, OpenForm, Post
from bot.refs import NO_COMMUNITY, CommunityRef, ConversationRef, MemberRef, mention

if TYPE_CHECKING:
    from bot.kernel import Kernel


# The one way to say "only organizers": the core's role checks and any feature that
# refuses on its own (a button only an author or an organizer may press) use these.
ROLE_NEEDED: Mapping[Role, str] = MappingProxyType(
    {
        Role.ORGANIZER: N_(
            "Only organizers can do that. If you help run this group, "
            "an organizer can give you the role with “role grant”."
        ),
        Role.LIAISON: N_("Only school liaisons can do that."),
    }
)


# How to run a command on a message, by how the platform offers it
# (`Capabilities.message_actions`): {action} is the action's label in the reader's
# language, {command} the command typed in a terminal.
ON_A_MESSAGE: Mapping[str, str] = MappingProxyType(
    {
        "menu": N_(
            "This works on a message: choose “{action}” in the message's menu (More actions)."
        ),
        "apps": N_(
            "This works on a message: in the message's menu (right-click it, or press and "
            "hold it on a phone), choose Apps, then “{action}”."
        ),
        "typed": N_(
            "This works on a message: type “:on N {command}”, where N is the message's number."
        ),
    }
)


def needs_role(role: Role, t: Translator) -> str:
    """What a member without `role` is told, in their language."""
    return t._(ROLE_NEEDED[role])


def reader_language(profile: MemberProfile, actor: Actor, community: CommunitySettings) -> str:
    """The language a member is answered in: the one they chose (`me settings`), then
    their app's, then their community's first."""
    return pick_language(profile.language, actor.locale, default=community.default_language)


@dataclass(frozen=True, slots=True)
class Context:
    """Who asked, where, in which language and with which roles; the generic services
    (`kernel`); and `own`, the state of the feature whose handler runs (see
    `bot.features.Feature.state`)."""

    kernel: Kernel
    event: Event
    conversation: ConversationRef
    actor: Actor
    profile: MemberProfile
    community: CommunitySettings
    t: Translator
    own: object = None

    @property
    def member(self) -> MemberRef:
        return self.actor.ref

    def owned_by(self, own: object) -> Context:
        """This context for a handler of the feature whose state is `own` (itself when it
        already is: no copy for every command of a feature without state)."""
        return self if own is self.own else replace(self, own=own)

    @property
    def roles(self) -> frozenset[Role]:
        """Granted roles, plus organizer for the platform's own admins."""
        if self.actor.is_platform_admin:
            return _with_organizer(self.profile.roles)
        return self.profile.roles

    def may(self, role: Role) -> bool:
        """Organizers may do what liaisons may; everyone may do what parents may."""
        roles = self.roles
        if role is Role.PARENT or Role.ORGANIZER in roles:
            return True
        return role in roles

    @property
    def timezone(self) -> str:
        """The reader's own zone: their choice, then the platform's, then the community's."""
        return self.profile.timezone or self.actor.timezone or self.community.timezone

    async def seen_in(self, community: CommunityRef) -> Context:
        """This context as seen in `community`, when the event came from a direct
        message that belongs to no community (`NO_COMMUNITY`: Discord's DMs carry no
        server) and a feature knows from its own record which community it is about:
        the member, their roles and the community's settings there. Any other event
        is already in its community: itself."""
        if self.member.community != NO_COMMUNITY or community.platform != self.member.platform:
            return self
        directory = self.kernel.directory
        member = MemberRef(community.platform, community.community, self.member.id)
        return replace(
            self,
            actor=replace(self.actor, ref=member),
            profile=await directory.profile(member),
            community=await directory.community(community),
        )

    async def not_found(
        self, member: MemberRef, option: str | None = None, *, changing: bool = True
    ) -> CommandError:
        """The refusal for a member the platform doesn't know, with the nearest name when
        there is one ("Did you mean @sam?"); "so nothing changed" only where something
        would have (`changing`), not after a lookup."""
        nearest = await self.kernel.directory.people.nearest(member)
        values = {"who": "@" + member.id}
        if nearest is not None:
            values["guess"] = mention(MemberRef(member.platform, member.community, nearest.id))
            said = (
                N_(
                    "I can't find {who} in this community, so nothing changed. "
                    "Did you mean {guess}?"
                )
                if changing
                else N_("I can't find {who} in this community. Did you mean {guess}?")
            )
        else:
            said = (
                N_(
                    "I can't find {who} in this community, so nothing changed. "
                    "Mention the member as the platform suggests, like @name."
                )
                if changing
                else N_(
                    "I can't find {who} in this community. "
                    "Mention the member as the platform suggests, like @name."
                )
            )
        return CommandError(said, values, option)

    def on_a_message(self, action: str, command: str) -> CommandError:
        """The refusal of a message action run without a message: how to run it on one,
        as the member's platform offers it (`action` is the action's msgid)."""
        how = self.kernel.outbox.capabilities(self.conversation.platform).message_actions
        return CommandError(ON_A_MESSAGE[how], {"action": self.t._(action), "command": command})

    def reply(self, text: str | Message) -> Ephemeral:
        """An answer only the member who asked sees."""
        message = text if isinstance(text, Message) else Message(text=text)
        return Ephemeral(
            to=self.conversation,
            member=self.member,
            message=message,
            in_reply_to=self.event.event_id,
        )

    def post(self, message: Message, to: ConversationRef | None = None) -> Post:
        return Post(to=to or self.conversation, message=message, in_reply_to=self.event.event_id)

    def dm(self, member: MemberRef, message: Message) -> DirectMessage:
        return DirectMessage(member=member, message=message)

    def form(self, form: Form) -> OpenForm:
        """A form for the member who asked (a modal, or the core's dialogue)."""
        return OpenForm(
            to=self.conversation, member=self.member, form=form, in_reply_to=self.event.event_id
        )


@cache
def _with_organizer(roles: frozenset[Role]) -> frozenset[Role]:
    """`roles` and organizer: one set for each of the few role sets there are, so a
    handler that asks several times (help keys its memos by it) builds and hashes none."""
    return roles | {Role.ORGANIZER}
