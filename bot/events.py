"""Inbound events: what an adapter hands the core, one frozen class per kind.

`event_id` is the platform's own delivery ID (Slack `event_id`, Discord interaction ID),
used to drop redeliveries. `member` carries hints the platform knows about the person
(their locale, whether they administer the workspace) so the core never asks a platform.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import TypedDict

from bot.refs import ConversationRef, MemberRef


@dataclass(frozen=True, slots=True)
class Actor:
    """Who caused an event, with what the platform says about them right now."""

    ref: MemberRef
    locale: str | None = None
    is_platform_admin: bool = False
    timezone: str | None = None


class Origin(TypedDict):
    """The fields every event a member causes shares, for building events of any kind."""

    event_id: str
    at: datetime
    conversation: ConversationRef
    actor: Actor


def _empty() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    event_id: str
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class MessagePosted(Event):
    """A member posted a message; `conversation.thread` is set for thread replies."""

    conversation: ConversationRef
    actor: Actor
    text: str
    is_direct: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyPosted(MessagePosted):
    """A message posted inside a thread (conversation.thread is the thread's root)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReactionAdded(Event):
    conversation: ConversationRef
    actor: Actor
    emoji: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandInvoked(Event):
    """A command: either raw `text` to parse (Slack, console) or typed `options` (Discord).

    `name` is the command path, like "role grant"; when only `text` is given the core
    finds the path in it. `target` is the message a message shortcut or context-menu
    command was run on, with `target_text` its text and `target_author` the platform ID
    of who wrote it (empty where the platform does not say).
    """

    conversation: ConversationRef
    actor: Actor
    name: str = ""
    text: str = ""
    options: Mapping[str, str] = field(default_factory=_empty)
    target: ConversationRef | None = None
    target_text: str = ""
    target_author: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ComponentSubmitted(Event):
    """A button press or select; `action_id` names the action, `value` the record."""

    conversation: ConversationRef
    actor: Actor
    action_id: str
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OptionTyped(Event):
    """A member is typing `option` of the command `command` (Discord's autocomplete).

    Not dispatched: it changes nothing and is answered with suggestions, never intents,
    so `Core.suggest` serves it without de-duplication or the outbox."""

    conversation: ConversationRef
    actor: Actor
    command: str
    option: str
    typed: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class FormSubmitted(Event):
    conversation: ConversationRef
    actor: Actor
    form_id: str
    values: Mapping[str, str] = field(default_factory=_empty)


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberJoined(Event):
    conversation: ConversationRef
    actor: Actor


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberLeft(Event):
    """`actor` left the community, or its platform account was deactivated (Slack's
    `user_change` with `deleted`): what they held (a liaison's questions) moves on."""

    conversation: ConversationRef
    actor: Actor


@dataclass(frozen=True, slots=True, kw_only=True)
class HomeOpened(Event):
    """A member opened the bot's home (Slack's App Home tab): show them their page."""

    conversation: ConversationRef
    actor: Actor


InboundEvent = (
    MessagePosted
    | ReactionAdded
    | CommandInvoked
    | ComponentSubmitted
    | FormSubmitted
    | MemberJoined
    | MemberLeft
    | HomeOpened
)
