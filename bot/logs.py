"""Structured logs: one event per line as key=value, never a member's private text.

Log calls pass IDs (event, outbox row, community), never message bodies: anonymous
questions and private content must not reach a log line.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

# At DEBUG these log whole requests and payloads (what members wrote, their IDs) or a
# statement's parameters, so they stay at INFO (the database ones at WARNING) whatever
# Homeroom's own level is.
PLATFORM_LOGGERS = ("slack_bolt", "slack_sdk", "discord", "aiohttp", "websockets")
DATABASE_LOGGERS = ("aiosqlite", "alembic", "sqlalchemy", "asyncpg")


def configure(level: str, log_file: Path | None = None) -> None:
    """Send logs to `log_file` if given (the console's screen stays clean), else stderr."""
    handler: logging.Handler
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(log_file, encoding="utf-8")
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_quiet_libraries)
    handler.setFormatter(
        logging.Formatter("ts=%(asctime)s level=%(levelname)s logger=%(name)s %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in PLATFORM_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.INFO, root.level))
    for name in DATABASE_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    _inherit(PLATFORM_LOGGERS + DATABASE_LOGGERS)


def _inherit(prefixes: tuple[str, ...]) -> None:
    """Libraries' child loggers made before now (a Bolt app names its own) take their
    level from the parents set above, so none of them logs payloads at DEBUG."""
    for name, child in list(logging.Logger.manager.loggerDict.items()):
        if isinstance(child, logging.Logger) and name.startswith(tuple(p + "." for p in prefixes)):
            child.setLevel(logging.NOTSET)
            child.disabled = False


def _quiet_libraries(record: logging.LogRecord) -> bool:
    """The same floor at the handler, for library loggers that set their own level
    (Bolt copies the root's level onto each app's logger when the app is built)."""
    top = record.name.split(".", 1)[0].split(":", 1)[0]
    if top in PLATFORM_LOGGERS:
        return record.levelno >= logging.INFO
    if top in DATABASE_LOGGERS:
        return record.levelno >= logging.WARNING
    return True
