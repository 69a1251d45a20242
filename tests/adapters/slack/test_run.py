"""`homeroom run` as a process, connected to the local fake Slack in HTTP mode."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from adapters.slack.fake import FakeSlack, SignedClient, slash
from tests.adapters.slack.conftest import SECRET, free_port
from tests.conftest import DANA, LEE
from tests.processes import homeroom_running


@pytest_asyncio.fixture
async def running(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[SignedClient]:
    port = free_port()
    settings = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_MODE": "http",
        "SLACK_HTTP_PORT": str(port),
        "SLACK_API_URL": fake_slack.url + "/api/",
    }
    async with homeroom_running(tmp_path, **settings):
        yield SignedClient(f"http://127.0.0.1:{port}/slack/events", SECRET)


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


async def test_homeroom_run_in_socket_mode_needs_no_signing_secret(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    """The README's Socket Mode set-up: a bot token and an app token, nothing else."""
    settings = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_APP_TOKEN": "xapp-test",
        "SLACK_API_URL": fake_slack.url + "/api/",
    }
    async with homeroom_running(tmp_path, **settings):
        await fake_slack.wait_for_socket()
        envelope = await fake_slack.push(
            "slash_commands", slash("help", user=LEE, respond_to=fake_slack.url)
        )
        assert (await fake_slack.wait_for_ack(envelope))["envelope_id"] == envelope
        [reply] = await fake_slack.wait_for(1, "response_url")
        assert reply.params["text"].startswith("*Homeroom help*")


async def test_at_debug_the_log_holds_no_member_words_or_ids(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    words = "mi hija tiene miedo del autobus"
    settings = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_APP_TOKEN": "xapp-test",
        "SLACK_API_URL": fake_slack.url + "/api/",
        "LOG_LEVEL": "DEBUG",
    }
    log: list[str] = []
    async with homeroom_running(tmp_path, log, **settings):
        await fake_slack.wait_for_socket()
        command = slash(f"prompt suggest {words}", user=LEE, respond_to=fake_slack.url)
        await fake_slack.wait_for_ack(await fake_slack.push("slash_commands", command))
        await fake_slack.wait_for(1, "response_url")
    written = "".join(log)
    assert "level=DEBUG logger=asyncio Using selector" in written  # DEBUG was on
    assert words not in written
    assert LEE not in written
