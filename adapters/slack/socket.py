"""Socket Mode that reconnects the way Homeroom wants: with backoff and one log line of
its own per attempt.

slack_sdk's client retries a failed connection every few seconds forever, logging a
full traceback each time (418 lines in a minute without network), and never lets its
caller know. Here a connection attempt either succeeds, fails with a refusal the
caller reports (a wrong app token), or is retried after `Backoff`'s delay.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import aiohttp
from slack_bolt.adapter.socket_mode.async_internals import (
    run_async_bolt_app,
    send_async_response,
)
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from adapters.retry import Backoff

# Slack answers these when a token is wrong or revoked: no retry can fix them.
REFUSALS = {
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "not_allowed_token_type",
    "missing_scope",
}


def refusal(error: BaseException) -> str | None:
    """Slack's error code when `error` means the token was refused, else None."""
    if isinstance(error, SlackApiError):
        code = error.response.get("error") if isinstance(error.response.data, dict) else None
        if code in REFUSALS:
            return str(code)
    return None


class SocketClient(SocketModeClient):
    """slack_sdk's aiohttp client, with `connect()` replaced by one that backs off."""

    def __init__(self, app: AsyncApp, app_token: str, backoff: Backoff, **options: Any) -> None:
        super().__init__(app_token=app_token, web_client=app.client, **options)
        self.backoff = backoff
        self._app = app
        self.socket_mode_request_listeners.append(self._handle)

    async def _handle(self, client: Any, request: SocketModeRequest) -> None:
        started = time.time()
        response = await run_async_bolt_app(self._app, request)
        await send_async_response(client, request, response, started)

    async def connect(self) -> None:
        """Connect, retrying with backoff until connected, closed, or refused (raised)."""
        while not self.closed:
            try:
                await self.connect_once()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if self.closed or refusal(error):
                    raise
                await self.backoff.wait(error)
                continue
            return

    async def connect_once(self) -> None:
        """One attempt: a fresh socket URL from apps.connections.open, then the socket."""
        old = self.current_session
        self.auto_reconnect_enabled = False
        if old is not None:
            with contextlib.suppress(Exception):
                await old.close()
        if self.aiohttp_client_session.closed:
            self.aiohttp_client_session = aiohttp.ClientSession()
        response = await self.web_client.apps_connections_open(app_token=self.app_token)
        self.wss_uri = str(response["url"])
        self.current_session = await self.aiohttp_client_session.ws_connect(
            self.wss_uri, autoping=False, heartbeat=self.ping_interval, proxy=self.proxy
        )
        self.auto_reconnect_enabled = self.default_auto_reconnect_enabled
        self.stale = False
        self.backoff.reset()
        for task in (self.current_session_monitor, self.message_receiver):
            if task is not None:
                task.cancel()
        self.current_session_monitor = asyncio.ensure_future(self.monitor_current_session())
        self.message_receiver = asyncio.ensure_future(self.receive_messages())

    async def connect_to_new_endpoint(self, force: bool = False) -> None:
        """Called by slack_sdk's monitor when the socket died: reconnect, backing off."""
        async with self.connect_operation_lock:
            if force or not await self.is_connected():
                await self.connect()
