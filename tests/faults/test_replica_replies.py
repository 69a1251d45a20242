"""Replies from any replica: the handle a reply goes through (Slack's response_url, a
Discord interaction's token) is stored on the reply's outbox row by the replica that
received the request, so another replica on the same PostgreSQL database can send it.

Here replica A receives a request, acknowledges it within the 3 seconds, writes the
reply's row and dies before sending it; replica B takes the row once A's lease has run
out and answers through the handle A stored. Before the handles travelled with the row,
B answered by chat.postEphemeral (Slack) or by DM (Discord): the member's reply left the
place they asked in. And a request A acknowledged but died before handling is kept, and
handled by B's inbox once it has waited the inbox's lease, answered the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pytest
from sqlalchemy import select

from adapters.discord import DiscordAdapter
from adapters.discord.adapter import DEFER_AFTER
from adapters.discord.fake import APPLICATION_ID, FakeDiscord, slash_command
from adapters.slack import SlackAdapter
from adapters.slack.adapter import REPLY_HANDLE_SECONDS
from adapters.slack.fake import FakeSlack, SignedClient, slash
from bot.app import Homeroom
from bot.clock import FakeClock
from bot.inbox import LEASE as INBOX_LEASE
from bot.outbox import LEASE
from bot.storage.tables import outbox
from bot.testing import run_until, test_settings
from tests.adapters.discord.conftest import LEE as DISCORD_LEE
from tests.adapters.discord.conftest import DiscordRig, discord_settings
from tests.adapters.slack.conftest import SECRET, free_port, slack_settings
from tests.conftest import LEE


@pytest.fixture(params=["postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """Several replicas share one database only on PostgreSQL."""
    return str(request.param)


async def reply_rows(app: Homeroom) -> list[tuple[str, str | None]]:
    async with app.db.engine.connect() as conn:
        rows = await conn.execute(select(outbox.c.status, outbox.c.reply_handle))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def on_release(app: Homeroom, monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """Set once rows written in a transaction are committed and handed to the outbox."""
    released = asyncio.Event()
    release = app.outbox.release

    def noted(items: Sequence[Any]) -> None:
        release(items)
        if items:
            released.set()

    monkeypatch.setattr(app.outbox, "release", noted)
    return released


async def slack_replica_a_receives(
    homeroom: Homeroom, fake: FakeSlack
) -> tuple[SlackAdapter, dict[str, str]]:
    """Replica A, serving Slack's HTTP requests but never sending (it dies first): it
    receives `/homeroom help`, acknowledges it, and writes the reply's row."""
    port = free_port()
    adapter = SlackAdapter(homeroom, slack_settings(homeroom, fake, port))
    homeroom.attach(adapter)
    await adapter.start()
    client = SignedClient(f"http://127.0.0.1:{port}/slack/events", SECRET)
    command = slash("help", user=LEE, respond_to=fake.url)
    assert await client.command(command) == (200, "")  # the ack stays with A
    await homeroom.inbox.settled()
    await homeroom.outbox.persisted()
    await adapter.stop()
    return adapter, command


async def slack_replica_b(homeroom: Homeroom, fake: FakeSlack, clock: FakeClock) -> Homeroom:
    """Replica B, on the same database: it never saw the request."""
    other = Homeroom(test_settings(homeroom.settings.database_url), clock=clock)
    adapter = SlackAdapter(other, slack_settings(other, fake, free_port()))
    other.attach(adapter)
    await other.start(timers=False)
    return other


async def test_a_slack_reply_goes_through_the_response_url_from_another_replica(
    homeroom: Homeroom, fake_slack: FakeSlack, clock: FakeClock
) -> None:
    _, command = await slack_replica_a_receives(homeroom, fake_slack)
    assert await reply_rows(homeroom) == [("pending", command["response_url"])]
    assert fake_slack.calls == []  # A sent nothing before it died
    clock.advance(LEASE)  # A's lease ran out
    b = await slack_replica_b(homeroom, fake_slack, clock)
    try:
        await run_until(b)
        [call] = await fake_slack.wait_for(1)
        assert (call.method, call.params["handle"]) == (
            "response_url",
            command["response_url"].rsplit("/", 1)[1],
        )
        assert call.params["text"].startswith("*Homeroom help*")
        assert await reply_rows(b) == [("sent", None)]  # the handle is not kept past it
    finally:
        await b.stop()


async def test_a_slack_reply_whose_response_url_expired_goes_by_chat_post_ephemeral(
    homeroom: Homeroom, fake_slack: FakeSlack, clock: FakeClock
) -> None:
    await slack_replica_a_receives(homeroom, fake_slack)
    clock.advance(REPLY_HANDLE_SECONDS)  # the stored expiry passes with the row
    b = await slack_replica_b(homeroom, fake_slack, clock)
    try:
        await run_until(b)
        [call] = await fake_slack.wait_for(1)
        assert (call.method, call.params["user"]) == ("chat.postEphemeral", LEE)
    finally:
        await b.stop()


async def test_a_command_a_dead_replica_acknowledged_but_never_handled_is_answered_once_by_another(
    homeroom: Homeroom, fake_slack: FakeSlack, clock: FakeClock
) -> None:
    """A kill between the ack and the handling leaves the command kept (bot.inbox), not
    answered and with no reply row: another replica's inbox takes it over once it has
    waited the inbox's lease, and answers through the response_url in the payload."""
    fake_slack.held_lookups = {LEE}  # A's lookup of the member hangs until A dies
    port = free_port()
    adapter = SlackAdapter(homeroom, slack_settings(homeroom, fake_slack, port))
    homeroom.attach(adapter)
    await adapter.start()
    client = SignedClient(f"http://127.0.0.1:{port}/slack/events", SECRET)
    command = slash("help", user=LEE, respond_to=fake_slack.url)
    assert await client.command(command) == (200, "")  # kept, then acknowledged
    for handling in list(homeroom.inbox._tasks):  # A dies mid-handling
        handling.cancel()
    await homeroom.inbox.settled()
    await adapter.stop()
    await fake_slack.release(LEE)
    assert (await reply_rows(homeroom), fake_slack.calls) == ([], [])
    b = await slack_replica_b(homeroom, fake_slack, clock)
    try:
        clock.advance(INBOX_LEASE - 1)
        assert await b.inbox.replay() == 0  # A might still be handling it
        clock.advance(1)  # nobody has touched it for the inbox's lease
        assert await b.inbox.replay() == 1  # B's pass (every minute) takes it over
        await run_until(b)
        [call] = await fake_slack.wait_for(1)
        assert (call.method, call.params["handle"]) == (
            "response_url",
            command["response_url"].rsplit("/", 1)[1],
        )
        assert call.params["text"].startswith("*Homeroom help*")
        clock.advance(INBOX_LEASE)
        assert await b.inbox.replay() == 0  # handled: never again
        await run_until(b)
        assert len(fake_slack.calls) == 1
    finally:
        await b.stop()


async def test_a_discord_reply_goes_through_the_interaction_webhook_from_another_replica(
    homeroom: Homeroom,
    fake_discord: FakeDiscord,
    clock: FakeClock,
    rigs: Callable[[], Awaitable[DiscordRig]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    released = on_release(homeroom, monkeypatch)
    adapter = DiscordAdapter(
        homeroom, discord_settings(homeroom.settings.database_url, fake_discord)
    )
    homeroom.attach(adapter)
    await adapter.start()
    await adapter.client.wait_until_ready()
    asked = slash_command("help", user_id=DISCORD_LEE)
    await fake_discord.dispatch("INTERACTION_CREATE", asked)
    # A acknowledges it (defers) within Discord's 3 seconds, and writes the reply's row.
    [deferred] = await clock.run_until(fake_discord.wait_for(1, "POST /interactions/"))
    assert (deferred.body["type"], clock.monotonic()) == (5, DEFER_AFTER)
    await asyncio.wait_for(released.wait(), 10)
    [(status, handle)] = await reply_rows(homeroom)
    assert status == "pending" and handle is not None and asked["token"] in handle
    await adapter.stop()  # A dies before sending
    clock.advance(LEASE)
    await run_until((await rigs()).app)  # B takes the row over
    [answer] = await fake_discord.wait_for(1, "POST /webhooks/")
    assert answer.path.startswith(f"/webhooks/{APPLICATION_ID}/{asked['token']}")
    assert answer.body["embeds"][0]["title"] == "Homeroom help"
    assert answer.body["flags"] == 64  # ephemeral, as A's own answer would be
    assert [c.path for c in fake_discord.calls if c.path.startswith("/users/@me/channels")] == []
