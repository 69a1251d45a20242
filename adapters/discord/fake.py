"""A local fake of Discord for tests and benchmarks: the REST API (recording every call)
and a gateway websocket that says HELLO, READY and GUILD_CREATE, accepts heartbeats and
delivers the events a test pushes. The real discord.py client connects to it.

Facts of discord.py 2.7 it honours: login calls GET /users/@me then
GET /oauth2/applications/@me; READY carries resume_gateway_url; JSON answers have
exactly `Content-Type: application/json`; a 429 carries a `Via` header (without one
discord.py takes it for a Cloudflare ban); interaction callbacks are posted with
`?with_response=1` and expect a 200 JSON body. Nothing here touches the internet.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

APPLICATION_ID = "1100000000000000001"
BOT_ID = "1100000000000000002"
GUILD_ID = "1200000000000000001"
PARENTS, LIAISONS = "1300000000000000001", "1300000000000000002"
FORUM = "1300000000000000003"
NONCE_SECONDS = 300.0  # how long Discord remembers a message's nonce (a few minutes)
TIMESTAMP = "2026-09-07T16:00:00.000000+00:00"


def user(user_id: str, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": user_id,
        "username": name,
        "discriminator": "0",
        "global_name": name.title(),
        "avatar": None,
        "bot": bot,
    }


@dataclass
class Call:
    method: str
    path: str
    body: Any
    query: dict[str, str]
    at: float = field(default_factory=time.perf_counter)


@dataclass
class FakeDiscord:
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, list[tuple[int, dict[str, Any], dict[str, str]]]] = field(
        default_factory=dict
    )
    url: str = ""
    missing_members: set[str] = field(default_factory=set)  # IDs the server has no member for
    text_channels: list[str] = field(default_factory=list)  # more channels in the server
    identifies: int = 0
    shards: list[list[int] | None] = field(default_factory=list)  # each IDENTIFY's [id, count]
    heartbeats: int = 0
    resumes: int = 0
    threads: set[str] = field(default_factory=set)  # messages a thread was started from
    pinned: set[str] = field(default_factory=set)
    thread_failures: list[int] = field(default_factory=list)  # statuses for the next creations
    # Every message the fake made (not repeats a nonce gave back), in order: what members
    # would see, whatever Homeroom sent or re-sent.
    messages: list[dict[str, Any]] = field(default_factory=list)
    # Awaited with "METHOD path" once a request has taken effect, before it is answered:
    # a fault test kills the app here, so Discord has the message and the app never hears.
    before_answer: Callable[[str], Awaitable[None]] | None = None
    _nonces: dict[tuple[str, str], tuple[float, dict[str, Any]]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(
        default_factory=lambda: itertools.count(1_400_000_000_000_000_001)
    )
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _changed: asyncio.Condition | None = None
    _ready: asyncio.Event | None = None
    _runner: web.AppRunner | None = None

    @property
    def api_url(self) -> str:
        return self.url + "/api/v10"

    @property
    def gateway_url(self) -> str:
        return self.url.replace("http", "ws") + "/gateway"

    async def start(self) -> str:
        self._changed = asyncio.Condition()
        self._ready = asyncio.Event()
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
        return self.url

    async def stop(self) -> None:
        for ws in self._sockets:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def fail_next(
        self, route: str, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        """The next request whose "METHOD path" starts with `route` gets this answer."""
        self.failures.setdefault(route, []).append((status, body, headers or {}))

    def fail_thread_creation(self, times: int, status: int = 500) -> None:
        """The next `times` thread creations from a message answer `status` (a 5xx)."""
        self.thread_failures += [status] * times

    # -- REST ------------------------------------------------------------------------------
    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        body: Any = None
        if request.content_type.startswith("multipart"):
            body = await _multipart(request)
        else:
            text = await request.text()
            if text and request.content_type == "application/json":
                body = json.loads(text)
        route = f"{request.method} {path}"
        if not route.startswith(("GET /users/@me", "GET /oauth2/")):
            assert self._changed is not None
            async with self._changed:
                self.calls.append(Call(request.method, path, body, dict(request.query)))
                self._changed.notify_all()
        for prefix, queued in self.failures.items():
            if route.startswith(prefix) and queued:
                status, answer, headers = queued.pop(0)
                return _json(answer, status, headers)
        if _starts_thread(request.method, path) and self.thread_failures:
            status = self.thread_failures.pop(0)
            return _json({"message": "Internal Server Error", "code": 0}, status)
        answer, status = self._answer(request.method, path, body)
        if self.before_answer is not None:
            await self.before_answer(route)
        if status == 204:
            return web.Response(status=204)
        return _json(answer, status)

    def _message(self, channel_id: str, body: dict[str, Any] | None) -> dict[str, Any]:
        body = body or {}
        return {
            "id": str(next(self._ids)),
            "channel_id": channel_id,
            "type": 0,
            "content": body.get("content") or "",
            "author": user(BOT_ID, "homeroom", bot=True),
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "attachments": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "flags": body.get("flags", 0),
            "nonce": body.get("nonce"),
        }

    def _post_message(self, channel_id: str, body: dict[str, Any] | None) -> dict[str, Any]:
        """Create a message, unless `enforce_nonce` names a nonce this channel saw within
        NONCE_SECONDS: then, as Discord does, answer with that message and make none."""
        body = body or {}
        nonce = body.get("nonce")
        now = time.monotonic()
        if nonce is not None and body.get("enforce_nonce"):
            seen = self._nonces.get((channel_id, str(nonce)))
            if seen is not None and now - seen[0] < NONCE_SECONDS:
                return seen[1]
        message = self._message(channel_id, body)
        self.messages.append(message)
        if nonce is not None:
            self._nonces[(channel_id, str(nonce))] = (now, message)
        return message

    @staticmethod
    def _thread(thread_id: str, parent_id: str, name: str) -> dict[str, Any]:
        return {
            "id": thread_id,
            "type": 11,
            "guild_id": GUILD_ID,
            "parent_id": parent_id,
            "name": name,
            "owner_id": BOT_ID,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": TIMESTAMP,
                "locked": False,
            },
            "message_count": 0,
            "member_count": 1,
        }

    def _answer(self, method: str, path: str, body: Any) -> tuple[Any, int]:
        parts = path.strip("/").split("/")
        if path == "/users/@me":
            return user(BOT_ID, "homeroom", bot=True), 200
        if path == "/oauth2/applications/@me":
            return {
                "id": APPLICATION_ID,
                "name": "Homeroom",
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "flags": 0,
                "owner": user("1", "owner"),
                "team": None,
                "summary": "",
            }, 200
        if parts[:1] == ["applications"] and parts[2:3] == ["commands"]:
            if method == "PUT":
                return [
                    {
                        **c,
                        "id": str(next(self._ids)),
                        "application_id": APPLICATION_ID,
                        "version": "1",
                    }
                    for c in body
                ], 200
            return [], 200
        if parts[:1] == ["interactions"]:
            kind = (body or {}).get("type")
            flags = ((body or {}).get("data") or {}).get("flags", 0)
            return {
                "interaction": {
                    "id": parts[1],
                    "type": 2,
                    "response_message_loading": kind == 5,
                    "response_message_ephemeral": bool(flags & 64),
                }
            }, 200
        if parts[:1] == ["webhooks"]:
            return self._message(PARENTS, body), 200
        if path == "/users/@me/channels":
            body = {"recipient_id": str(body["recipient_id"])}
            return {
                "id": "15" + body["recipient_id"][2:],
                "type": 1,
                "recipients": [user(body["recipient_id"], "member")],
                "last_message_id": None,
            }, 200
        if parts[:1] == ["guilds"] and parts[2:3] == ["members"] and len(parts) == 4:
            if parts[3] in self.missing_members:
                return {"message": "Unknown Member", "code": 10007}, 404
            member = {"roles": [], "joined_at": TIMESTAMP, "deaf": False, "mute": False, "flags": 0}
            return {"user": user(parts[3], "member"), **member}, 200
        if parts[:1] == ["users"]:
            return user(parts[1], "member"), 200
        if parts[:1] == ["channels"] and "pins" in parts:
            # Pinning an already pinned message (or unpinning one that is not) is a 204 too.
            (self.pinned.add if method == "PUT" else self.pinned.discard)(parts[-1])
            return None, 204
        if parts[:1] == ["channels"] and "reactions" in parts:
            return None, 204
        if _starts_thread(method, path):
            # A thread started from a message is a channel (type 11) with the message's ID.
            if parts[3] in self.threads:
                return {
                    "message": "A thread has already been created for this message",
                    "code": 160004,
                }, 400
            self.threads.add(parts[3])
            return self._thread(parts[3], parts[1], (body or {}).get("name", "")), 201
        if parts[:1] == ["channels"] and parts[2:3] == ["threads"]:
            thread = self._thread(str(next(self._ids)), parts[1], body.get("name", ""))
            return {
                **thread,
                "message": self._message(thread["id"], (body or {}).get("message")),
            }, 201
        if method == "POST" and parts[:1] == ["channels"] and parts[2:] == ["messages"]:
            return self._post_message(parts[1], body), 200
        if parts[:1] == ["channels"] and parts[2:3] == ["messages"]:
            return self._message(parts[1], body), 200
        if parts[:1] == ["channels"]:
            return channel(parts[1], "channel"), 200
        return {"message": "Unknown route", "code": 0}, 404

    async def wait_for(self, count: int, route: str = "", within: float = 10.0) -> list[Call]:
        """Wait until `count` calls whose "METHOD path" starts with `route` were recorded."""
        assert self._changed is not None

        def matching() -> list[Call]:
            return [c for c in self.calls if f"{c.method} {c.path}".startswith(route)]

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(matching()) >= count), within)
        return matching()

    # -- gateway ---------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        async for message in ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            payload = json.loads(message.data)
            if payload["op"] == 1:
                self.heartbeats += 1
                await ws.send_str(json.dumps({"op": 11}))
            elif payload["op"] == 2:
                self.identifies += 1
                self.shards.append(payload["d"].get("shard"))
                await self._send(
                    ws,
                    "READY",
                    {
                        "v": 10,
                        "user": user(BOT_ID, "homeroom", bot=True),
                        "guilds": [{"id": GUILD_ID, "unavailable": True}],
                        "session_id": "session-1",
                        "resume_gateway_url": self.gateway_url,
                        "application": {"id": APPLICATION_ID, "flags": 0},
                        # A sharded session's READY names its shard, as Discord's does.
                        **({"shard": shard} if (shard := payload["d"].get("shard")) else {}),
                    },
                )
                server = guild()
                server["channels"] += [channel(c, f"group-{c[-4:]}") for c in self.text_channels]
                await self._send(ws, "GUILD_CREATE", server)
                assert self._ready is not None
                self._ready.set()
            elif payload["op"] == 6:
                assert self._changed is not None
                async with self._changed:
                    self.resumes += 1
                    self._changed.notify_all()
                await self._send(ws, "RESUMED", {})
        return ws

    async def _send(self, ws: web.WebSocketResponse, name: str, data: dict[str, Any]) -> None:
        await ws.send_str(json.dumps({"op": 0, "t": name, "s": next(self._seq), "d": data}))

    async def wait_for_resume(self, within: float = 20.0) -> None:
        assert self._changed is not None
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: self.resumes > 0), within)

    async def wait_until_identified(self, within: float = 20.0) -> None:
        assert self._ready is not None
        await asyncio.wait_for(self._ready.wait(), within)

    async def drop_connections(self, code: int = 4000) -> None:
        """Close every gateway connection as Discord does on a hiccup (4000 may resume)."""
        for ws in list(self._sockets):
            self._sockets.remove(ws)
            await ws.close(code=code)

    async def dispatch(self, name: str, data: dict[str, Any]) -> None:
        """Deliver a gateway event (MESSAGE_CREATE, INTERACTION_CREATE ...) to the bot."""
        for ws in self._sockets:
            if not ws.closed:
                await self._send(ws, name, data)


async def _multipart(request: web.Request) -> dict[str, Any]:
    """A message with files, as Discord takes it: `payload_json` is the message, and each
    file part is kept by name and size (under "files")."""
    body: dict[str, Any] = {"multipart": True}
    files: list[dict[str, Any]] = []
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, aiohttp.BodyPartReader):
            continue
        data = await part.read()
        if part.name == "payload_json":
            body.update(json.loads(data))
        else:
            files.append({"name": part.name, "filename": part.filename, "size": len(data)})
    body["files"] = files
    return body


def _starts_thread(method: str, path: str) -> bool:
    """POST /channels/{channel}/messages/{message}/threads: a thread from a message."""
    parts = path.strip("/").split("/")
    return (
        method == "POST" and len(parts) == 5 and parts[::2] == ["channels", "messages", "threads"]
    )


def _json(answer: Any, status: int, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly application/json: discord.py reads any other content type as plain text.
    body = json.dumps(answer).encode()
    return web.Response(
        status=status, body=body, headers={"Content-Type": "application/json", **(headers or {})}
    )


def channel(channel_id: str, name: str, kind: int = 0, *, private: bool = False) -> dict[str, Any]:
    # A private channel hides itself from the server's everyone role (ID = the server's).
    hidden = [{"id": GUILD_ID, "type": 0, "allow": "0", "deny": str(1 << 10)}]
    return {
        "id": channel_id,
        "type": kind,
        "guild_id": GUILD_ID,
        "name": name,
        "position": 0,
        "permission_overwrites": hidden if private else [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
        "available_tags": [],
        "default_reaction_emoji": None,
    }


def guild() -> dict[str, Any]:
    everyone = {
        "id": GUILD_ID,
        "name": "@everyone",
        "permissions": "1071698660929",
        "position": 0,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }
    return {
        "id": GUILD_ID,
        "name": "Lincoln Elementary families",
        "icon": None,
        "owner_id": "1",
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "preferred_locale": "en-US",
        "roles": [everyone],
        "emojis": [],
        "stickers": [],
        "features": [],
        "system_channel_flags": 0,
        "unavailable": False,
        "large": False,
        "member_count": 2,
        "joined_at": TIMESTAMP,
        "voice_states": [],
        "presences": [],
        "threads": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "members": [
            {
                "user": user(BOT_ID, "homeroom", bot=True),
                "roles": [],
                "joined_at": TIMESTAMP,
                "deaf": False,
                "mute": False,
                "flags": 0,
            }
        ],
        "channels": [
            channel(PARENTS, "parents"),
            channel(LIAISONS, "liaisons", private=True),
            channel(FORUM, "ideas", kind=15),
        ],
    }


_interactions = itertools.count(1_600_000_000_000_000_001)


def interaction(
    kind: int,
    data: dict[str, Any],
    *,
    user_id: str,
    username: str = "member",
    admin: bool = False,
    locale: str = "en-US",
    channel_id: str = PARENTS,
) -> dict[str, Any]:
    """An INTERACTION_CREATE payload as Discord sends it from a server channel."""
    permissions = str(
        (1 << 5) | (1 << 11) if admin else 1 << 11
    )  # Manage Server (admins), Send Messages
    return {
        "id": str(next(_interactions)),
        "application_id": APPLICATION_ID,
        "type": kind,
        "data": data,
        "guild_id": GUILD_ID,
        "channel_id": channel_id,
        "channel": channel(channel_id, "parents"),
        "member": {
            "user": user(user_id, username),
            "roles": [],
            "joined_at": TIMESTAMP,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "permissions": permissions,
        },
        "token": "tok-" + str(next(_interactions)),
        "version": 1,
        "locale": locale,
        "guild_locale": "en-US",
        "app_permissions": "2248473465835073",
        "entitlements": [],
        "authorizing_integration_owners": {"0": GUILD_ID},
        "context": 0,
        "attachment_size_limit": 10485760,
    }


def slash_command(
    name: str, options: list[dict[str, Any]] | None = None, **who: Any
) -> dict[str, Any]:
    return interaction(
        2, {"id": "1700000000000000001", "name": name, "type": 1, "options": options or []}, **who
    )


def button_press(custom_id: str, **who: Any) -> dict[str, Any]:
    payload = interaction(3, {"custom_id": custom_id, "component_type": 2}, **who)
    payload["message"] = {
        **FakeDiscord()._message(PARENTS, {"content": "card", "flags": 64}),
        "id": "1500000000000000001",
    }
    return payload


def select_pick(custom_id: str, values: list[str], **who: Any) -> dict[str, Any]:
    """A member's choice in a string select menu on the card (as `button_press`)."""
    payload = button_press(custom_id, **who)
    payload["data"] = {"custom_id": custom_id, "component_type": 3, "values": values}
    return payload


def modal_submit(custom_id: str, values: dict[str, str], **who: Any) -> dict[str, Any]:
    rows = [
        {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]}
        for k, v in values.items()
    ]
    return interaction(5, {"custom_id": custom_id, "components": rows}, **who)
