"""Even at DEBUG, the log never carries what a member wrote or their ID: the platform
and database libraries, which log whole requests and statement parameters at DEBUG,
stay quieter than Homeroom's own level."""

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.logs import DATABASE_LOGGERS, PLATFORM_LOGGERS, configure

WROTE = "my daughter is being bullied"
LIBRARIES = [
    "slack_bolt.AsyncApp",
    "slack_sdk.web.async_base_client",
    "slack_sdk.socket_mode.aiohttp",
    "discord.http",
    "discord.gateway",
    "aiohttp.client",
    "aiosqlite",
    "sqlalchemy.engine.Engine",
    "asyncpg",
    "slack_bolt.AsyncApp:Listener",
]


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    names = [*LIBRARIES, *PLATFORM_LOGGERS, *DATABASE_LOGGERS]
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


@pytest.mark.usefixtures("restore_logging")
def test_at_debug_the_libraries_that_log_payloads_stay_at_info(tmp_path: Path) -> None:
    log_file = tmp_path / "homeroom.log"
    configure("DEBUG", log_file)
    for name in LIBRARIES:  # as a fresh process has them (Bolt sets its own when built)
        logging.getLogger(name).setLevel(logging.NOTSET)
    logging.getLogger("homeroom").debug("event=homeroom_debug_line")
    for name in LIBRARIES:
        logging.getLogger(name).debug("Sending a request - body: %s", WROTE)
    logging.getLogger("slack_bolt.AsyncApp").info("event=library_info_line")
    for handler in logging.getLogger().handlers:
        handler.flush()
    written = log_file.read_text()
    assert "event=homeroom_debug_line" in written
    assert "event=library_info_line" in written
    assert WROTE not in written


@pytest.mark.usefixtures("restore_logging")
def test_a_library_logger_with_its_own_debug_level_is_still_held_at_info(tmp_path: Path) -> None:
    log_file = tmp_path / "homeroom.log"
    configure("DEBUG", log_file)
    own_level = logging.getLogger("slack_bolt.AsyncApp:Listener")  # as Bolt names them
    own_level.setLevel(logging.DEBUG)  # as Bolt does, copying the root's level
    own_level.debug("Sending a request - body: %s", WROTE)
    logging.getLogger("discord.http").setLevel(logging.DEBUG)
    logging.getLogger("discord.http").debug("POST /channels with %s", WROTE)
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert WROTE not in log_file.read_text()


@pytest.mark.usefixtures("restore_logging")
def test_at_debug_the_libraries_make_no_payload_records_at_all(tmp_path: Path) -> None:
    """Held back at the loggers, not only at our handler: a record never made reaches no
    handler added later (an error reporter, a test's capture)."""
    configure("DEBUG", tmp_path / "homeroom.log")
    for name in LIBRARIES:  # a fresh process's child loggers, below the ones we set
        if name not in (*PLATFORM_LOGGERS, *DATABASE_LOGGERS):
            logging.getLogger(name).setLevel(logging.NOTSET)
    enabled = {
        name: (
            logging.getLogger(name).isEnabledFor(logging.DEBUG),
            logging.getLogger(name).isEnabledFor(logging.INFO),
        )
        for name in LIBRARIES
    }
    database = ("aiosqlite", "sqlalchemy.engine.Engine", "asyncpg")
    assert enabled == {name: (False, name not in database) for name in LIBRARIES}
    assert logging.getLogger("homeroom").isEnabledFor(logging.DEBUG)
