"""Slack out of reach (5xx, no one listening): Homeroom starts anyway, logs one line of
its own per retry with the next retry time, backs off, and serves what works."""

import asyncio
import logging
import re
from datetime import timedelta

import pytest

from adapters.slack import SlackAdapter
from adapters.slack.fake import FakeSlack, slash
from bot.app import Homeroom
from bot.clock import FakeClock
from bot.testing import TestBot
from tests.adapters.slack.conftest import free_port, slack_settings
from tests.conftest import LEE

RETRY = re.compile(
    r"^event=platform_unreachable platform=slack error=(\"[^\"]*\"|\S+) "
    r"retry_in=(\d+)s next_retry=(\S+)$"
)


def retries(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str, str]]:
    found = []
    for record in caplog.records:
        if record.name.startswith("homeroom") and (m := RETRY.match(record.getMessage())):
            found.append(m.groups())
    return found


def socket_adapter(homeroom: Homeroom, fake: FakeSlack, api_url: str) -> SlackAdapter:
    settings = slack_settings(
        homeroom,
        fake,
        3000,
        slack_mode="socket",
        slack_app_token="xapp-test",
        slack_api_url=api_url,
    )
    adapter = SlackAdapter(homeroom, settings)
    homeroom.attach(adapter)
    return adapter


async def test_5xx_answers_are_retried_with_backoff_one_line_each_then_served(
    homeroom: Homeroom,
    bot: TestBot,
    fake_slack: FakeSlack,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    for _ in range(4):
        fake_slack.fail_next("apps.connections.open", 503, {"ok": False, "error": "fatal_error"})
    adapter = socket_adapter(homeroom, fake_slack, fake_slack.url + "/api/")
    await homeroom.start(timers=False)
    started_at = clock.now()
    with caplog.at_level(logging.DEBUG):
        # Returns at once: Slack being down does not hold the start.
        await asyncio.wait_for(adapter.start(), 10)
        [help_reply] = await bot.say("lee", "/homeroom help")  # the other platform serves
        await clock.run_until(fake_slack.wait_for_socket())  # time moves through the backoff
        command = slash("help", user=LEE, respond_to=fake_slack.url)
        await fake_slack.wait_for_ack(await fake_slack.push("slash_commands", command))
        [answer] = await fake_slack.wait_for(1, "response_url")
    await adapter.stop()
    assert bot.texts([help_reply])[0].startswith("*Homeroom help*")
    assert answer.params["text"].startswith("*Homeroom help*")  # and then Slack serves too
    assert [(error, delay) for error, delay, _ in retries(caplog)] == [
        ('"SlackApiError HTTP 503"', "1"),
        ('"SlackApiError HTTP 503"', "2"),
        ('"SlackApiError HTTP 503"', "4"),
        ('"SlackApiError HTTP 503"', "8"),
    ]
    # Each line says when the next attempt is, on the (injected) clock: 1, 1+2, 1+2+4 ...
    assert [at for _, _, at in retries(caplog)] == [
        (started_at + timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%SZ") for s in (1, 3, 7, 15)
    ]
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    assert [r.name for r in caplog.records if r.levelno >= logging.WARNING] == [
        "homeroom.platforms"
    ] * 4


async def test_no_one_listening_is_retried_with_backoff_and_no_traceback(
    homeroom: Homeroom, fake_slack: FakeSlack, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    adapter = socket_adapter(homeroom, fake_slack, f"http://127.0.0.1:{free_port()}/api/")
    await homeroom.start(timers=False)
    third = asyncio.Event()

    class Watch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if len(retries(caplog)) >= 3:
                third.set()

    watch = Watch()
    logging.getLogger("homeroom.platforms").addHandler(watch)
    try:
        with caplog.at_level(logging.DEBUG):
            await asyncio.wait_for(adapter.start(), 10)
            await asyncio.wait_for(clock.run_until(third.wait()), 20)
            await adapter.stop()
    finally:
        logging.getLogger("homeroom.platforms").removeHandler(watch)
    found = retries(caplog)[:3]
    assert [delay for _, delay, _ in found] == ["1", "2", "4"]
    assert all(error.startswith('"ClientConnectorError') for error, _, _ in found)
    # Homeroom's lines are the only retry lines: slack_sdk does not retry (and log) inside.
    library_retries = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("slack_sdk")
        and r.levelno >= logging.INFO
        and "retry" in r.getMessage()
    ]
    assert library_retries == []
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []


async def test_a_dropped_socket_reconnects_with_backoff_and_one_line_per_retry(
    homeroom: Homeroom, fake_slack: FakeSlack, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    adapter = socket_adapter(homeroom, fake_slack, fake_slack.url + "/api/")
    await homeroom.start(timers=False)
    with caplog.at_level(logging.DEBUG):
        await adapter.start()
        await fake_slack.wait_for_socket()
        for _ in range(2):
            fake_slack.fail_next("apps.connections.open", 502, {"ok": False, "error": "x"})
        first = fake_slack._sockets.pop()
        await first.close()  # Slack goes away
        await clock.run_until(fake_slack.wait_for_socket())  # back, after two retries
        command = slash("help", user=LEE, respond_to=fake_slack.url)
        await fake_slack.wait_for_ack(await fake_slack.push("slash_commands", command))
        await fake_slack.wait_for(1, "response_url")
    await adapter.stop()
    assert [(error, delay) for error, delay, _ in retries(caplog)] == [
        ('"SlackApiError HTTP 502"', "1"),
        ('"SlackApiError HTTP 502"', "2"),
    ]
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
