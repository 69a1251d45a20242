"""Reaching a platform that cannot be reached right now (no network, DNS failure, 5xx).

Homeroom logs one line of its own per attempt, naming the cause and when it tries
again, backs off exponentially, and keeps serving every platform that does work. A
platform that *refuses* (a wrong or revoked token) is another matter: no retry fixes
it, so the caller reports it instead of retrying.
"""

from __future__ import annotations

import logging
import math
from datetime import timedelta

from bot.clock import Clock

log = logging.getLogger("homeroom.platforms")

FIRST_DELAY = 1.0  # seconds
MAX_DELAY = 300.0
DEFAULT_RETRY_AFTER = 1.0  # a 429 that does not say how long
LONGEST_RETRY_AFTER = 3600.0  # what no honest 429 asks; a longer one is a bad header


def retry_after_seconds(*values: object) -> float:
    """A 429's wait in seconds from the first of `values` (a Retry-After header, a body's
    field) that can be read: "30" is 30 s, "1.5" is 1.5 s; a list of header values gives
    its first value (never the first character of a string); none readable (missing,
    garbage) gives DEFAULT_RETRY_AFTER. Capped at LONGEST_RETRY_AFTER, never negative."""
    for value in values:
        seconds = _seconds(value)
        if seconds is not None:
            return min(LONGEST_RETRY_AFTER, max(0.0, seconds))
    return DEFAULT_RETRY_AFTER


def _seconds(value: object) -> float | None:
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return None if math.isnan(seconds) else seconds


class Backoff:
    """1 s, 2 s, 4 s ... up to 5 minutes between attempts; reset once connected."""

    def __init__(self, clock: Clock, platform: str) -> None:
        self._clock = clock
        self._platform = platform
        self._next = FIRST_DELAY

    def reset(self) -> None:
        self._next = FIRST_DELAY

    def announce(self, error: BaseException, delay: float | None = None) -> float:
        """Log the one line for this failed attempt; return the delay before the next."""
        if delay is None:
            delay, self._next = self._next, min(MAX_DELAY, self._next * 2)
        at = (self._clock.now() + timedelta(seconds=delay)).strftime("%Y-%m-%dT%H:%M:%SZ")
        log.warning(
            "event=platform_unreachable platform=%s error=%s retry_in=%.0fs next_retry=%s",
            self._platform,
            describe(error),
            delay,
            at,
        )
        return delay

    async def wait(self, error: BaseException) -> None:
        await self._clock.sleep(self.announce(error))


def describe(error: BaseException) -> str:
    """The cause in a few words on one line (an error's text, never a payload)."""
    status = getattr(getattr(error, "response", None), "status_code", None)
    text = getattr(error, "strerror", None) or str(error) or ""
    text = " ".join(text.split())[:160]
    kind = type(error).__name__
    if status is not None:
        return f'"{kind} HTTP {status}"'
    return f'"{kind}: {text}"' if text else kind
