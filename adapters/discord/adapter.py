"""Discord adapter: discord.py's gateway and REST in, core events out, and back.

Every interaction is kept (committed with its ID, bot.inbox) before it is answered, and
every gateway message and reaction before it is handled, so a kill mid-handling replays
it. Every interaction is answered within Discord's 3 seconds: the core's answer usually
arrives in milliseconds and becomes the interaction's response (a modal must be the
first response, so nothing is deferred up front); a timer defers any interaction still
unanswered at 2.5 s, so a member never sees "This interaction failed".
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import aiohttp
import discord
import yarl
from discord.gateway import DiscordWebSocket

from adapters.discord import limits, render
from adapters.discord.commands import (
    MESSAGE_COMMAND,
    application_commands,
    fingerprint,
    focused_option,
    invoked_path,
    invoked_target,
    invoked_target_author,
    message_action_path,
)
from adapters.retry import Backoff, retry_after_seconds
from bot.app import Homeroom
from bot.capabilities import Capabilities, RateLimits
from bot.delivery import PermanentFailure, RetryAfter
from bot.events import (
    Actor,
    CommandInvoked,
    ComponentSubmitted,
    Event,
    FormSubmitted,
    MessagePosted,
    OptionTyped,
    Origin,
    ReactionAdded,
    ReplyPosted,
)
from bot.intents import (
    Button,
    DirectMessage,
    Ephemeral,
    Intent,
    Message,
    OpenForm,
    OpenThread,
    Pin,
    Post,
    React,
    Update,
)
from bot.people import PlatformMember
from bot.refs import NO_COMMUNITY, ConversationRef, MemberRef
from bot.settings import Settings, StartFailure
from bot.storage.state import AdapterState
from bot.unavailable import Unavailable

log = logging.getLogger(__name__)

# Discord out of reach for now: no network, DNS, a 5xx (discord.py raises
# DiscordServerError, an HTTPException, after its own retries).
RETRYABLE = (OSError, aiohttp.ClientError, asyncio.TimeoutError, discord.DiscordServerError)

PLATFORM = "discord"
DEFER_AFTER = 2.5  # seconds; Discord allows 3
TOKEN_LIFETIME = 14 * 60  # an interaction token lives 15 minutes
REOPEN_FORM = "homeroom.form.reopen"
MAX_NONCE = 25  # characters Discord accepts in a message's nonce
THREAD_EXISTS = 160004  # Discord's code: "a thread has already been created for this message"


class _Handlers:
    """What the gateway tells us, handed to the adapter: shared by the one-process client
    and the sharded one, so a replica runs the same code whichever it is."""

    adapter: DiscordAdapter
    user: discord.ClientUser | None
    guilds: Any

    async def setup_hook(self) -> None:
        if self.adapter.settings.registers_discord_commands:
            await self.adapter.sync_commands()

    async def on_ready(self) -> None:
        log.info(
            "event=discord_ready user_id=%s guilds=%d",
            self.user.id if self.user else "?",
            len(self.guilds),
        )

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await self.adapter.on_interaction(interaction)

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter.on_message(message)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self.adapter.on_reaction(payload)

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        log.exception("event=discord_handler_failed handler=%s", event_method)


class _Client(_Handlers, discord.Client):
    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        super().__init__(**options)
        self.adapter = adapter


class _ShardedClient(_Handlers, discord.AutoShardedClient):
    """One replica of several: runs the shards it is given (DISCORD_SHARD_IDS)."""

    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        super().__init__(**options)
        self.adapter = adapter


class DiscordAdapter:
    platform = PLATFORM
    # A prompt's reply thread is opened by a call of its own (an OpenThread row).
    # Five rows of five buttons; a card with more choices shows a select menu instead
    # (its own row, 25 options a menu). Images go as attachments shown in the embed.
    capabilities = Capabilities(
        home=False,
        max_text=render.CONTENT_LIMIT,
        explicit_threads=True,
        max_buttons=render.BUTTONS_PER_ROW * render.ROWS,
        images=True,
        message_actions="apps",
    )
    # Posts: about 5 per 5 s per channel, within the global 50 requests a second.
    # Interaction responses are not bound by the global limit, so private answers (which
    # go out as responses and followups) are paced apart and much higher.
    limits = RateLimits(
        per_channel=1.0,
        per_channel_burst=5,
        overall=45.0,
        overall_burst=45,
        private=200.0,
        private_burst=100,
        # Edits (PATCH /channels/{channel}/messages/{message}) are bucketed by their
        # channel, the route's major parameter. Discord publishes no figures ("We dont
        # put rate limit details in our documentation", discord/discord-api-docs#4413;
        # read the X-RateLimit headers) and observes about five in five seconds per
        # channel (discord-relay-chat/drc#17), so: 1 a second per channel, bursts of 5,
        # and one message at most once a second. A 429 still pauses exactly its bucket.
        per_message_edit=1.0,
        edits=1.0,
        edits_burst=5,
        edits_shared_by="channel",
    )

    def __init__(self, homeroom: Homeroom, settings: Settings) -> None:
        self.homeroom = homeroom
        self.settings = settings
        if settings.discord_api_url:
            discord.http.Route.BASE = settings.discord_api_url.rstrip("/")
        if settings.discord_gateway_url:
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)
        discord.VoiceClient.warn_nacl = False  # Homeroom has no voice features
        discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_messages = True
        intents.dm_messages = True
        intents.guild_reactions = True
        intents.message_content = settings.discord_message_content
        sharding: dict[str, Any] = {}
        if settings.discord_shard_count is not None:
            sharding["shard_count"] = settings.discord_shard_count
            if settings.discord_shard_ids:
                sharding["shard_ids"] = list(settings.discord_shard_ids)
        client = _ShardedClient if sharding else _Client
        self.client: discord.Client = client(
            self,
            **sharding,
            intents=intents,
            guild_ready_timeout=0.5,
            max_ratelimit_timeout=60.0,
            http_trace=limits.trace(),  # a 429 while delivering goes back to the outbox
        )
        _guard_parsers(self.client)
        self._backoff = Backoff(homeroom.clock, PLATFORM)
        _reconnects_in_one_line(self._backoff)
        self._interactions: dict[str, tuple[float, discord.Interaction]] = {}
        # Interactions another replica received and acknowledged, whose replies this one
        # sends: event ID -> (when it would have been received here, application ID, token).
        self._adopted: dict[str, tuple[float, int, str]] = {}
        self._answering: dict[str, asyncio.Lock] = {}
        self._deferrals: set[asyncio.Task[None]] = set()
        self._dm_channels: dict[str, int] = {}
        self._locales: dict[str, str] = {}  # member ID -> the locale of their last interaction
        self._state = AdapterState(homeroom.db.engine)

    # -- connection ---------------------------------------------------------------------
    async def start(self) -> None:
        """Log in, then keep the gateway connected in the background.

        A refused token stops the start (StartFailure, one line); Discord out of reach
        does not: the other platforms start, and login is retried with backoff."""
        try:
            await self._login()
        except discord.LoginFailure:
            raise StartFailure(
                "Discord refused DISCORD_TOKEN (401 Unauthorized): reset the token under Bot "
                "in the Developer Portal and copy the new one into DISCORD_TOKEN"
            ) from None
        except RETRYABLE as error:
            delay = self._backoff.announce(error)
            self.homeroom.supervisor.run("discord-gateway", lambda: self._login_later(delay))
            return
        self.homeroom.supervisor.run("discord-gateway", self._connect)

    async def _login(self) -> None:
        try:
            await self.client.login(self.settings.discord_token or "")
        except discord.HTTPException as error:
            if error.status < 500:
                raise StartFailure(
                    f"Discord refused the login (HTTP {error.status}): check DISCORD_TOKEN "
                    "and the application in the Developer Portal"
                ) from None
            raise
        self._backoff.reset()

    async def _login_later(self, delay: float) -> None:
        await self.homeroom.clock.sleep(delay)
        while True:
            try:
                await self._login()
                break
            except (discord.LoginFailure, StartFailure) as error:
                log.error("event=discord_token_refused error=%s", type(error).__name__)
                return
            except RETRYABLE as error:
                await self._backoff.wait(error)
        await self._connect()

    async def _connect(self) -> None:
        try:
            await self.client.connect(reconnect=True)  # resumes sessions, with backoff
        except discord.PrivilegedIntentsRequired:
            log.critical(
                "event=discord_intent_refused; enable Message Content Intent in the Developer "
                "Portal (Bot > Privileged Gateway Intents) or set DISCORD_MESSAGE_CONTENT=false"
            )
            self.homeroom.supervisor.failed.set()

    def connected(self) -> bool:
        """The gateway session is up (READY seen, not closed): for /readyz."""
        return self.client.is_ready() and not self.client.is_closed()

    async def stop(self) -> None:
        for deferral in self._deferrals:
            deferral.cancel()
        await self.client.close()

    async def sync_commands(self, *, force: bool = False) -> bool:
        """Register the command tree when it changed since the last sync (or if forced)."""
        commands = application_commands(self.homeroom.core.commands.all())
        wanted = fingerprint(commands)
        if not force and await self._state.get(PLATFORM, "commands") == wanted:
            return False
        application_id = self.client.application_id
        if application_id is None:
            raise RuntimeError("Discord did not tell us the application ID at login")
        await self.client.http.bulk_upsert_global_commands(application_id, commands)
        await self._state.put(PLATFORM, "commands", wanted)
        log.info("event=discord_commands_synced count=%d", len(commands))
        return True

    # -- inbound ------------------------------------------------------------------------
    def _actor(self, user_id: int, guild_id: int | None, locale: str | None, admin: bool) -> Actor:
        if locale:  # Discord tells a member's language only in their interactions
            self._locales[str(user_id)] = locale
        return Actor(
            MemberRef(PLATFORM, str(guild_id or NO_COMMUNITY), str(user_id)),
            locale=locale,
            is_platform_admin=admin,
        )

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Keep, then answer: the interaction is committed (bot.inbox) before anything is
        sent back, so a kill mid-handling replays it (answered by DM, its token gone).
        If the commit fails it is answered "try again in a moment" in the member's
        language: Discord never retries an interaction, so the member must."""
        if interaction.type is discord.InteractionType.autocomplete:  # asked, never kept
            task = asyncio.get_running_loop().create_task(self._autocomplete(interaction))
            self._deferrals.add(task)  # kept, so it is neither collected nor left at stop
            task.add_done_callback(self._deferrals.discard)
            return
        try:
            kept = self._interaction_fields(interaction)
            event = self._interaction_event(kept)
        except (KeyError, TypeError, ValueError) as problem:
            log.warning(  # the error's type only: its text could quote a member's words
                "event=discord_bad_interaction interaction_id=%s error=%s",
                interaction.id,
                type(problem).__name__,
            )
            await self._sorry(interaction)
            return
        if event is None:
            return
        try:
            if not await self.homeroom.inbox.keep(PLATFORM, event.event_id, json.dumps(kept)):
                return  # the same interaction twice: the first is answering it
        except Unavailable:
            log.warning("event=discord_not_kept interaction_id=%s", interaction.id)
            await self._sorry(interaction)
            return
        self._interactions[event.event_id] = (time.monotonic(), interaction)
        self._forget_old_interactions()
        deferral = asyncio.get_running_loop().create_task(self._defer_later(interaction))
        self._deferrals.add(deferral)
        deferral.add_done_callback(self._deferrals.discard)
        answer = await self.homeroom.inbox.work(PLATFORM, event.event_id, _ready(event))
        if answer == []:  # None: kept for a later pass, which answers (the deferral waits)
            await self._sorry(interaction, quietly=isinstance(event, ComponentSubmitted))

    def _interaction_fields(self, interaction: discord.Interaction) -> dict[str, Any]:
        """What the event is made from, as JSON: kept until it is handled."""
        return {
            "kind": "interaction",
            "id": str(interaction.id),
            "type": interaction.type.value,
            "data": dict(interaction.data or {}),
            "guild_id": interaction.guild_id,
            "channel_id": interaction.channel_id,
            "parent_id": _parent_of(interaction.channel),
            "user_id": interaction.user.id,
            "locale": str(interaction.locale),
            "admin": bool(interaction.permissions and interaction.permissions.manage_guild),
            # The card a button was pressed on, so a feature can update it in place.
            "message_id": str(interaction.message.id) if interaction.message else None,
        }

    async def replay(self, payload: str) -> list[Event]:
        """The event a kept payload stands for (bot.inbox); its answers go by DM."""
        fields = json.loads(payload)
        kind = fields.get("kind")
        if kind == "interaction":
            event = self._interaction_event(fields)
        elif kind == "message":
            event = _message_event(fields)
        else:
            event = _reaction_event(fields)
        return [event] if event is not None else []

    def _interaction_event(self, fields: dict[str, Any]) -> Event | None:
        data: dict[str, Any] = fields["data"]
        kind = discord.InteractionType(fields["type"])
        where = _where(fields["guild_id"], fields["channel_id"], fields["parent_id"])
        actor = self._actor(
            fields["user_id"], fields["guild_id"], fields["locale"], fields["admin"]
        )
        common = Origin(
            event_id=fields["id"], at=discord.utils.utcnow(), conversation=where, actor=actor
        )
        if kind is discord.InteractionType.application_command:
            if data.get("type") == MESSAGE_COMMAND:  # run on a message (context menu)
                path = message_action_path(self.homeroom.core.commands.all(), data["name"])
                message, text = invoked_target(data)
                target = replace(where, message=message)
                return CommandInvoked(
                    **common,
                    name=path,
                    target=target,
                    target_text=text,
                    target_author=invoked_target_author(data),
                )
            path, options = invoked_path(data)
            return CommandInvoked(**common, name=path, options=options)
        if kind is discord.InteractionType.component:
            action, record = render.parse_custom_id(str(data["custom_id"]))
            if action == REOPEN_FORM:
                return CommandInvoked(**common, name=record)
            if fields.get("message_id"):  # the card pressed on, so it can be updated
                common["conversation"] = replace(where, message=fields["message_id"])
            if isinstance(data.get("values"), list):  # a select menu: what was chosen
                record = "\n".join(str(v) for v in data["values"])
            return ComponentSubmitted(**common, action_id=action, value=record)
        if kind is discord.InteractionType.modal_submit:
            form_id = str(data["custom_id"]).removeprefix(render.FORM_PREFIX)
            return FormSubmitted(**common, form_id=form_id, values=render.modal_values(data))
        if kind is discord.InteractionType.autocomplete:
            path, _ = invoked_path(data)
            name, typed = focused_option(data) or ("", "")
            return OptionTyped(**common, command=path, option=name, typed=typed)
        return None

    async def _autocomplete(self, interaction: discord.Interaction) -> None:
        """Suggestions come from the core, which asks the feature that declared the option."""
        try:
            typing = self._interaction_event(self._interaction_fields(interaction))
            if not isinstance(typing, OptionTyped):
                return
            found = await self.homeroom.core.suggest(typing)
            await interaction.response.autocomplete(
                [
                    discord.app_commands.Choice(name=c.label[:100], value=c.value[:100])
                    for c in found[:25]
                ]
            )
        except Exception:  # logged once here: nobody awaits this task
            log.exception("event=discord_autocomplete_failed interaction_id=%s", interaction.id)

    async def _defer_later(self, interaction: discord.Interaction) -> None:
        # On Homeroom's clock, so a test can be the handler that takes 2.5 s.
        await self.homeroom.clock.sleep(DEFER_AFTER)
        if not interaction.response.is_done():
            await self._defer(interaction)

    async def _defer(self, interaction: discord.Interaction) -> None:
        async with self._lock(interaction):
            if not interaction.response.is_done():
                await interaction.response.defer(ephemeral=True, thinking=True)

    async def _sorry(self, interaction: discord.Interaction, *, quietly: bool = False) -> None:
        """Answer an interaction the core had nothing to say to, so it never 'fails'."""
        async with self._lock(interaction):
            if interaction.response.is_done():
                return
            if quietly:  # a button press whose effect is elsewhere: just acknowledge it
                await interaction.response.defer()
                return
            from bot.i18n import pick_language, translator

            t = translator(pick_language(str(interaction.locale)))
            await interaction.response.send_message(
                t._("Sorry, I couldn't do that just now. Please try again in a moment."),
                ephemeral=True,
            )

    def _lock(self, interaction: discord.Interaction) -> asyncio.Lock:
        return self._answering.setdefault(str(interaction.id), asyncio.Lock())

    def reply_handle(self, event_id: str) -> tuple[str, float] | None:
        """The interaction's application ID and token (what its followup webhook needs)
        and their seconds left, stored on the reply's outbox row so that any replica can
        answer it; the receiver still acknowledges it (defers) within 3 seconds."""
        found = self._interactions.get(event_id)
        if found is None:
            return None
        at, interaction = found
        handle = json.dumps({"application": interaction.application_id, "token": interaction.token})
        return handle, TOKEN_LIFETIME - (time.monotonic() - at)

    def adopt_reply_handle(self, event_id: str, handle: str, seconds_left: float) -> None:
        """An interaction another replica received, for a reply this one sends."""
        if event_id in self._interactions:
            return  # received here: its own object knows whether it was answered yet
        fields = json.loads(handle)
        at = time.monotonic() - (TOKEN_LIFETIME - seconds_left)
        self._adopted[event_id] = (at, int(fields["application"]), str(fields["token"]))
        now = time.monotonic()
        while self._adopted and now - next(iter(self._adopted.values()))[0] > TOKEN_LIFETIME:
            del self._adopted[next(iter(self._adopted))]

    def _forget_old_interactions(self) -> None:
        now = time.monotonic()
        while self._interactions:
            key, (at, _) = next(iter(self._interactions.items()))
            if now - at < TOKEN_LIFETIME:
                return
            del self._interactions[key]
            self._answering.pop(key, None)

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.type not in (
            discord.MessageType.default,
            discord.MessageType.reply,
        ):
            return
        await self._take(
            {
                "kind": "message",
                "id": str(message.id),
                "at": message.created_at.isoformat(),
                "guild_id": message.guild.id if message.guild else None,
                "channel_id": message.channel.id,
                "parent_id": _parent_of(message.channel),
                "user_id": message.author.id,
                "admin": isinstance(message.author, discord.Member)
                and message.author.guild_permissions.manage_guild,
                "text": message.content,
            },
            _message_event,
        )

    async def on_reaction(self, payload: discord.RawReactionActionEvent) -> None:
        if self.client.user and payload.user_id == self.client.user.id:
            return
        await self._take(
            {
                "kind": "reaction",
                "guild_id": payload.guild_id,
                "channel_id": payload.channel_id,
                "parent_id": _parent_of(self.client.get_channel(payload.channel_id)),
                "message_id": payload.message_id,
                "user_id": payload.user_id,
                "emoji": str(payload.emoji),
            },
            _reaction_event,
        )

    async def _take(
        self, fields: dict[str, Any], translate: Callable[[dict[str, Any]], Event]
    ) -> None:
        """A gateway event: nothing to acknowledge, but kept before it is handled (one
        row in the same group commit as the rest) so a kill mid-handling replays it."""
        event = translate(fields)
        inbox = self.homeroom.inbox
        try:
            if not await inbox.keep(PLATFORM, event.event_id, json.dumps(fields)):
                return  # a redelivery (the gateway resumed and sent it again)
        except Unavailable:
            log.warning("event=discord_not_kept kind=%s", fields["kind"])
            return
        await inbox.work(PLATFORM, event.event_id, _ready(event))

    async def can_post(self, channel: str) -> bool:
        """From the cached server: the channel exists and the bot may send messages in it."""
        found = self.client.get_channel(int(channel)) if channel.isdigit() else None
        if not isinstance(found, discord.abc.GuildChannel):
            return False
        return found.permissions_for(found.guild.me).send_messages

    async def channel_is_private(self, channel: str) -> bool | None:
        """Private when the server's everyone role may not see the channel."""
        found = self.client.get_channel(int(channel)) if channel.isdigit() else None
        if not isinstance(found, discord.abc.GuildChannel):
            return None
        return not found.permissions_for(found.guild.default_role).view_channel

    async def find_member(self, community: str, user_id: str) -> PlatformMember | None:
        """The server's member by ID (one REST call); None when the server has no such one."""
        guild = self.client.get_guild(int(community)) if community.isdigit() else None
        if guild is None:
            raise LookupError("server not in the cache")  # cannot tell: assume they exist
        if not user_id.isdigit():
            return None  # a name typed as text, not a Discord member
        try:
            member = await guild.fetch_member(int(user_id))
        except discord.NotFound:
            return None
        admin = member.guild_permissions.manage_guild
        return PlatformMember(user_id, member.display_name, self._locales.get(user_id), admin)

    # -- outbound -----------------------------------------------------------------------
    async def deliver(self, intent: Intent, *, key: str | None = None) -> str | None:
        try:
            with limits.delivering():
                return await self._deliver(intent, key)
        except limits.Limited as limited:  # a global limit holds every route of the bot
            raise RetryAfter(limited.seconds, scope=limited.scope) from limited
        except discord.RateLimited as limited:  # a route's bucket, known before asking
            raise RetryAfter(retry_after_seconds(limited.retry_after)) from limited
        except (discord.Forbidden, discord.NotFound) as gone:
            raise PermanentFailure(f"{gone.status} {gone.text}") from gone
        except discord.HTTPException as error:
            if error.status == 429:  # outside `delivering` (not expected): its header says
                headers = getattr(error.response, "headers", None) or {}
                raise RetryAfter(retry_after_seconds(headers.get("Retry-After"))) from error
            if 400 <= error.status < 500:
                raise PermanentFailure(f"{error.status} {error.text}") from error
            raise

    async def _deliver(self, intent: Intent, key: str | None) -> str | None:
        if isinstance(intent, Post):
            return await self._post(intent, key)
        if isinstance(intent, Ephemeral):
            return await self._private(intent.member, intent.message, intent.in_reply_to, key)
        if isinstance(intent, DirectMessage):
            return await self._dm(intent.member, intent.message, key)
        if isinstance(intent, OpenForm):
            return await self._open_form(intent, key)
        if isinstance(intent, Pin):
            # Discord answers a repeated pin (or unpin) with 204 too: a retry is delivered.
            channel = await self._channel(intent.to.thread or intent.to.channel)
            message = channel.get_partial_message(int(intent.to.message or 0))
            await (message.pin() if intent.pinned else message.unpin())
            return None
        if isinstance(intent, OpenThread):
            return await self._open_thread(intent)
        if isinstance(intent, Update):
            channel = await self._channel(intent.to.thread or intent.to.channel)
            kwargs = render.edit_kwargs(intent.message)
            await channel.get_partial_message(int(intent.to.message or 0)).edit(**kwargs)
            return intent.to.message
        if isinstance(intent, React):
            channel = await self._channel(intent.to.thread or intent.to.channel)
            await channel.get_partial_message(int(intent.to.message or 0)).add_reaction(
                intent.emoji
            )
            return None
        raise PermanentFailure(f"Discord has no form for {type(intent).__name__}")

    async def _channel(self, channel_id: str) -> Any:
        """The cached channel (so forums are known), else a partial one: no extra request."""
        return self.client.get_channel(int(channel_id)) or self.client.get_partial_messageable(
            int(channel_id)
        )

    async def _post(self, intent: Post, key: str | None) -> str:
        channel = await self._channel(intent.to.thread or intent.to.channel)
        kwargs = render.send_kwargs(intent.message)
        if isinstance(channel, discord.ForumChannel):  # a forum takes posts, not messages
            # Discord takes no nonce for a forum post: a crash between its creation and
            # our record of it can repeat this one post.
            name = (intent.message.title or intent.message.text)[:100] or "Homeroom"
            created = await channel.create_thread(name=name, **kwargs)
            return str(created.thread.id)
        sent = await channel.send(**kwargs | _nonce(key))  # its thread is an OpenThread row
        return str(sent.id)

    async def _open_thread(self, intent: OpenThread) -> str | None:
        """The thread under a posted message; it has the message's ID. One that exists
        already (a retry after a lost answer) counts as opened."""
        channel = await self._channel(intent.to.channel)
        if isinstance(channel, discord.ForumChannel):
            return intent.to.message  # a forum post is its own thread
        try:
            # By route, not `message.create_thread`: that refuses a message whose server
            # is not cached yet (a fan-out resumed before the gateway is ready).
            thread = await self.client.http.start_thread_with_message(
                int(intent.to.channel),
                int(intent.to.message or 0),
                name=intent.name[:100] or "Homeroom",
                auto_archive_duration=1440,
            )
        except discord.HTTPException as error:
            if error.code == THREAD_EXISTS:
                return intent.to.message
            raise
        return str(thread["id"])

    async def _private(
        self, member: MemberRef, message: Message, in_reply_to: str | None, key: str | None
    ) -> str | None:
        """An answer only `member` sees: through their interaction while its token lives,
        otherwise (Discord has no ephemeral messages outside interactions) by DM."""
        handle = self._interactions.get(in_reply_to or "")
        if handle is None or time.monotonic() - handle[0] > TOKEN_LIFETIME:
            adopted = self._adopted.get(in_reply_to or "")
            if adopted is not None and time.monotonic() - adopted[0] <= TOKEN_LIFETIME:
                return await self._followup(adopted[1], adopted[2], member, message, key)
            return await self._dm(member, message, key)
        interaction = handle[1]
        kwargs = render.send_kwargs(message)
        async with self._lock(interaction):
            if not interaction.response.is_done():
                await interaction.response.send_message(ephemeral=True, **kwargs)
                return None
        sent = await interaction.followup.send(ephemeral=True, wait=True, **kwargs)
        return str(sent.id)

    async def _followup(
        self, application: int, token: str, member: MemberRef, message: Message, key: str | None
    ) -> str | None:
        """An answer through the followup webhook of an interaction another replica
        received (and deferred); by DM when Discord no longer knows it (that replica
        died before acknowledging it, so the interaction failed)."""
        webhook = discord.Webhook.from_state(
            {"id": application, "type": 3, "token": token},
            state=self.client._connection,
        )
        try:
            sent = await webhook.send(ephemeral=True, wait=True, **render.send_kwargs(message))
        except discord.NotFound:
            return await self._dm(member, message, key)
        return str(sent.id)

    async def _open_form(self, intent: OpenForm, key: str | None) -> str | None:
        handle = self._interactions.get(intent.in_reply_to or "")
        if handle is not None:
            interaction = handle[1]
            async with self._lock(interaction):
                if not interaction.response.is_done():
                    await interaction.response.send_modal(render.form_modal(intent.form))
                    return None
        # The interaction was already answered: a button opens the form on a fresh one.
        command = intent.form.form_id.removeprefix("command:")
        reopen = Message(
            text=intent.form.title,
            buttons=(Button(intent.form.submit_label + " …", REOPEN_FORM, command, "primary"),),
        )
        return await self._private(intent.member, reopen, intent.in_reply_to, key)

    async def _dm(self, member: MemberRef, message: Message, key: str | None) -> str:
        if member.id not in self._dm_channels:
            opened = await self.client.http.start_private_message(int(member.id))
            self._dm_channels[member.id] = int(opened["id"])
        channel = self.client.get_partial_messageable(
            self._dm_channels[member.id], type=discord.ChannelType.private
        )
        kwargs = render.send_kwargs(message) | _nonce(key)
        sent = await channel.send(**kwargs)
        return str(sent.id)


def _nonce(key: str | None) -> dict[str, str]:
    """The outbox row's key as the message's nonce. discord.py sends every nonce with
    `enforce_nonce: true`, so Discord answers a repeat within a few minutes in the same
    channel with the message it already made, and makes no second one. (Without a key,
    discord.py picks a random nonce, which dedupes nothing.)"""
    if key is not None and len(key) > MAX_NONCE:
        # Discord would refuse the message: better sent without the guard than never.
        log.warning("event=discord_nonce_too_long key=%s; sent without a nonce", key)
        return {}
    return {} if key is None else {"nonce": key}


def _guard_parsers(client: discord.Client) -> None:
    """Log and skip a gateway payload discord.py cannot parse.

    discord.py's connection loop survives network errors but not a parser's KeyError, so
    one malformed or unexpected event would end the connection. Each parser is wrapped.
    """
    parsers: dict[str, Any] = client._connection.parsers

    def guarded(kind: str, parse: Any) -> Any:
        def parse_or_skip(data: Any) -> None:
            try:
                parse(data)
            except Exception as problem:
                log.warning(
                    "event=discord_bad_payload kind=%s error=%s", kind, type(problem).__name__
                )

        return parse_or_skip

    for kind, parse in list(parsers.items()):
        parsers[kind] = guarded(kind, parse)


def _parent_of(channel: object) -> int | None:
    """A thread's parent channel; None for anything else."""
    if isinstance(channel, discord.Thread) and channel.parent_id:
        return channel.parent_id
    return None


def _where(guild_id: int | None, channel_id: int | None, parent_id: int | None) -> ConversationRef:
    """Threads are channels on Discord; the core sees the parent channel and the thread."""
    community = str(guild_id or NO_COMMUNITY)
    if parent_id:
        return ConversationRef(PLATFORM, community, str(parent_id), str(channel_id))
    return ConversationRef(PLATFORM, community, str(channel_id or ""))


def _actor_of(fields: dict[str, Any]) -> Actor:
    return Actor(
        MemberRef(PLATFORM, str(fields["guild_id"] or NO_COMMUNITY), str(fields["user_id"])),
        is_platform_admin=bool(fields.get("admin")),
    )


def _message_event(fields: dict[str, Any]) -> Event:
    where = _where(fields["guild_id"], fields["channel_id"], fields["parent_id"])
    where = ConversationRef(
        where.platform, where.community, where.channel, where.thread, fields["id"]
    )
    kind = ReplyPosted if where.thread else MessagePosted
    return kind(
        event_id=fields["id"],
        at=datetime.fromisoformat(fields["at"]),
        conversation=where,
        actor=_actor_of(fields),
        text=fields["text"],
        is_direct=fields["guild_id"] is None,
    )


def _reaction_event(fields: dict[str, Any]) -> Event:
    where = _where(fields["guild_id"], fields["channel_id"], fields["parent_id"])
    message = str(fields["message_id"])
    return ReactionAdded(
        event_id=f"{message}:{fields['user_id']}:{fields['emoji']}",
        at=discord.utils.utcnow(),
        conversation=ConversationRef(
            PLATFORM, where.community, where.channel, where.thread, message
        ),
        actor=_actor_of(fields),
        emoji=fields["emoji"],
    )


def _ready(event: Event) -> Callable[[], Awaitable[Sequence[Event]]]:
    """A translation already done (live events are translated before they are kept)."""

    async def translate() -> Sequence[Event]:
        return [event]

    return translate


def _reconnects_in_one_line(backoff: Backoff) -> None:
    """discord.py logs each gateway reconnect with a full traceback; Homeroom logs one
    line of its own instead, with the cause and when it tries again."""

    def one_line(record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith("Attempting a reconnect in"):
            return True
        error = record.exc_info[1] if record.exc_info else None
        first = record.args[0] if isinstance(record.args, tuple) and record.args else 0.0
        delay = float(first) if isinstance(first, int | float) else 0.0
        backoff.announce(error or ConnectionError("gateway closed"), delay=delay)
        return False

    logger = logging.getLogger("discord.client")
    for old in [f for f in logger.filters if getattr(f, "__name__", "") == "one_line"]:
        logger.removeFilter(old)  # one adapter per process, but tests build several
    logger.addFilter(one_line)
