"""Reaching a platform that cannot be reached right now (no network, DNS failure, 5xx).

Homeroom logs one line of its own per attempt, naming the cause and when it tries
again, backs off exponentially, and keeps serving every platform that does work. A
platform that *refuses* (a wrong or revoked token) is another matter: no retry fixes
it, so the caller reports it instead of retrying.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.clock import Clock

log = logging.getLogger("homeroom.platforms")

FIRST_DELAY = 1.0  # seconds
MAX_DELAY = 300.0


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
