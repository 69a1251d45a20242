import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest_asyncio

from adapters.slack import SlackAdapter
from adapters.slack.fake import FakeSlack, SignedClient
from bot.app import Homeroom
from bot.testing import test_settings

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class SlackRig:
    adapter: SlackAdapter
    fake: FakeSlack
    client: SignedClient


def slack_settings(homeroom: Homeroom, fake: FakeSlack, port: int, **extra: object):  # type: ignore[no-untyped-def]
    values: dict[str, object] = {
        "slack_bot_token": "xoxb-test",
        "slack_signing_secret": SECRET,
        "slack_mode": "http",
        "slack_http_port": port,
        "slack_api_url": fake.url + "/api/",
    }
    return test_settings(homeroom.settings.database_url, **{**values, **extra})


@pytest_asyncio.fixture
async def slack(homeroom: Homeroom, fake_slack: FakeSlack) -> AsyncIterator[SlackRig]:
    port = free_port()
    adapter = SlackAdapter(homeroom, slack_settings(homeroom, fake_slack, port))
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    await adapter.start()
    yield SlackRig(
        adapter, fake_slack, SignedClient(f"http://127.0.0.1:{port}/slack/events", SECRET)
    )
    await adapter.stop()
