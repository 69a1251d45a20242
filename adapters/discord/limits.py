"""Discord's 429s handed to Homeroom's outbox instead of discord.py's own retry.

discord.py waits out a 429 itself (up to `max_ratelimit_timeout`) with a real sleep
that neither the outbox's pacing nor its record of the row knows about, and it hides
whether the limit was global. While the outbox delivers, a trace on the HTTP session
turns a 429 into `Limited` at once, with Discord's own answer: how long, and whether
every channel (a global limit, or a Cloudflare ban without a `Via` header) must wait.
"""

from __future__ import annotations

import contextvars
import json
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

import aiohttp

from adapters.retry import retry_after_seconds
from bot.delivery import Scope

_delivering: contextvars.ContextVar[bool] = contextvars.ContextVar("delivering", default=False)


class Limited(Exception):
    """A 429 met while delivering: wait `seconds`; `scope` is "platform" when it holds
    every route of the bot, else "lane" (the route: one channel)."""

    def __init__(self, seconds: float, *, scope: Scope) -> None:
        super().__init__(f"rate limited for {seconds:.3f}s ({scope})")
        self.seconds = seconds
        self.scope: Scope = scope


@contextmanager
def delivering() -> Iterator[None]:
    """Within this block (one outbox delivery), a 429 raises `Limited`."""
    token = _delivering.set(True)
    try:
        yield
    finally:
        _delivering.reset(token)


def trace() -> aiohttp.TraceConfig:
    """The session trace to pass to discord.Client(http_trace=...)."""
    config = aiohttp.TraceConfig()
    config.on_request_end.append(_on_request_end)
    return config


async def _on_request_end(
    _session: aiohttp.ClientSession,
    _context: SimpleNamespace,
    params: aiohttp.TraceRequestEndParams,
) -> None:
    response = params.response
    if response.status != 429 or not _delivering.get():
        return
    try:
        body = json.loads(await response.read())
    except (ValueError, aiohttp.ClientError):
        body = None
    data = body if isinstance(body, dict) else {}
    headers = response.headers
    # The body's float is the exact wait; the header is whole seconds, rounded up.
    wait = retry_after_seconds(data.get("retry_after"), headers.get("Retry-After"))
    overall = (
        bool(data.get("global"))
        or headers.get("X-RateLimit-Global", "").lower() == "true"
        or headers.get("X-RateLimit-Scope", "") == "global"
        or not headers.get("Via")  # Cloudflare's ban holds every request
    )
    raise Limited(wait, scope="platform" if overall else "lane")
