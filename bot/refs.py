"""Platform-neutral addresses of people and places.

Every ID here is the platform's own (a Slack user ID, a Discord snowflake, a console name):
we store IDs, never display names, because names change and IDs do not. Threads are a
first-class field so no feature ever has to dig them out of a raw payload.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# The community of a direct message that belongs to none: Discord's DMs carry no server
# (Slack's belong to the workspace). A feature that must find the member's own records
# from such a DM looks for them in each community of the platform.
NO_COMMUNITY = "dm"


@dataclass(frozen=True, slots=True)
class CommunityRef:
    """One Slack workspace or Discord server (or the console's demo community)."""

    platform: str
    community: str


@dataclass(frozen=True, slots=True)
class ConversationRef:
    """A channel, optionally a thread in it, optionally one message."""

    platform: str
    community: str
    channel: str
    thread: str | None = None
    message: str | None = None

    @property
    def community_ref(self) -> CommunityRef:
        return CommunityRef(self.platform, self.community)

    def in_thread(self, thread: str) -> ConversationRef:
        """The same channel, inside the thread that starts at `thread`."""
        return replace(self, thread=thread, message=None)

    def channel_only(self) -> ConversationRef:
        return ConversationRef(self.platform, self.community, self.channel)

    @property
    def lane(self) -> str:
        """The key the outbox paces by: platforms limit posting per channel."""
        return f"{self.platform}:{self.community}:{self.channel}"


@dataclass(frozen=True, slots=True)
class MemberRef:
    """A person on one platform in one community."""

    platform: str
    community: str
    id: str

    @property
    def community_ref(self) -> CommunityRef:
        return CommunityRef(self.platform, self.community)


def mention(member: MemberRef) -> str:
    """The mention token adapters render natively (Slack and Discord share `<@ID>`)."""
    return f"<@{member.id}>"


def channel_link(conversation: ConversationRef) -> str:
    """The channel token adapters render as a link."""
    return f"<#{conversation.channel}>"
