"""Slack payloads -> core events. Pure functions: the actor (who, their locale, whether
they administer the workspace) is looked up by the adapter and passed in.

Event IDs: the Events API's `event_id` (what Slack repeats on a retry), and for
interactions the `trigger_id`, which is unique per user action.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from adapters.slack.blocks import FORM_CALLBACK, action_id_of, chosen_values, submitted_values
from bot.events import (
    Actor,
    CommandInvoked,
    ComponentSubmitted,
    Event,
    FormSubmitted,
    HomeOpened,
    MemberLeft,
    MessagePosted,
    ReactionAdded,
    ReplyPosted,
)
from bot.refs import ConversationRef

PLATFORM = "slack"
# Message subtypes that are a person talking; edits, joins and bots' posts are not.
SPOKEN_SUBTYPES = {None, "thread_broadcast", "file_share", "me_message"}


def _now() -> datetime:
    return datetime.now(UTC)


def team_of(body: dict[str, Any]) -> str:
    team = body.get("team_id") or body.get("team") or body.get("user", {}).get("team_id")
    if isinstance(team, dict):
        team = team.get("id")
    if not team:
        raise ValueError("payload names no team")
    return str(team)


def user_of(body: dict[str, Any]) -> str:
    user = body.get("user_id") or body.get("user")
    if isinstance(user, dict):
        user = user.get("id")
    if not user:
        raise ValueError("payload names no user")
    return str(user)


def delivery_id(body: dict[str, Any]) -> str:
    """The ID Slack repeats when it delivers this payload again: the key it is kept
    under. It is also the core event's ID (for a button press, its first action's)."""
    kind = body.get("type")
    if kind == "event_callback":
        return str(body["event_id"])
    if kind == "block_actions":
        first = (body.get("actions") or [{}])[0]
        return f"{body['trigger_id']}:{first.get('action_ts', '')}"
    if kind == "view_submission":
        return f"{body['view']['id']}:{body['view'].get('hash', '')}"
    return str(body["trigger_id"])  # slash commands and shortcuts


def from_a_member(body: dict[str, Any]) -> bool:
    """An Events API payload worth keeping: a member did something (not a bot, not an
    edit, which names no user). Of the profile changes Slack sends for everyone
    (`user_change`), only a deactivation is kept: a member who left."""
    event = body.get("event")
    if not isinstance(event, dict) or not event.get("user") or event.get("bot_id"):
        return False
    if event.get("type") == "user_change":
        user = event["user"]
        return isinstance(user, dict) and bool(user.get("deleted"))
    return True


def event_user(body: dict[str, Any]) -> str:
    """Who an Events API event is about: a user ID, or the user object's (user_change)."""
    return user_of(body["event"])


def command_event(body: dict[str, Any], actor: Actor, main: str = "/homeroom") -> CommandInvoked:
    """`/homeroom role list` -> "role list". Another slash command in the manifest runs
    the command of its name: `/ask Is there a bus?` -> "ask Is there a bus?"."""
    text = (body.get("text") or "").strip()
    command = str(body.get("command") or main)
    if command != main:
        text = f"{command.lstrip('/')} {text}".strip()
    return CommandInvoked(
        event_id=body["trigger_id"],
        at=_now(),
        conversation=ConversationRef(PLATFORM, team_of(body), body["channel_id"]),
        actor=actor,
        text=text or "help",
    )


def _container(body: dict[str, Any]) -> ConversationRef:
    container = body.get("container", {})
    channel = container.get("channel_id") or body.get("channel", {}).get("id") or ""
    thread = container.get("thread_ts")
    return ConversationRef(PLATFORM, team_of(body), channel, thread, container.get("message_ts"))


def action_event(body: dict[str, Any], action: dict[str, Any], actor: Actor) -> ComponentSubmitted:
    return ComponentSubmitted(
        event_id=f"{body['trigger_id']}:{action.get('action_ts', '')}",
        at=_now(),
        conversation=_container(body),
        actor=actor,
        action_id=action_id_of(action["action_id"]),
        value=chosen_values(action),
    )


def form_event(body: dict[str, Any], actor: Actor) -> FormSubmitted:
    view = body["view"]
    if view.get("callback_id") != FORM_CALLBACK:
        raise ValueError(f"unexpected view callback {view.get('callback_id')!r}")
    where = json.loads(view.get("private_metadata") or "{}")
    return FormSubmitted(
        event_id=f"{view['id']}:{view.get('hash', '')}",
        at=_now(),
        conversation=ConversationRef(
            PLATFORM, team_of(body), where.get("channel", ""), where.get("thread")
        ),
        actor=actor,
        form_id=where.get("form_id", ""),
        values=submitted_values(view.get("state", {})),
    )


def shortcut_event(body: dict[str, Any], actor: Actor) -> CommandInvoked:
    """A message shortcut `homeroom.<command path>` runs that command on the message."""
    message = body.get("message", {})
    channel = body.get("channel", {}).get("id", "")
    where = ConversationRef(PLATFORM, team_of(body), channel, message.get("thread_ts"))
    return CommandInvoked(
        event_id=body["trigger_id"],
        at=_now(),
        conversation=where,
        actor=actor,
        name=body["callback_id"].removeprefix("homeroom.").replace(".", " "),
        target=ConversationRef(
            PLATFORM, where.community, channel, message.get("thread_ts"), message.get("ts")
        ),
        target_text=message.get("text", ""),
        target_author=str(message.get("user", "")),
    )


def message_event(body: dict[str, Any], actor: Actor) -> MessagePosted | None:
    """A person's message; None for edits, joins and bots' messages."""
    event = body["event"]
    if event.get("subtype") not in SPOKEN_SUBTYPES or event.get("bot_id"):
        return None
    thread = event.get("thread_ts")
    is_reply = bool(thread and thread != event["ts"])
    kind = ReplyPosted if is_reply else MessagePosted
    return kind(
        event_id=body["event_id"],
        at=_now(),
        conversation=ConversationRef(
            PLATFORM, team_of(body), event["channel"], thread if is_reply else None, event["ts"]
        ),
        actor=actor,
        text=event.get("text") or "",
        is_direct=event.get("channel_type") == "im",
    )


def reaction_event(body: dict[str, Any], actor: Actor) -> ReactionAdded | None:
    event = body["event"]
    item = event.get("item", {})
    if item.get("type") != "message":
        return None
    return ReactionAdded(
        event_id=body["event_id"],
        at=_now(),
        conversation=ConversationRef(PLATFORM, team_of(body), item["channel"], message=item["ts"]),
        actor=actor,
        emoji=event["reaction"],
    )


def member_left(body: dict[str, Any], actor: Actor) -> MemberLeft | None:
    """A deactivated account (`user_change` with `deleted`): the member left."""
    user = body["event"]["user"]
    if not user.get("deleted"):
        return None
    return MemberLeft(
        event_id=body["event_id"],
        at=_now(),
        conversation=ConversationRef(PLATFORM, team_of(body), ""),
        actor=actor,
    )


def home_event(body: dict[str, Any], actor: Actor) -> Event | None:
    event = body["event"]
    if event.get("tab") != "home":
        return None
    return HomeOpened(
        event_id=body["event_id"],
        at=_now(),
        conversation=ConversationRef(PLATFORM, team_of(body), event.get("channel", "")),
        actor=actor,
    )
