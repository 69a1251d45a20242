"""Token buckets that keep sending under a platform's rate limits."""

from __future__ import annotations

from bot.clock import Clock

EPSILON = 1e-9


class TokenBucket:
    """`rate` tokens a second, at most `burst` saved up; `pause` honours a Retry-After."""

    def __init__(self, rate: float, burst: int, clock: Clock) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._clock = clock
        self._tokens = float(burst)
        self._updated = clock.monotonic()
        self._paused_until = 0.0

    def _refill(self, now: float | None = None) -> float:
        if now is None:
            now = self._clock.monotonic()
        if now > self._updated:
            self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate)
            self._updated = now
        return now

    def delay(self, now: float | None = None) -> float:
        """Seconds until one token may be taken (0 when one is available now). `now`: the
        clock's `monotonic()` when the caller has just read it (one read for many buckets)."""
        now = self._refill(now)
        if now < self._paused_until:
            return self._paused_until - now
        # Within EPSILON of a whole token counts as one: float rounding must not leave a
        # delay too small for any clock to pass (a livelock).
        return 0.0 if self._tokens >= 1 - EPSILON else (1 - self._tokens) / self._rate

    def take(self, now: float | None = None) -> None:
        self._refill(now)
        self._tokens -= 1

    def pause(self, seconds: float) -> None:
        """Send nothing for `seconds`, then exactly one message at once, and refill from
        there: the pause lasts the Retry-After and no longer, while refilling during it
        would release a burst that earns the next 429."""
        now = self._refill()
        self._paused_until = max(self._paused_until, now + seconds)
        self._tokens = 1.0
        self._updated = self._paused_until

    def reshape(self, rate: float, burst: int) -> None:
        """Pace at `rate`, saving up at most `burst` from now on (a replica's share of a
        platform's limit changes as replicas come and go); tokens saved beyond the new
        burst are dropped, a pause stands."""
        self._refill()
        self._rate = rate
        self._burst = float(burst)
        self._tokens = min(self._tokens, self._burst)
