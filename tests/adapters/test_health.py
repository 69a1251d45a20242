"""/healthz and /readyz: what a load balancer asks a replica before sending it work."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from adapters.discord.fake import FakeDiscord
from adapters.health import Health
from adapters.slack.fake import FakeSlack
from bot.app import Homeroom
from tests.adapters.slack.conftest import SECRET, free_port
from tests.processes import homeroom_running


async def _get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


class _Platform:
    platform = "discord"

    def __init__(self) -> None:
        self.up = True

    def connected(self) -> bool:
        return self.up


async def test_readiness_says_why_not_in_one_line(homeroom: Homeroom) -> None:
    await homeroom.start(timers=False)
    platform, stopping = _Platform(), asyncio.Event()
    health = Health(homeroom, [platform], stopping=stopping.is_set)
    port = free_port()
    await health.serve(port)
    ready = f"http://127.0.0.1:{port}/readyz"
    try:
        assert await _get(ready) == (503, "not ready: starting\n")
        health.ready = True
        assert await _get(ready) == (200, "ready\n")
        platform.up = False
        assert await _get(ready) == (503, "not ready: discord is not connected\n")
        platform.up = True
        await homeroom.db.engine.dispose()
        async with homeroom.db.engine.connect():
            pass  # the engine reconnects: still ready
        assert await _get(ready) == (200, "ready\n")
        stopping.set()
        assert await _get(ready) == (503, "not ready: stopping\n")
        assert await _get(f"http://127.0.0.1:{port}/healthz") == (200, "ok\n")
    finally:
        await health.stop()


async def test_a_replica_is_ready_once_connected_and_not_ready_from_sigterm_to_exit(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    port = free_port()
    settings = {
        "DISCORD_TOKEN": "test-token",
        "DISCORD_API_URL": fake_discord.api_url,
        "DISCORD_GATEWAY_URL": fake_discord.gateway_url,
        "HEALTH_PORT": str(port),
    }
    log: list[str] = []
    async with homeroom_running(tmp_path, log, **settings) as process:
        await fake_discord.wait_until_identified()
        for _ in range(200):  # READY reaches the client a moment after IDENTIFY
            if (await _get(f"http://127.0.0.1:{port}/readyz"))[0] == 200:
                break
            await asyncio.sleep(0.05)
        assert await _get(f"http://127.0.0.1:{port}/readyz") == (200, "ready\n")
        assert await _get(f"http://127.0.0.1:{port}/healthz") == (200, "ok\n")
        process.terminate()
        assert await asyncio.wait_for(process.wait(), 20) == 0
    assert any("event=health_listening port=" in line for line in log)


async def test_slack_in_http_mode_answers_the_probes_on_its_own_port(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    port = free_port()
    settings = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_MODE": "http",
        "SLACK_HTTP_PORT": str(port),
        "SLACK_API_URL": fake_slack.url + "/api/",
    }
    async with homeroom_running(tmp_path, **settings):
        assert await _get(f"http://127.0.0.1:{port}/readyz") == (200, "ready\n")
        assert await _get(f"http://127.0.0.1:{port}/healthz") == (200, "ok\n")


@pytest.mark.parametrize("value", ["0", "70000", "web"])
def test_a_health_port_that_is_not_a_port_stops_the_start(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.settings import SettingsError, load_settings

    monkeypatch.setenv("HEALTH_PORT", value)
    with pytest.raises(SettingsError) as refused:
        load_settings(env_file=None)
    assert f"{value} is not a port" in str(refused.value)
