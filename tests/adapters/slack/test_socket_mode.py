"""Socket Mode against a local fake socket endpoint: every envelope is acknowledged."""

from collections.abc import AsyncIterator

import pytest_asyncio

from adapters.slack import SlackAdapter
from adapters.slack.fake import FakeSlack, event_callback, slash
from bot.app import Homeroom
from tests.adapters.slack.conftest import slack_settings
from tests.conftest import LEE, SAM


@pytest_asyncio.fixture
async def socket_adapter(homeroom: Homeroom, fake_slack: FakeSlack) -> AsyncIterator[SlackAdapter]:
    settings = slack_settings(
        homeroom, fake_slack, 3000, slack_mode="socket", slack_app_token="xapp-test"
    )
    adapter = SlackAdapter(homeroom, settings)
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    await adapter.start()
    await fake_slack.wait_for_socket()
    yield adapter
    await adapter.stop()


async def test_envelopes_are_acknowledged_and_served(
    socket_adapter: SlackAdapter, fake_slack: FakeSlack
) -> None:
    envelope = await fake_slack.push(
        "slash_commands", slash("help", user=LEE, respond_to=fake_slack.url)
    )
    ack = await fake_slack.wait_for_ack(envelope)
    assert ack["envelope_id"] == envelope
    [reply] = await fake_slack.wait_for(1, "response_url")
    assert reply.params["text"].startswith("*Homeroom help*")


async def test_events_arrive_over_the_socket_too(
    socket_adapter: SlackAdapter, fake_slack: FakeSlack
) -> None:
    event = event_callback({"type": "app_home_opened", "user": SAM, "channel": "D1", "tab": "home"})
    envelope = await fake_slack.push("events_api", event)
    await fake_slack.wait_for_ack(envelope)
    [published] = await fake_slack.wait_for(1, "views.publish")
    assert published.params["user_id"] == SAM
