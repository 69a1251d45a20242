"""What the Slack benchmarks share: the bot in a process of its own (Homeroom and the
Slack adapter in HTTP mode, against the local fake Slack API), started and stopped by
the driver, signed requests sent to it, and the figures' percentiles.

Two processes, as in production where Slack is elsewhere: the driver's own work (the
fake API, the requests) never takes the bot's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import statistics
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode

import aiohttp

from adapters.slack.fake import FakeSlack, SignedClient

SECRET = "bench-secret"


async def serve_slack(port: int, api_url: str, database: str) -> Any:
    """In the bot's process: Homeroom and the Slack adapter serving HTTP on `port`,
    started; returns the app (the caller adds its load, then says `ready`)."""
    from adapters.slack import SlackAdapter
    from bot.app import Homeroom
    from bot.testing import test_settings

    settings = test_settings(
        database,
        slack_bot_token="xoxb-bench",
        slack_signing_secret=SECRET,
        slack_mode="http",
        slack_http_port=port,
        slack_api_url=api_url,
    )
    app = Homeroom(settings)
    adapter = SlackAdapter(app, settings)
    app.attach(adapter)
    await app.start()
    await adapter.start()
    return app


def ready() -> None:
    """The bot's process tells the driver it serves (`bot_process` waits for it)."""
    print("ready", flush=True)


@contextlib.asynccontextmanager
async def bot_process(
    module: str, fake: FakeSlack, database: Path, log: IO[str] | None = None
) -> AsyncIterator[tuple[int, SignedClient]]:
    """Run `python -m <module> --serve PORT API_URL DATABASE_URL` until it says ready;
    yields its process ID and a client that signs requests to it. Stops it on exit."""
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        "--serve",
        str(port),
        fake.url + "/api/",
        f"sqlite+aiosqlite:///{database}",
        stdout=asyncio.subprocess.PIPE,
        stderr=log,
    )
    try:
        assert server.stdout is not None
        assert (await server.stdout.readline()).strip() == b"ready"
        yield server.pid, SignedClient(f"http://127.0.0.1:{port}/slack/events", SECRET)
    finally:
        server.terminate()
        await server.wait()


def session() -> aiohttp.ClientSession:
    """One HTTP session for the whole run, many connections (open loop)."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=400))


async def post_signed(
    http: aiohttp.ClientSession, client: SignedClient, form: dict[str, str]
) -> tuple[float, int]:
    """POST a Slack request form (a slash command's fields, or `payload`) signed;
    returns the seconds until the HTTP answer (the ack) and its status."""
    body = urlencode(form)
    headers = {"Content-Type": "application/x-www-form-urlencoded", **client.sign(body)}
    started = time.perf_counter()
    async with http.post(client.app_url, data=body, headers=headers) as response:
        await response.read()
        return time.perf_counter() - started, response.status


def interaction(payload: dict[str, Any]) -> dict[str, str]:
    """The form Slack posts for an interaction (a button's block_actions)."""
    return {"payload": json.dumps(payload)}


def handle_of(response_url: str) -> str:
    """The fake's name for a response_url: its answers carry it as `handle`."""
    return response_url.rsplit("/", 1)[1]


def percentiles(label: str, seconds: list[float]) -> str:
    if not seconds:
        return f"  {label}: none"
    ordered = sorted(seconds)
    p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)]
    return (
        f"  {label}: p50 {statistics.median(ordered) * 1000:.1f} ms, "
        f"p99 {p99 * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
