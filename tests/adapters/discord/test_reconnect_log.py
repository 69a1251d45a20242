"""discord.py logs each gateway reconnect with a full traceback; Homeroom's log gets one
line of its own instead, with the cause and the next attempt's time."""

import logging

import pytest

from adapters.discord.adapter import _reconnects_in_one_line
from adapters.retry import Backoff
from bot.clock import FakeClock


def test_a_gateway_reconnect_is_one_homeroom_line_without_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    _reconnects_in_one_line(Backoff(clock, "discord"))
    with caplog.at_level(logging.INFO):
        try:
            raise ConnectionResetError(104, "Connection reset by peer")
        except ConnectionResetError:
            logging.getLogger("discord.client").exception("Attempting a reconnect in %.2fs", 8.0)
        logging.getLogger("discord.client").info("logging in using static token")
    assert [(r.name, r.getMessage(), r.exc_info) for r in caplog.records] == [
        (
            "homeroom.platforms",
            'event=platform_unreachable platform=discord error="ConnectionResetError: '
            'Connection reset by peer" retry_in=8s next_retry=2026-09-07T16:00:08Z',
            None,
        ),
        ("discord.client", "logging in using static token", None),
    ]
