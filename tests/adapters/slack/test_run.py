"""`homeroom run` as a process, connected to the local fake Slack in HTTP mode."""

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from adapters.slack.fake import FakeSlack, SignedClient, slash
from tests.adapters.slack.conftest import SECRET, free_port
from tests.conftest import DANA, LEE

ROOT = Path(__file__).resolve().parents[3]


@pytest_asyncio.fixture
async def running(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[SignedClient]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'homeroom.db'}",
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_MODE="http",
        SLACK_HTTP_PORT=str(port),
        SLACK_API_URL=fake_slack.url + "/api/",
        LOG_LEVEL="INFO",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapters.cli",
        "run",
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    while b"event=ready" not in (line := await asyncio.wait_for(process.stderr.readline(), 20)):
        assert line, "homeroom run ended before it was ready"
    yield SignedClient(f"http://127.0.0.1:{port}/slack/events", SECRET)
    process.terminate()
    assert await asyncio.wait_for(process.wait(), 20) == 0  # a clean stop on SIGTERM


async def test_homeroom_run_serves_help_setup_and_role_over_slack(
    running: SignedClient, fake_slack: FakeSlack
) -> None:
    url = fake_slack.url
    assert (await running.command(slash("help", user=LEE, respond_to=url)))[0] == 200
    await fake_slack.wait_for(1)
    assert (
        await running.command(
            slash("setup queue=<#C0LIAISONS|liaisons>", user=DANA, respond_to=url)
        )
    )[0] == 200
    await fake_slack.wait_for(3)
    assert (await running.command(slash("role grant <@U0SAM> liaison", user=DANA, respond_to=url)))[
        0
    ] == 200
    await fake_slack.wait_for(6)
    assert sorted((c.method, c.params.get("channel", "")) for c in fake_slack.calls) == [
        ("chat.postMessage", "C0LIAISONS"),  # the queue channel's welcome
        ("chat.postMessage", "DU0SAM"),  # the new liaison's welcome, by DM
        ("conversations.open", ""),  # to find that DM
        ("response_url", ""),  # help, to Lee only
        ("response_url", ""),  # setup's summary, to Dana only
        ("response_url", ""),  # "Done: ... is now a liaison", to Dana only
    ]
