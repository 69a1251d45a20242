from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest_asyncio

from adapters.discord import DiscordAdapter
from adapters.discord.fake import FakeDiscord
from bot.app import Homeroom
from bot.clock import FakeClock
from bot.testing import test_settings

DANA, SAM, MARIA, LEE = (
    "1000000000000000011",
    "1000000000000000012",
    "1000000000000000013",
    "1000000000000000014",
)


@dataclass
class DiscordRig:
    app: Homeroom
    adapter: DiscordAdapter
    fake: FakeDiscord


def discord_settings(database_url: str, fake: FakeDiscord):  # type: ignore[no-untyped-def]
    return test_settings(
        database_url,
        discord_token="test-token",
        discord_api_url=fake.api_url,
        discord_gateway_url=fake.gateway_url,
    )


async def connect(database_url: str, fake: FakeDiscord, clock: FakeClock) -> DiscordRig:
    app = Homeroom(test_settings(database_url), clock=clock)
    adapter = DiscordAdapter(app, discord_settings(database_url, fake))
    app.attach(adapter)
    await app.start(timers=False)
    await adapter.start()
    await adapter.client.wait_until_ready()
    return DiscordRig(app, adapter, fake)


@pytest_asyncio.fixture
async def rigs(
    migrated_database_url: str, fake_discord: FakeDiscord, clock: FakeClock
) -> AsyncIterator[Callable[[], Awaitable[DiscordRig]]]:
    """Start (and later stop) as many bots on one database as a test asks for."""
    started: list[DiscordRig] = []

    async def start() -> DiscordRig:
        rig = await connect(migrated_database_url, fake_discord, clock)
        started.append(rig)
        return rig

    yield start
    for rig in started:
        await rig.adapter.stop()
        await rig.app.stop()


@pytest_asyncio.fixture
async def discord_bot(rigs: Callable[[], Awaitable[DiscordRig]]) -> DiscordRig:
    return await rigs()
