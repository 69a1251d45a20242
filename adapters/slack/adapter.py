"""Slack adapter: Bolt's AsyncApp in, the Web API out, and nothing about features.

Inbound: every payload is kept (committed with its ID, bot.inbox) before it is acked,
which Slack wants within 3 s; only then is the member looked up (users.info, cached)
and the event handled, in the background. A commit that fails is not acked.
Outbound: the outbox calls `deliver(intent)`, which maps each intent to one Web API
call; a 429 becomes RetryAfter, an error that can never succeed becomes
PermanentFailure, anything else is retried.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.ports import port_problem
from adapters.retry import Backoff, describe, retry_after_seconds
from adapters.slack import blocks, inbound
from adapters.slack.socket import SocketClient, refusal
from bot.app import Homeroom
from bot.capabilities import Capabilities, RateLimits
from bot.delivery import PermanentFailure, RetryAfter
from bot.events import Actor, CommandInvoked, Event, MemberLeft
from bot.intents import (
    Attachment,
    Button,
    DirectMessage,
    Ephemeral,
    Image,
    Intent,
    Message,
    OpenForm,
    Pin,
    Post,
    PublishHome,
    React,
    Update,
)
from bot.people import PlatformMember
from bot.refs import MemberRef
from bot.settings import Settings, StartFailure
from bot.unavailable import Unavailable

log = logging.getLogger(__name__)

# Errors no retry can fix: the channel or user is gone, or the bot may not post there.
PERMANENT_ERRORS = {
    "already_pinned",
    "no_pin",
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "user_not_found",
    "user_not_visible",
    "cannot_dm_bot",
    "invalid_blocks",
    "msg_too_long",
    "no_text",
    "restricted_action",
    "account_inactive",
    "invalid_auth",
    "not_authed",
    "missing_scope",
}
# What a payload missing or mistyping a field Slack always sends raises when read.
UNREADABLE = (KeyError, ValueError, TypeError, AttributeError, IndexError)
MEMBER_CACHE_SECONDS = 3600.0
REPLY_HANDLE_SECONDS = 25 * 60  # response_url lives 30 minutes
TRIGGER_SECONDS = 2.5  # a trigger_id lives 3 seconds
REOPEN_FORM = "homeroom.form.reopen"
EMOJI_NAMES = {"✅": "white_check_mark", "👍": "+1", "❤️": "heart", "🎉": "tada", "👀": "eyes"}
EVENT_KINDS: dict[str, Callable[[dict[str, Any], Actor], Event | None]] = {
    "message": inbound.message_event,
    "reaction_added": inbound.reaction_event,
    "app_home_opened": inbound.home_event,
    "user_change": inbound.member_left,
}

# A sent message carries its outbox row's key in Slack's message metadata, so that after
# a crash `find_delivered` can tell whether it arrived. The window bounds that read: a row
# in flight longer than this before a restart is sent again.
METADATA_TYPE = "homeroom_outbox"
FIND_WINDOW = 30 * 60.0  # seconds
FIND_LIMIT = 100
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


class SlackAdapter:
    platform = "slack"
    # 25 elements an actions block: a card with more choices offers a select menu (a
    # static_select, or multi_static_select up to max_selected_items) instead. Images go
    # up with files_upload_v2 and show in an image block (slack_file), so an edit of the
    # card can change its picture.
    capabilities = Capabilities(home=True, max_text=12000, max_buttons=25, images=True)
    # chat.postMessage: about one a second per channel, bursts allowed, and a workspace
    # cap; private answers go mostly to response_url and views.*, limited apart.
    limits = RateLimits(
        per_channel=1.0,
        per_channel_burst=3,
        overall=20.0,
        overall_burst=20,
        private=500.0,
        private_burst=100,
        # chat.update is a Tier 3 method: "50+ per minute", "per API method per
        # workspace/team per app", sporadic bursts welcome
        # (https://docs.slack.dev/apis/web-api/rate-limits). So edits share one bucket
        # per workspace at 50 a minute, bursts of 10, and one message is edited at most
        # once a second (a card that changes faster is not read faster).
        per_message_edit=1.0,
        edits=50 / 60,
        edits_burst=10,
        edits_shared_by="community",
    )

    def __init__(self, homeroom: Homeroom, settings: Settings) -> None:
        self.homeroom = homeroom
        self.settings = settings
        base_url = (settings.slack_api_url or AsyncWebClient.BASE_URL).rstrip("/") + "/"
        # No retries inside slack_sdk (each logs a line and sleeps): the outbox retries
        # deliveries and the socket retries connecting, each with its own backoff.
        self.client = AsyncWebClient(
            token=settings.slack_bot_token, base_url=base_url, retry_handlers=[]
        )
        bolt_log = logging.getLogger("slack_bolt.AsyncApp")
        if _not_token_skipped not in bolt_log.filters:
            bolt_log.addFilter(_not_token_skipped)
        self.app = AsyncApp(
            client=self.client,
            signing_secret=settings.slack_signing_secret,
            request_verification_enabled=False,  # verified before parsing, in _serve_http
            # Slack hears the answer when a listener returns: after the event is kept,
            # never before (Bolt would otherwise ack Events API events up front).
            process_before_response=True,
        )
        # Only HTTP mode verifies signatures; Socket Mode needs no signing secret at all.
        self._verifier = (
            SignatureVerifier(settings.slack_signing_secret)
            if settings.slack_mode == "http" and settings.slack_signing_secret
            else None
        )
        self._members: dict[str, tuple[float, Actor]] = {}
        self._names: dict[str, tuple[float, str]] = {}
        self._files: dict[str, str] = {}  # an uploaded picture's sha256 -> its file ID
        self._session: aiohttp.ClientSession | None = None  # made on the loop, at first use
        self._known: dict[str, tuple[float, PlatformMember | None]] = {}
        self._dm_channels: dict[str, str] = {}
        self._reply_urls: dict[str, tuple[float, str]] = {}
        self._triggers: dict[str, tuple[float, str]] = {}
        self._runner: web.AppRunner | None = None
        # More routes for the HTTP server (the health probes), added by the composition root.
        self.extra_routes: list[Callable[[web.UrlDispatcher], None]] = []
        self._socket: SocketClient | None = None
        self._register()

    # -- inbound ----------------------------------------------------------------------------
    def _register(self) -> None:
        app = self.app
        # /homeroom, and any other slash command the manifest declares (/ask).
        app.command(re.compile(r"^/"))(self._on_request)
        app.action(re.compile(".*"))(self._on_request)
        app.view(blocks.FORM_CALLBACK)(self._on_request)
        app.shortcut(re.compile(r"^homeroom\."))(self._on_request)
        for kind in EVENT_KINDS:
            app.event(kind)(self._on_request)
        app.error(self._on_error)

    async def _on_request(self, ack: Callable[[], Awaitable[None]], body: dict[str, Any]) -> None:
        """Keep, then acknowledge, then handle: every payload is committed (bot.inbox)
        before Slack hears "got it", because Slack does not retry a slash command (or
        an interaction) that was acknowledged, and a kill after the ack would lose it.
        The answer is worked out in the background; the ack waits only for the commit.

        If the commit fails, this raises `Unavailable` and Slack gets a 503, not an ack
        (`_on_error`): it retries an Events API event, and a member sees their command
        fail instead of it vanishing."""
        if body.get("type") == "event_callback" and not inbound.from_a_member(body):
            return  # a bot's post or an edit: nothing to keep (acked on return)
        try:
            key = inbound.delivery_id(body)
        except UNREADABLE as error:
            _unreadable(error)
            await ack()
            return
        inbox = self.homeroom.inbox
        if await inbox.keep(self.platform, key, json.dumps(body)):
            inbox.spawn(self.platform, key, functools.partial(self._events, body))
        await ack()  # a redelivery of a kept event is acknowledged and left alone

    async def _on_error(self, error: Exception) -> BoltResponse:
        """A listener failed before acknowledging: 503, so Slack knows it is not done."""
        if isinstance(error, Unavailable):
            log.warning("event=slack_not_kept error=%s", type(error.__cause__ or error).__name__)
        else:  # the error's type only: its text could quote what a member wrote
            log.error("event=slack_listener_failed error=%s", type(error).__name__)
        return BoltResponse(status=503, body="")

    async def replay(self, payload: str) -> list[Event]:
        """The events a payload kept earlier stands for, looked up again (bot.inbox).
        Its form trigger has long expired; its response_url may still answer."""
        return await self._events(json.loads(payload), replayed=True)

    async def _events(self, body: dict[str, Any], *, replayed: bool = False) -> list[Event]:
        """Translate a payload, with the member looked up (users.info, cached). A payload
        missing what Slack always sends is one log line, never a traceback, and nothing
        to handle."""
        self._http()
        try:
            self._remember(body, fresh=not replayed)
            team = inbound.team_of(body)
            kind = body.get("type")
            if kind == "event_callback":
                translate = EVENT_KINDS[body["event"]["type"]]
                user = inbound.event_user(body)
                event = translate(body, await self.actor(team, user))
                if isinstance(event, MemberLeft):  # no longer found, from now on
                    self._known[user] = (time.monotonic(), None)
                return [event] if event is not None else []
            actor = await self.actor(team, inbound.user_of(body))
            if kind == "block_actions":
                actions = body.get("actions")
                return [
                    event
                    for action in (actions if isinstance(actions, list) else [])
                    if (event := self._action_or_none(body, action, actor)) is not None
                ]
            if kind == "view_submission":
                return [inbound.form_event(body, actor)]
            if kind in ("message_action", "shortcut"):
                return [inbound.shortcut_event(body, actor)]
            return [inbound.command_event(body, actor, self.settings.slack_command)]
        except UNREADABLE as error:
            _unreadable(error)
            return []

    def _action_or_none(
        self, body: dict[str, Any], action: dict[str, Any], actor: Actor
    ) -> Event | None:
        try:
            return self._action(body, action, actor)
        except UNREADABLE as error:  # one unreadable action does not spoil the others
            _unreadable(error)
            return None

    def _action(self, body: dict[str, Any], action: dict[str, Any], actor: Actor) -> Event:
        event = inbound.action_event(body, action, actor)
        if event.action_id == REOPEN_FORM:  # the form's trigger had expired: ask again
            return CommandInvoked(
                event_id=event.event_id,
                at=event.at,
                conversation=event.conversation,
                actor=actor,
                name=event.value,
            )
        return event

    def _remember(self, body: dict[str, Any], *, fresh: bool = True) -> None:
        """Keep the reply channels Slack gives an interaction, by the event ID it becomes.
        A payload read back later (`fresh=False`) brings no trigger: it lives 3 s."""
        now = time.monotonic()
        key = body.get("trigger_id", "")
        if body.get("type") == "block_actions":
            key = f"{key}:{(body.get('actions') or [{}])[0].get('action_ts', '')}"
        if body.get("response_url"):
            self._reply_urls[key] = (now, body["response_url"])
        if body.get("trigger_id") and fresh:
            self._triggers[key] = (now, body["trigger_id"])
        for table, ttl in (
            (self._reply_urls, REPLY_HANDLE_SECONDS),
            (self._triggers, TRIGGER_SECONDS),
        ):
            while table and now - next(iter(table.values()))[0] > ttl:
                del table[next(iter(table))]

    def reply_handle(self, event_id: str) -> tuple[str, float] | None:
        """The response_url of the request `event_id` and its seconds left, stored on
        the reply's outbox row so that any replica can answer through it."""
        found = self._reply_urls.get(event_id)
        if found is None:
            return None
        return found[1], REPLY_HANDLE_SECONDS - (time.monotonic() - found[0])

    def adopt_reply_handle(self, event_id: str, handle: str, seconds_left: float) -> None:
        """A response_url another replica received, for a reply this one sends."""
        if self._reply_url(event_id) is None:
            self._reply_urls[event_id] = (
                time.monotonic() - (REPLY_HANDLE_SECONDS - seconds_left),
                handle,
            )

    def _reply_url(self, event_id: str) -> str | None:
        """The live response_url of the request `event_id`, if this process holds one."""
        found = self._reply_urls.get(event_id)
        if found is None or time.monotonic() - found[0] > REPLY_HANDLE_SECONDS:
            return None
        return found[1]

    async def actor(self, team: str, user: str) -> Actor:
        """Who a user is, from users.info (cached): locale, time zone, admin or not."""
        cached = self._members.get(user)
        if cached and time.monotonic() - cached[0] < MEMBER_CACHE_SECONDS:
            return cached[1]
        ref = MemberRef(self.platform, team, user)
        try:
            info = (await self.client.users_info(user=user, include_locale=True))["user"]
        except SlackApiError as error:
            # Not the member's ID: a log line never names who did something.
            log.warning("event=users_info_failed error=%s", error.response.get("error"))
            return Actor(ref)
        actor = Actor(
            ref,
            locale=info.get("locale"),
            is_platform_admin=bool(info.get("is_admin") or info.get("is_owner")),
            timezone=info.get("tz"),
        )
        self._members[user] = (time.monotonic(), actor)
        return actor

    async def can_post(self, channel: str) -> bool:
        """Slack says whether the channel exists, is open, and has the bot in it."""
        try:
            info = (await self.client.conversations_info(channel=channel))["channel"]
        except SlackApiError as error:
            log.info(
                "event=slack_channel_check channel=%s error=%s",
                channel,
                error.response.get("error"),
            )
            return False
        return bool(info.get("is_member") and not info.get("is_archived"))

    async def channel_is_private(self, channel: str) -> bool | None:
        """conversations.info says; None when Slack would not tell us."""
        try:
            info = (await self.client.conversations_info(channel=channel))["channel"]
        except SlackApiError:
            return None
        private = info.get("is_private")
        return None if private is None else bool(private)

    async def find_member(self, community: str, user_id: str) -> PlatformMember | None:
        """users.info (cached): None when Slack has no such member, or a deactivated one."""
        cached = self._known.get(user_id)
        if cached and time.monotonic() - cached[0] < MEMBER_CACHE_SECONDS:
            return cached[1]
        try:
            info = (await self.client.users_info(user=user_id, include_locale=True))["user"]
        except SlackApiError as error:
            if error.response.get("error") == "user_not_found":
                return None
            raise
        found = None if info.get("deleted") else _member(info)
        self._known[user_id] = (time.monotonic(), found)
        return found

    async def list_members(self, community: str) -> list[PlatformMember]:
        """The first page of users.list: enough to suggest the name someone meant."""
        answer = await self.client.users_list(limit=200)
        return [_member(u) for u in answer.get("members") or [] if not u.get("deleted")]

    # -- outbound ---------------------------------------------------------------------------
    def _http(self) -> aiohttp.ClientSession:
        """One HTTP session for every Web API call and response_url answer, so a burst
        (a thousand votes, each a users.info and a private answer) reuses connections
        instead of opening one per call, as slack_sdk does when given no session."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self.client.session = self._session
        return self._session

    async def deliver(self, intent: Intent, *, key: str | None = None) -> str | None:
        self._http()
        try:
            return await self._deliver(intent, key)
        except SlackApiError as error:
            raise _classify(error) from error

    async def find_delivered(self, intent: Intent, key: str) -> str | None:
        """The ts of the message sent earlier for the outbox row `key`, found by the
        metadata `deliver` tagged it with, among the channel's (or thread's) messages of
        the last FIND_WINDOW; None when there is none (send it).

        Only posts and DMs can be found again. An ephemeral answer leaves nothing to read
        back, so one interrupted by a crash may be shown twice; pins, reactions, updates
        and the home tab are idempotent, so repeating them is harmless. A message split
        in several is found by its first part. Raises when Slack cannot say (the caller
        retries); a 429 holds only this read (history has its own, low, rate limit)."""
        try:
            return await self._find(intent, key)
        except SlackApiError as error:
            problem = _classify(error)
            if isinstance(problem, RetryAfter):
                raise RetryAfter(problem.seconds) from error
            raise problem from error

    async def _find(self, intent: Intent, key: str) -> str | None:
        if isinstance(intent, Post):
            channel, thread = intent.to.channel, intent.to.thread
        elif isinstance(intent, DirectMessage):
            channel, thread = await self._dm_channel(intent.member.id), None
        else:
            return None
        oldest = f"{time.time() - FIND_WINDOW:.6f}"
        if thread:
            answer = await self.client.conversations_replies(
                channel=channel,
                ts=thread,
                oldest=oldest,
                limit=FIND_LIMIT,
                include_all_metadata=True,
            )
        else:
            answer = await self.client.conversations_history(
                channel=channel, oldest=oldest, limit=FIND_LIMIT, include_all_metadata=True
            )
        for message in answer.get("messages") or []:
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == METADATA_TYPE
                and (metadata.get("event_payload") or {}).get("key") == key
            ):
                return str(message["ts"])
        return None

    async def _post_parts(
        self, message: Message, key: str | None, *, shared: bool, **where: Any
    ) -> str:
        """chat.postMessage, as several messages in order when it is over 50 blocks; the
        first carries the outbox key in its metadata (what `find_delivered` looks for).
        Returns the first message's ts."""
        parts = await self._content(message, shared=shared)
        sent = [
            await self.client.chat_postMessage(
                text=text, blocks=blocks_, metadata=_tagged(key) if n == 0 else None, **where
            )
            for n, (text, blocks_) in enumerate(parts)
        ]
        return str(sent[0]["ts"])

    async def _deliver(self, intent: Intent, key: str | None) -> str | None:
        if isinstance(intent, Post):
            return await self._post_parts(
                intent.message,
                key,
                shared=True,
                channel=intent.to.channel,
                thread_ts=intent.to.thread,
                unfurl_links=False,
                unfurl_media=False,
            )
        if isinstance(intent, Ephemeral):
            return await self._ephemeral(intent)
        if isinstance(intent, DirectMessage):
            channel = await self._dm_channel(intent.member.id)
            posted = await self._post_parts(intent.message, key, shared=False, channel=channel)
            if intent.message.attachment is not None:
                await self._attach(intent.message.attachment, channel, posted)
            return posted
        if isinstance(intent, Update):
            # An edit changes one message, so it keeps Slack's first 50 blocks.
            [(text, blocks_), *_] = await self._content(intent.message, shared=True)
            await self.client.chat_update(
                channel=intent.to.channel, ts=intent.to.message or "", text=text, blocks=blocks_
            )
            return intent.to.message
        if isinstance(intent, React):
            name = EMOJI_NAMES.get(intent.emoji, intent.emoji.strip(":"))
            await self.client.reactions_add(
                channel=intent.to.channel, timestamp=intent.to.message or "", name=name
            )
            return None
        if isinstance(intent, Pin):
            pin = self.client.pins_add if intent.pinned else self.client.pins_remove
            await pin(channel=intent.to.channel, timestamp=intent.to.message or "")
            return None
        if isinstance(intent, OpenForm):
            return await self._open_form(intent)
        if isinstance(intent, PublishHome):
            await self.client.views_publish(
                user_id=intent.member.id, view=blocks.home_view(intent.message)
            )
            return None
        raise PermanentFailure(f"no Slack form for {type(intent).__name__}")

    async def _content(
        self, message: Message, *, shared: bool
    ) -> list[tuple[str, list[dict[str, Any]]]]:
        """Text and blocks of each Slack message the message needs (one unless it is over
        50 blocks); in shared posts only `mentions` may ping, others become names."""
        if shared:
            allowed = {m.id for m in message.mentions}
            names = {
                u: await self._display_name(u)
                for u in set(_MENTION.findall(message.text + "".join(v for _, v in message.fields)))
                - allowed
            }
            if names:

                def unping(text: str) -> str:
                    return _MENTION.sub(lambda m: names.get(m.group(1), m.group(0)), text)

                message = dataclasses.replace(
                    message,
                    text=unping(message.text),
                    fields=tuple((k, unping(v)) for k, v in message.fields),
                )
        image = None if message.image is None else await self._uploaded(message.image)
        return blocks.message_parts(message, image)

    async def _attach(self, attached: Attachment, channel: str, thread: str) -> None:
        """A file sent with a DM (a member's export): uploaded and shared in the DM, in
        the thread of the message that tells what it is."""
        await self.client.files_upload_v2(
            file=base64.b64decode(attached.data_base64),
            filename=attached.filename,
            title=attached.filename,
            channel=channel,
            thread_ts=thread,
        )

    async def _uploaded(self, image: Image) -> str:
        """The ID of the file `image` went up as (files_upload_v2, shared with no channel:
        the image block shows it where the message is). The same picture again (a card
        edited with an unchanged chart) is not uploaded twice while this process runs."""
        data = base64.b64decode(image.png_base64)
        digest = hashlib.sha256(data).hexdigest()
        if digest not in self._files:
            answer = await self.client.files_upload_v2(
                file=data, filename=image.filename, title=image.filename, alt_txt=image.alt[:1000]
            )
            self._files[digest] = str(answer["file"]["id"])
        return self._files[digest]

    async def _display_name(self, user: str) -> str:
        """`@Name` for a member, from users.info, cached like the rest of what it says."""
        cached = self._names.get(user)
        if cached and time.monotonic() - cached[0] < MEMBER_CACHE_SECONDS:
            return cached[1]
        try:
            info = (await self.client.users_info(user=user))["user"]
        except SlackApiError:
            return "@" + user  # not cached: a later post may find the name
        profile = info.get("profile", {})
        name = "@" + (
            profile.get("display_name") or info.get("real_name") or info.get("name") or user
        )
        self._names[user] = (time.monotonic(), name)
        return name

    async def _ephemeral(self, intent: Ephemeral) -> str | None:
        for part, (text, blocks_) in enumerate(await self._content(intent.message, shared=False)):
            await self._ephemeral_part(intent, text, blocks_, first=part == 0)
        return None

    async def _ephemeral_part(
        self, intent: Ephemeral, text: str, blocks_: list[dict[str, Any]], *, first: bool
    ) -> None:
        handle = self._reply_url(intent.in_reply_to or "")
        if handle is not None:  # works even where the bot is not a channel member
            response = await AsyncWebhookClient(handle, session=self._http()).send_dict(
                {
                    "response_type": "ephemeral",
                    "replace_original": False,
                    "text": text,
                    "blocks": blocks_,
                }
            )
            if response.status_code == 200:
                return
            if response.status_code == 429 and first:  # nothing sent yet: the outbox retries
                # A response URL has its own small allowance: only this reply waits.
                raise RetryAfter(retry_after_seconds(response.headers.get("Retry-After")))
            log.info(
                "event=response_url_failed status=%d; using chat.postEphemeral",
                response.status_code,
            )
        await self.client.chat_postEphemeral(
            channel=intent.to.channel,
            user=intent.member.id,
            thread_ts=intent.to.thread,
            text=text,
            blocks=blocks_,
        )

    async def _open_form(self, intent: OpenForm) -> str | None:
        trigger = self._triggers.get(intent.in_reply_to or "")
        if trigger is not None and time.monotonic() - trigger[0] < TRIGGER_SECONDS:
            view = blocks.modal(intent.form, channel=intent.to.channel, thread=intent.to.thread)
            try:
                await self.client.views_open(trigger_id=trigger[1], view=view)
                return None
            except SlackApiError as error:
                if error.response.get("error") not in {"expired_trigger_id", "invalid_trigger_id"}:
                    raise
        # Slack lets a form open only within 3 s of the click; offer a button that starts over.
        command = intent.form.form_id.removeprefix("command:")
        reopen = Message(
            text=intent.form.title,
            buttons=(
                Button(
                    label=intent.form.submit_label + " …",
                    action_id=REOPEN_FORM,
                    value=command,
                    style="primary",
                ),
            ),
        )
        await self._ephemeral(
            Ephemeral(
                to=intent.to, member=intent.member, message=reopen, in_reply_to=intent.in_reply_to
            )
        )
        return None

    async def _dm_channel(self, user: str) -> str:
        if user not in self._dm_channels:
            response = await self.client.conversations_open(users=user)
            self._dm_channels[user] = str(response["channel"]["id"])
        return self._dm_channels[user]

    # -- connections ------------------------------------------------------------------------
    async def start(self) -> None:
        """Connect by Socket Mode or serve HTTP, as the settings say.

        A refused token stops the start (StartFailure, one line); Slack out of reach does
        not: Homeroom starts, says so, and keeps trying with backoff."""
        self._http()
        try:
            await self.client.auth_test()
        except Exception as error:
            _raise_if_refused(error, "SLACK_BOT_TOKEN")
            if self.settings.slack_mode == "http":
                log.warning(
                    "event=platform_unreachable platform=slack step=auth.test error=%s; "
                    "replies wait in the outbox until Slack answers",
                    describe(error),
                )
        if self.settings.slack_mode == "socket":
            await self._start_socket()
            return
        server = web.Application()
        server.router.add_post("/slack/events", self._serve_http)
        for add_routes in self.extra_routes:
            add_routes(server.router)
        self._runner = web.AppRunner(server, access_log=None)
        await self._runner.setup()
        port = self.settings.slack_http_port
        try:
            await web.TCPSite(self._runner, "0.0.0.0", port).start()
        except OSError as error:
            raise StartFailure(port_problem(port, error, "SLACK_HTTP_PORT")) from None
        log.info("event=slack_listening mode=http port=%d", port)

    async def _start_socket(self) -> None:
        backoff = Backoff(self.homeroom.clock, self.platform)
        self._socket = SocketClient(self.app, self.settings.slack_app_token or "", backoff)
        try:
            await self._socket.connect_once()
        except Exception as error:
            _raise_if_refused(error, "SLACK_APP_TOKEN")
            delay = backoff.announce(error)
            self.homeroom.supervisor.run("slack-socket", lambda: self._keep_connecting(delay))
            return
        log.info("event=slack_connected mode=socket")

    async def _keep_connecting(self, delay: float) -> None:
        assert self._socket is not None
        await self.homeroom.clock.sleep(delay)
        try:
            await self._socket.connect()
        except Exception as error:
            if (code := refusal(error)) is None:
                raise
            log.error("event=slack_token_refused variable=SLACK_APP_TOKEN error=%s", code)
            return
        log.info("event=slack_connected mode=socket")

    async def _serve_http(self, request: web.Request) -> web.Response:
        raw = await request.read()
        if not self._signed(raw, request.headers):
            log.warning("event=slack_bad_signature remote=%s", request.remote)
            return web.Response(status=401, text="invalid signature")
        try:
            bolt_request = AsyncBoltRequest(
                body=raw.decode("utf-8"),
                query=request.query_string,
                headers=dict(request.headers),
            )
            if not bolt_request.body:
                raise ValueError("empty or unreadable body")
            response = await self.app.async_dispatch(bolt_request)
        except Exception as error:
            log.warning("event=slack_bad_request error=%s", type(error).__name__)
            return web.Response(status=400, text="malformed request")
        return await to_aiohttp_response(response)

    def _signed(self, body: bytes, headers: Mapping[str, str]) -> bool:
        """Slack's signature over this body, checked before anything reads it.

        A missing header or a timestamp that is not a plain number is simply unsigned."""
        timestamp = headers.get("X-Slack-Request-Timestamp", "")
        signature = headers.get("X-Slack-Signature", "")
        if self._verifier is None or not signature or not timestamp.isascii():
            return False
        if not timestamp.isdigit():
            return False
        return self._verifier.is_valid(body=body, timestamp=timestamp, signature=signature)

    def connected(self) -> bool:
        """Events can reach us: the HTTP server listens, or the socket is open (/readyz)."""
        if self._socket is None:
            return self._runner is not None
        session = self._socket.current_session
        return not self._socket.closed and session is not None and not session.closed

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close()  # type: ignore[no-untyped-call]
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()


TOKEN_FIXES = {
    "SLACK_BOT_TOKEN": "copy the Bot User OAuth Token again from your Slack app's OAuth & "
    "Permissions page (reinstall the app if it was removed)",
    "SLACK_APP_TOKEN": "create a new App-Level Token with connections:write under your "
    "Slack app's Basic Information",
}


def _raise_if_refused(error: BaseException, variable: str) -> None:
    if (code := refusal(error)) is not None:
        raise StartFailure(f"Slack refused {variable} ({code}): {TOKEN_FIXES[variable]}") from None


def _not_token_skipped(record: logging.LogRecord) -> bool:
    """Bolt warns that SLACK_BOT_TOKEN (which it reads from the environment itself) is
    unused because a client was given; the client carries that very token."""
    return record.getMessage() != warning_client_prioritized_and_token_skipped()


def _unreadable(error: Exception) -> None:
    # The error's type only: its text could quote what a member wrote.
    log.warning("event=slack_payload_unreadable error=%s", type(error).__name__)


def _member(info: dict[str, Any]) -> PlatformMember:
    profile = info.get("profile", {})
    name = profile.get("display_name") or info.get("real_name") or info.get("name") or info["id"]
    admin = bool(info.get("is_admin") or info.get("is_owner"))
    return PlatformMember(str(info["id"]), str(name), info.get("locale"), admin)


def _tagged(key: str | None) -> dict[str, Any] | None:
    """The message metadata naming the outbox row (none without a key)."""
    return None if key is None else {"event_type": METADATA_TYPE, "event_payload": {"key": key}}


def _classify(error: SlackApiError) -> Exception:
    response = error.response
    code = response.get("error")
    if response.status_code == 429 or code == "ratelimited":
        headers = {k.lower(): v for k, v in (response.headers or {}).items()}
        # Slack limits each Web API method per workspace, not per channel: every send of
        # this class (shared posts, or private answers: another method) to the
        # workspace waits the Retry-After; other workspaces go on.
        return RetryAfter(retry_after_seconds(headers.get("retry-after")), scope="community")
    if code in PERMANENT_ERRORS:
        return PermanentFailure(str(code))
    return error


__all__ = ["SlackAdapter"]
