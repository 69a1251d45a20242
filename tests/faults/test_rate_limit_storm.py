"""A 429 storm: once the first 429 is back, nothing it holds starts before its Retry-After.

Measured before this was fixed: of 380 rate-limited requests, 200 were sent before the
first Retry-After had passed. Here a platform answers 429 `Retry-After: 30` while many
channels have posts queued and many sends are under way at once; the test counts every
request the platform saw: none held by the 429 starts within the 30 s (those already
under way when it came back are allowed, and counted exactly), what it does not hold
goes on, and every message arrives exactly once.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack.adapter import _classify
from bot.app import Homeroom
from bot.capabilities import RateLimits
from bot.clock import FakeClock
from bot.delivery import RetryAfter
from bot.intents import Intent, Message, Post
from bot.refs import ConversationRef
from bot.testing import FakeAdapter, run_until

LIMITS = RateLimits(per_channel=1.0, per_channel_burst=1, overall=100.0, overall_burst=100)
RETRY_AFTER = "30"  # as the header says it
QUOTA = 5  # requests the limited side still accepts before its storm begins
LATENCY = 3  # loop turns a request spends crossing the network


@dataclass(frozen=True)
class Seen:
    what: str  # "start", "ok" or "429"
    request: int
    at: float
    community: str
    text: str


def slack_429() -> RetryAfter:
    """What the Slack adapter makes of Slack's own 429 (so its parsing is in the test)."""
    response = AsyncSlackResponse(
        client=None,  # type: ignore[arg-type]
        http_verb="POST",
        api_url="https://slack.test/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": "ratelimited"},
        headers={"Retry-After": RETRY_AFTER},
        status_code=429,
    )
    classified = _classify(SlackApiError("ratelimited", response))
    assert isinstance(classified, RetryAfter)
    return classified


def discord_global_429() -> RetryAfter:
    return RetryAfter(float(RETRY_AFTER), scope="platform")


class Storming(FakeAdapter):
    """A platform whose `limited` communities (all of them when `limited` is None) accept
    QUOTA requests, then answer every request arriving in the next 30 s with `refusal()`."""

    def __init__(
        self,
        clock: FakeClock,
        refusal: type[RetryAfter] | object,
        *,
        limited: str | None,
        platform: str = "fake",
    ) -> None:
        super().__init__(limits=LIMITS, clock=clock, platform=platform)
        self._clock = clock
        self._refusal = refusal
        self._limited = limited
        self._accepted = 0
        self.storm_ends: float | None = None
        self.seen: list[Seen] = []

    async def deliver(self, intent: Intent, *, key: str | None = None) -> str | None:
        self.count_call()
        request = self.calls
        assert isinstance(intent, Post)
        community, text = intent.to.community, intent.message.text
        now = self._clock.monotonic()
        self.seen.append(Seen("start", request, now, community, text))
        refuse = False
        if self._limited is None or community == self._limited:
            if self.storm_ends is None and self._accepted >= QUOTA:
                self.storm_ends = now + float(RETRY_AFTER)
            refuse = self.storm_ends is not None and now < self.storm_ends
            self._accepted += not refuse
        for _ in range(LATENCY):
            await asyncio.sleep(0)
        at = self._clock.monotonic()
        if refuse:
            self.seen.append(Seen("429", request, at, community, text))
            raise self._refusal()  # type: ignore[operator]
        self.seen.append(Seen("ok", request, at, community, text))
        self.sent.append(intent)
        self.sent_at.append(at)
        return f"m{request}"


def posts(platform: str, community: str, channels: int, each: int) -> list[Intent]:
    return [
        Post(
            to=ConversationRef(platform, community, f"{community}-c{c}"),
            message=Message(text=f"{community}-c{c}-{n}"),
        )
        for n in range(each)
        for c in range(channels)
    ]


def held_starts(seen: list[Seen], held: set[str]) -> tuple[float, int, int]:
    """(when the first 429 came back, requests to what it holds started after it and
    within its Retry-After, those under way when it came back)."""
    first = next(i for i, s in enumerate(seen) if s.what == "429")
    back_at = seen[first].at
    after = [s for s in seen[first + 1 :] if s.what == "start" and s.community in held]
    too_soon = [s for s in after if s.at < back_at + float(RETRY_AFTER)]
    started = {s.request for s in seen[:first] if s.what == "start" and s.community in held}
    answered = {s.request for s in seen[: first + 1] if s.what != "start"}
    return back_at, len(too_soon), len(started - answered)


async def test_a_slack_workspaces_429_holds_that_workspace_and_no_other(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    slack = Storming(clock, slack_429, limited="T0STORM")
    homeroom.attach(slack)
    stormy = posts("fake", "T0STORM", channels=50, each=2)
    calm = posts("fake", "T0CALM", channels=10, each=3)
    homeroom.outbox.submit(stormy + calm)
    await homeroom.outbox.persisted()
    await homeroom.start(timers=False)
    await run_until(homeroom)

    back_at, too_soon, under_way = held_starts(slack.seen, {"T0STORM"})
    assert back_at == 0.0
    assert too_soon == 0  # none sent before the Retry-After had passed
    # 32 sends at once (the outbox's concurrency), all to the stormy workspace: its
    # first 5 accepted, then the first 429 (the 6th answer) with 26 still under way.
    assert under_way == 26
    assert slack.storm_ends == 30.0
    # The other workspace went on at its channels' pace, untouched by the storm.
    calm_at = sorted(
        t for i, t in zip(slack.sent, slack.sent_at, strict=True) if "T0CALM" in i.to.lane
    )  # type: ignore[union-attr]
    assert calm_at == [0.0] * 10 + [1.0] * 10 + [2.0] * 10
    # Every message exactly once, each refused request retried once it was allowed.
    delivered = [i.message.text for i in slack.sent]  # type: ignore[union-attr]
    assert sorted(delivered) == sorted(i.message.text for i in stormy + calm)  # type: ignore[union-attr]
    refused = sum(1 for s in slack.seen if s.what == "429")
    assert slack.calls == len(stormy) + len(calm) + refused
    assert refused == 27  # the first and the 26 under way, and no request after them
    assert (
        min(t for s, t in zip(delivered, slack.sent_at, strict=True) if "T0STORM" in s and t > 0)
        == 30.0
    )


async def test_a_discord_global_429_holds_every_route_of_the_bot(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    discord = Storming(clock, discord_global_429, limited=None, platform="fake")
    other = Storming(clock, discord_global_429, limited="nobody", platform="other")
    homeroom.attach(discord)
    homeroom.attach(other)
    servers = posts("fake", "S1", channels=25, each=2) + posts("fake", "S2", channels=25, each=2)
    elsewhere = posts("other", "T1", channels=5, each=3)
    homeroom.outbox.submit(servers + elsewhere)
    await homeroom.outbox.persisted()
    await homeroom.start(timers=False)
    await run_until(homeroom)

    back_at, too_soon, under_way = held_starts(discord.seen, {"S1", "S2"})
    assert back_at == 0.0
    assert too_soon == 0  # no route of the bot, in either server, before the 30 s
    assert under_way == 26
    # Another platform is not held.
    assert other.sent_at == [0.0] * 5 + [1.0] * 5 + [2.0] * 5
    delivered = [i.message.text for i in discord.sent]  # type: ignore[union-attr]
    assert sorted(delivered) == sorted(i.message.text for i in servers)  # type: ignore[union-attr]
    assert len(delivered) == len(set(delivered)) == 100
    assert discord.calls == 100 + 27
    assert min(t for t in discord.sent_at if t > 0) == 30.0
