"""A local fake of Slack for tests and benchmarks: the Web API (recording every call,
answering errors and 429s on demand), response_url endpoints, a Socket Mode websocket,
and a client that sends correctly signed, Slack-shaped requests to the app.
Nothing here touches the internet.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
from aiohttp import web

TEAM = "T0SCHOOL"
BOT_USER = "UBOT"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.perf_counter)


@dataclass
class FakeSlack:
    """The Web API at `{url}/api/`, response URLs at `{url}/respond/<id>`."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, list[tuple[int, dict[str, Any], dict[str, str]]]] = field(
        default_factory=dict
    )
    acks: list[dict[str, Any]] = field(default_factory=list)
    missing_channels: set[str] = field(default_factory=set)
    private_channels: set[str] = field(default_factory=lambda: {"C0LIAISONS"})
    lookups: int = 0  # users.info calls, which the adapter should cache
    # users.info about these members waits until `release` (a slow lookup, so a test can
    # act while the bot is between its ack and its answer)
    held_lookups: set[str] = field(default_factory=set)
    # Every message posted, per channel, oldest first: what conversations.history reads.
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    uploads: dict[str, bytes] = field(default_factory=dict)  # file ID -> what was uploaded
    # Awaited with the method's name once a call has taken effect, before it is answered:
    # a fault test kills the app here, so Slack has the message and the app never hears.
    before_answer: Callable[[str], Awaitable[None]] | None = None
    url: str = ""
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Condition | None = None
    _runner: web.AppRunner | None = None
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)

    def add_user(
        self,
        user: str,
        *,
        name: str,
        locale: str = "en-US",
        admin: bool = False,
        tz: str = "America/New_York",
    ) -> None:
        self.users[user] = {
            "id": user,
            "team_id": TEAM,
            "name": name,
            "real_name": name.title(),
            "tz": tz,
            "locale": locale,
            "is_admin": admin,
            "is_owner": False,
            "profile": {"display_name": name.title()},
        }

    def fail_next(
        self, method: str, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        """The next call of `method` gets this answer instead of a success."""
        self.failures.setdefault(method, []).append((status, body, headers or {}))

    async def start(self) -> str:
        self._changed = asyncio.Condition()
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{handle}", self._respond)
        app.router.add_post("/upload/{file}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        for ws in self._sockets:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _record(self, method: str, params: dict[str, Any]) -> None:
        assert self._changed is not None
        async with self._changed:
            self.calls.append(Call(method, params))
            self._changed.notify_all()

    async def wait_for(
        self, count: int, method: str | None = None, within: float = 10.0
    ) -> list[Call]:
        """Wait until `count` calls (of `method`, if given) were recorded; return them."""
        assert self._changed is not None

        def matching() -> list[Call]:
            return [c for c in self.calls if method is None or c.method == method]

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(matching()) >= count), within)
        return matching()

    async def wait_until(self, done: Callable[[], bool], within: float) -> None:
        """Wait until `done()` holds, asked again after each call recorded."""
        assert self._changed is not None
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(done), within)

    async def wait_for_reply(self, handle: str, within: float = 60.0) -> Call:
        """Wait until the response URL `{url}/respond/<handle>` was answered; the call."""
        assert self._changed is not None

        def found() -> Call | None:
            return next(
                (
                    c
                    for c in self.calls
                    if c.method == "response_url" and c.params.get("handle") == handle
                ),
                None,
            )

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: found() is not None), within)
        call = found()
        assert call is not None
        return call

    async def _unheld(self, user: str) -> None:
        assert self._changed is not None
        async with self._changed:
            await self._changed.wait_for(lambda: user not in self.held_lookups)

    async def release(self, user: str) -> None:
        """Let users.info about `user` answer (see `held_lookups`)."""
        assert self._changed is not None
        async with self._changed:
            self.held_lookups.discard(user)
            self._changed.notify_all()

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        body = await request.text()
        if body:
            if request.content_type == "application/json":
                params.update(json.loads(body))
            else:
                params.update(dict(parse_qsl(body)))
        if method == "users.info":
            self.lookups += 1
            await self._unheld(params.get("user", ""))
        reads = (
            "auth.test",
            "users.info",
            "users.list",
            "apps.connections.open",
            "conversations.info",
        )
        if method not in reads:
            await self._record(method, params)
        queued = self.failures.get(method)
        if queued:
            status, answer, headers = queued.pop(0)
            return web.json_response(answer, status=status, headers=headers)
        answer = self._answer(method, params)
        if self.before_answer is not None:
            await self.before_answer(method)
        return web.json_response(answer)

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        # Wall-clock seconds, as Slack's are (a read's `oldest` compares with them),
        # and unique and rising, as Slack's are in one channel.
        ts = f"{int(time.time())}.{next(self._ts):06d}"
        if method == "auth.test":
            return {
                "ok": True,
                "user_id": BOT_USER,
                "bot_id": "BBOT",
                "team_id": TEAM,
                "user": "homeroom",
            }
        if method == "users.info":
            user = self.users.get(params.get("user", ""))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "users.list":
            return {"ok": True, "members": list(self.users.values())}
        if method == "conversations.info":
            channel = params.get("channel", "")
            if channel in self.missing_channels:
                return {"ok": False, "error": "channel_not_found"}
            private = channel in self.private_channels
            return {
                "ok": True,
                "channel": {
                    "id": channel,
                    "is_member": True,
                    "is_archived": False,
                    "is_private": private,
                },
            }
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + params["users"]}}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.url.replace("http", "ws") + "/socket"}
        if method == "chat.postMessage":
            return {"ok": True, "channel": params.get("channel"), "ts": self._post(params, ts)}
        if method == "chat.update":
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts") or ts}
        if method in ("conversations.history", "conversations.replies"):
            return self._history(method, params)
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts):08d}"
            return {"ok": True, "file_id": file_id, "upload_url": f"{self.url}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            files = params.get("files")
            if isinstance(files, str):  # form-encoded: JSON text
                files = json.loads(files)
            shown = [{"id": f["id"], "title": f.get("title")} for f in files or []]
            missing = [f["id"] for f in shown if f["id"] not in self.uploads]
            if missing:
                return {"ok": False, "error": "file_upload_not_found"}
            return {"ok": True, "files": shown}
        return {"ok": True}

    async def _upload(self, request: web.Request) -> web.Response:
        """An upload URL that files.getUploadURLExternal gave: keeps the bytes."""
        file_id = request.match_info["file"]
        if request.content_type.startswith("multipart"):
            reader = await request.multipart()
            part = await reader.next()
            data = await part.read() if isinstance(part, aiohttp.BodyPartReader) else b""
        else:
            data = await request.read()
        self.uploads[file_id] = bytes(data)
        await self._record("upload", {"file": file_id, "size": len(data)})
        return web.Response(text="OK - " + str(len(data)))

    def _post(self, params: dict[str, Any], ts: str) -> str:
        metadata = params.get("metadata")
        if isinstance(metadata, str):  # a form-encoded call sends it as JSON text
            metadata = json.loads(metadata)
        message = {
            "type": "message",
            "user": BOT_USER,
            "bot_id": "BBOT",
            "ts": ts,
            "text": params.get("text", ""),
            "thread_ts": params.get("thread_ts"),
            "metadata": metadata,
        }
        self.messages.setdefault(str(params.get("channel")), []).append(message)
        return ts

    def _history(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """conversations.history (the channel's messages, newest first) or .replies (a
        thread's, oldest first), after `oldest`, at most `limit`; metadata only when
        `include_all_metadata` asks for it, as Slack does."""
        channel = str(params.get("channel", ""))
        if channel in self.missing_channels:
            return {"ok": False, "error": "channel_not_found"}
        oldest = float(params.get("oldest") or 0)
        limit = int(params.get("limit") or 100)
        with_metadata = str(params.get("include_all_metadata", "")).lower() in {"1", "true"}
        every = self.messages.get(channel, [])
        if method == "conversations.replies":
            parent = params.get("ts")
            chosen = [m for m in every if parent in (m["ts"], m["thread_ts"])]
        else:
            chosen = [m for m in reversed(every) if m["thread_ts"] in (None, m["ts"])]
        chosen = [m for m in chosen if float(m["ts"]) > oldest]
        shown = [
            {k: v for k, v in m.items() if v is not None and (with_metadata or k != "metadata")}
            for m in chosen[:limit]
        ]
        return {"ok": True, "messages": shown, "has_more": len(chosen) > limit}

    async def _respond(self, request: web.Request) -> web.Response:
        handle = request.match_info["handle"]
        await self._record("response_url", {"handle": handle, **await request.json()})
        # fail_next("response_url", 429, {}, {"Retry-After": "30"}) fails the next answer
        # to any response URL; fail_next(f"response_url:{handle}", ...) only that one's.
        queued = self.failures.get(f"response_url:{handle}") or self.failures.get("response_url")
        if queued:
            status, answer, headers = queued.pop(0)
            return web.Response(
                text=answer.get("text", "rate_limited"), status=status, headers=headers
            )
        return web.Response(text="ok")

    # -- Socket Mode ---------------------------------------------------------------------
    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}})
        async for message in ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                assert self._changed is not None
                async with self._changed:
                    self.acks.append(json.loads(message.data))
                    self._changed.notify_all()
        return ws

    async def push(self, envelope_type: str, payload: dict[str, Any]) -> str:
        """Deliver an envelope over Socket Mode; returns its envelope_id."""
        envelope_id = uuid.uuid4().hex
        for ws in self._sockets:
            await ws.send_json(
                {
                    "envelope_id": envelope_id,
                    "type": envelope_type,
                    "payload": payload,
                    "accepts_response_payload": envelope_type != "events_api",
                }
            )
        return envelope_id

    async def wait_for_ack(self, envelope_id: str, within: float = 10.0) -> dict[str, Any]:
        assert self._changed is not None
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(
                    lambda: any(a.get("envelope_id") == envelope_id for a in self.acks)
                ),
                within,
            )
        return next(a for a in self.acks if a.get("envelope_id") == envelope_id)

    async def wait_for_socket(self, within: float = 10.0) -> None:
        deadline = time.monotonic() + within
        while not self._sockets:
            if time.monotonic() > deadline:
                raise TimeoutError("the app never connected over Socket Mode")
            await asyncio.sleep(0.01)  # waiting on another party's connection, not on time


# -- Slack-shaped payloads ----------------------------------------------------------------
_triggers = itertools.count(1)


def slash(
    text: str,
    *,
    user: str,
    channel: str = "C0PARENTS",
    command: str = "/homeroom",
    respond_to: str = "",
) -> dict[str, str]:
    n = next(_triggers)
    return {
        "token": "legacy",
        "team_id": TEAM,
        "team_domain": "school",
        "channel_id": channel,
        "channel_name": "parents",
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "response_url": f"{respond_to}/respond/{n}",
        "trigger_id": f"trig{n}.{uuid.uuid4().hex[:8]}",
        "api_app_id": "A1",
    }


def block_action(
    action_id: str, value: str, *, user: str, channel: str = "C0PARENTS", respond_to: str = ""
) -> dict[str, Any]:
    n = next(_triggers)
    return {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": user, "team_id": TEAM},
        "channel": {"id": channel},
        "container": {
            "type": "message",
            "channel_id": channel,
            "message_ts": "1.1",
            "is_ephemeral": True,
        },
        "trigger_id": f"trig{n}.x",
        "response_url": f"{respond_to}/respond/{n}",
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "b",
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def select_action(
    action_id: str,
    values: list[str],
    *,
    user: str,
    multi: bool = False,
    channel: str = "C0PARENTS",
    respond_to: str = "",
) -> dict[str, Any]:
    """A member's choice in a select menu on a message (as `block_action`)."""
    payload = block_action(action_id, "", user=user, channel=channel, respond_to=respond_to)
    action = payload["actions"][0]
    del action["value"]
    options = [{"text": {"type": "plain_text", "text": v}, "value": v} for v in values]
    if multi:
        action.update(type="multi_static_select", selected_options=options)
    else:
        action.update(type="static_select", selected_option=options[0] if options else None)
    return payload


def message_shortcut(
    callback_id: str, *, user: str, channel: str = "C0PARENTS", text: str = "", respond_to: str = ""
) -> dict[str, Any]:
    n = next(_triggers)
    return {
        "type": "message_action",
        "callback_id": callback_id,
        "team": {"id": TEAM},
        "user": {"id": user, "team_id": TEAM},
        "channel": {"id": channel},
        "message": {"type": "message", "user": "U0OTHER", "ts": "1700000000.000200", "text": text},
        "trigger_id": f"trig{n}.s",
        "response_url": f"{respond_to}/respond/{n}",
    }


def view_submission(
    form_id: str, values: dict[str, dict[str, Any]], *, user: str, channel: str = "C0PARENTS"
) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": {"id": user, "team_id": TEAM},
        "trigger_id": f"trig{next(_triggers)}.v",
        "view": {
            "id": "V" + uuid.uuid4().hex[:8],
            "type": "modal",
            "hash": "h1",
            "callback_id": "homeroom.form",
            "private_metadata": json.dumps(
                {"form_id": form_id, "channel": channel, "thread": None}
            ),
            "state": {"values": values},
        },
    }


def event_callback(event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    return {
        "token": "legacy",
        "team_id": TEAM,
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": event_id or "Ev" + uuid.uuid4().hex[:10],
        "event_time": int(time.time()),
        "event": event,
    }


@dataclass
class SignedClient:
    """Posts Slack-shaped requests to the app, signed as Slack signs them."""

    app_url: str
    signing_secret: str

    def sign(self, body: str, timestamp: int | None = None) -> dict[str, str]:
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        digest = hmac.new(
            self.signing_secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256
        ).hexdigest()
        return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}

    async def post(
        self, body: str, content_type: str, headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        all_headers = {"Content-Type": content_type, **self.sign(body), **(headers or {})}
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.app_url, data=body, headers=all_headers) as response,
        ):
            return response.status, await response.text()

    async def command(self, payload: dict[str, str]) -> tuple[int, str]:
        return await self.post(urlencode(payload), "application/x-www-form-urlencoded")

    async def interaction(self, payload: dict[str, Any]) -> tuple[int, str]:
        return await self.post(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )

    async def event(self, payload: dict[str, Any], retry: int | None = None) -> tuple[int, str]:
        headers = (
            {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
            if retry
            else {}
        )
        return await self.post(json.dumps(payload), "application/json", headers)
