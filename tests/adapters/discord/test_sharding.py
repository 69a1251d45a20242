"""Several replicas on Discord: each runs the gateway shards it is given, and only the
replica with shard 0 registers the (global) command tree."""

from __future__ import annotations

import pytest

from adapters.discord import DiscordAdapter
from adapters.discord.fake import FakeDiscord
from bot.app import Homeroom
from bot.clock import FakeClock
from bot.settings import SettingsError, load_settings
from bot.testing import test_settings

COMMANDS = "PUT /applications"


async def _replica(
    database_url: str, fake: FakeDiscord, clock: FakeClock, ids: str
) -> tuple[Homeroom, DiscordAdapter]:
    settings = test_settings(
        database_url,
        discord_token="test-token",
        discord_api_url=fake.api_url,
        discord_gateway_url=fake.gateway_url,
        discord_shard_count=2,
        discord_shard_ids=ids,
    )
    app = Homeroom(test_settings(database_url), clock=clock)
    adapter = DiscordAdapter(app, settings)
    app.attach(adapter)
    await app.start(timers=False)
    await adapter.start()
    await adapter.client.wait_until_ready()
    return app, adapter


async def test_each_replica_identifies_its_own_shard_and_one_registers_the_commands(
    database_url: str, fake_discord: FakeDiscord, clock: FakeClock
) -> None:
    started: list[tuple[Homeroom, DiscordAdapter]] = []
    try:
        started.append(await _replica(database_url, fake_discord, clock, "1"))
        assert fake_discord.shards == [[1, 2]]
        assert _registrations(fake_discord) == 0

        started.append(await _replica(database_url, fake_discord, clock, "0"))
        assert fake_discord.shards == [[1, 2], [0, 2]]
        assert _registrations(fake_discord) == 1
    finally:
        for app, adapter in started:
            await adapter.stop()
            await app.stop()


def _registrations(fake: FakeDiscord) -> int:
    return sum(f"{c.method} {c.path}".startswith(COMMANDS) for c in fake.calls)


@pytest.mark.parametrize(
    ("environment", "says"),
    [
        ({"DISCORD_SHARD_IDS": "0,1"}, "DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT"),
        (
            {"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "1,2"},
            "DISCORD_SHARD_IDS must be numbers from 0 to 1 (DISCORD_SHARD_COUNT is 2)",
        ),
        ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "one"}, "is not a list of shard"),
        ({"DISCORD_SHARD_COUNT": "0"}, "DISCORD_SHARD_COUNT must be 1 or more"),
    ],
)
def test_shard_settings_that_cannot_work_stop_the_start_in_one_line(
    environment: dict[str, str], says: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as refused:
        load_settings(env_file=None)
    assert says in str(refused.value)
    assert "\n" not in str(refused.value)


def test_shard_ids_read_as_a_comma_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_SHARD_COUNT", "4")
    monkeypatch.setenv("DISCORD_SHARD_IDS", "2, 3")
    settings = load_settings(env_file=None)
    assert settings.discord_shard_ids == (2, 3)
    assert settings.registers_discord_commands is False
