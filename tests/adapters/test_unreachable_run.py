"""`homeroom run` with one platform out of reach: it starts, serves the other platform,
and logs one line of its own per retry, never a library traceback."""

import asyncio
from pathlib import Path

from adapters.discord.fake import FakeDiscord, slash_command
from adapters.slack.fake import FakeSlack, SignedClient, slash
from tests.adapters.slack.conftest import SECRET, free_port
from tests.conftest import LEE
from tests.processes import homeroom_running


async def _retries(log: list[str], platform: str, count: int) -> list[str]:
    wanted = f"event=platform_unreachable platform={platform} "
    for _ in range(400):  # the first retries come after 1 s and 2 s of real time
        found = [line for line in log if wanted in line]
        if len(found) >= count:
            return found
        await asyncio.sleep(0.025)
    raise AssertionError(f"fewer than {count} retry lines:\n{''.join(log)}")


async def test_slack_out_of_reach_while_discord_serves(tmp_path: Path) -> None:
    discord = FakeDiscord()
    await discord.start()
    log: list[str] = []
    settings = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_APP_TOKEN": "xapp-1",
        "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/",  # no one listens
        "DISCORD_TOKEN": "test-token",
        "DISCORD_API_URL": discord.api_url,
        "DISCORD_GATEWAY_URL": discord.gateway_url,
    }
    try:
        async with homeroom_running(tmp_path, log, **settings):
            await discord.wait_until_identified()
            await discord.dispatch("INTERACTION_CREATE", slash_command("help", user_id="14"))
            await discord.wait_for(1, "POST /interactions/")
            found = await _retries(log, "slack", 2)
    finally:
        await discord.stop()
    assert ["retry_in=1s" in found[0], "retry_in=2s" in found[1]] == [True, True]
    assert all("next_retry=" in line for line in found)
    assert "Traceback" not in "".join(log)


async def test_discord_out_of_reach_while_slack_serves(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    port = free_port()
    log: list[str] = []
    settings = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_MODE": "http",
        "SLACK_HTTP_PORT": str(port),
        "SLACK_API_URL": fake_slack.url + "/api/",
        "DISCORD_TOKEN": "test-token",
        "DISCORD_API_URL": f"http://127.0.0.1:{free_port()}/api/v10",  # no one listens
    }
    async with homeroom_running(tmp_path, log, **settings):
        client = SignedClient(f"http://127.0.0.1:{port}/slack/events", SECRET)
        status, _ = await client.command(slash("help", user=LEE, respond_to=fake_slack.url))
        [answer] = await fake_slack.wait_for(1, "response_url")
        found = await _retries(log, "discord", 2)
    assert status == 200
    assert answer.params["text"].startswith("*Homeroom help*")
    assert ["retry_in=1s" in found[0], "retry_in=2s" in found[1]] == [True, True]
    assert "Traceback" not in "".join(log)
    assert "database" not in "".join(found)
