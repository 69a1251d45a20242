"""`homeroom`: run, migrate, check. The composition root: settings -> Homeroom -> adapters.

Every failure a person can cause (a wrong setting, an unreachable database) ends in one
readable line and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
import tempfile
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from bot import __version__
from bot.app import Homeroom
from bot.clock import ShiftableClock
from bot.logs import configure
from bot.settings import Settings, SettingsError, load_settings

log = logging.getLogger("homeroom")

EXIT_CONFIG = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="homeroom",
        description="Homeroom: weekly prompts, polls, live chats, digests and questions "
        "to school liaisons for parent groups on Slack, Discord or a terminal.",
    )
    parser.add_argument("--version", action="version", version=f"homeroom {__version__}")
    parser.add_argument("--env-file", default=".env", help="settings file (default: .env)")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="start every configured adapter (the console when none is)")
    sub.add_parser("migrate", help="bring the database schema up to date")
    sub.add_parser("check", help="validate settings and the database, say what would start")
    return parser


def adapters_to_start(settings: Settings) -> list[str]:
    names = []
    if settings.slack_enabled:
        names.append("slack")
    if settings.discord_enabled:
        names.append("discord")
    if settings.console_enabled:
        names.append("console")
    return names


async def _migrate(settings: Settings) -> int:
    app = Homeroom(settings)
    try:
        await app.db.migrate()
        print(f"The database at {app.db.display_url} is up to date.")
        return 0
    finally:
        await app.db.close()


async def _check(settings: Settings) -> int:
    app = Homeroom(settings)
    try:
        pending = await app.db.pending_migrations()
    finally:
        await app.db.close()
    print(f"Settings are valid. Database: {app.db.display_url}")
    if pending:
        print(f"Migrations to apply on start: {', '.join(pending)}")
    else:
        print("The database schema is up to date.")
    started = adapters_to_start(settings)
    print(f"Would start: {', '.join(started) or 'nothing (CONSOLE=off and no tokens)'}")
    return 0 if started else 1


async def _run(settings: Settings, started_at: float) -> int:
    names = adapters_to_start(settings)
    if not names:
        print("Nothing to start: set Slack or Discord tokens, or CONSOLE=on.", file=sys.stderr)
        return EXIT_CONFIG
    # The console's pretend community can jump ahead in time (`:next`); real ones cannot.
    app = Homeroom(settings, clock=ShiftableClock() if "console" in names else None)
    console = slack = discord = None
    if "console" in names:
        from adapters.console import ConsoleAdapter

        console = ConsoleAdapter(app)
        app.attach(console)
    if "slack" in names:
        from adapters.slack import SlackAdapter

        slack = SlackAdapter(app, settings)
        app.attach(slack)
    if "discord" in names:
        from adapters.discord import DiscordAdapter

        discord = DiscordAdapter(app, settings)
        app.attach(discord)
    await app.start()
    try:
        for platform in (slack, discord):
            if platform is not None:
                await platform.start()
        log.info(
            "event=ready adapters=%s startup_ms=%.0f",
            ",".join(names),
            (time.perf_counter() - started_at) * 1000,
        )
        return await _serve(app, console.run() if console else _until_signalled())
    finally:
        for platform in (slack, discord):
            if platform is not None:
                await platform.stop()
        await app.stop()


async def _serve(app: Homeroom, main_task: Coroutine[Any, Any, None]) -> int:
    """Run until `main_task` ends (console quit, signal), or a background task gives up."""
    runner = asyncio.ensure_future(main_task)
    failed = asyncio.ensure_future(app.supervisor.failed.wait())
    await asyncio.wait({runner, failed}, return_when=asyncio.FIRST_COMPLETED)
    failed.cancel()
    if not runner.done():
        runner.cancel()
        print(
            "Homeroom stopped because a background task kept failing; see the log.", file=sys.stderr
        )
        return 1
    runner.result()
    return 0


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()


def _fresh_console(settings: Settings) -> bool:
    """Only the console would start, and DATABASE_URL does not say where its data goes."""
    chosen = "database_url" in settings.model_fields_set
    return adapters_to_start(settings) == ["console"] and not chosen


def main(argv: list[str] | None = None) -> int:
    started_at = time.perf_counter()
    args = _parser().parse_args(argv)
    command = args.command or "run"
    try:
        settings = load_settings(args.env_file)
    except SettingsError as problem:
        print(f"homeroom: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    interactive_console = command == "run" and settings.console_enabled and sys.stdin.isatty()
    log_file = settings.log_file or (Path("data/homeroom.log") if interactive_console else None)
    # A piped console run is a transcript on stdout; keep stderr to warnings there.
    piped_console = command == "run" and settings.console_enabled and not log_file
    level = "WARNING" if piped_console else settings.log_level
    configure(level, log_file)
    scratch = contextlib.ExitStack()
    if command == "run" and not sys.stdin.isatty() and _fresh_console(settings):
        # A piped console run is a scenario: it starts from an empty community every time,
        # whatever the interactive console did, in a database of its own deleted at the end.
        folder = scratch.enter_context(tempfile.TemporaryDirectory(prefix="homeroom-"))
        fresh = f"sqlite+aiosqlite:///{Path(folder) / 'homeroom.db'}"
        settings = settings.model_copy(update={"database_url": fresh})
    if command == "migrate":
        job = _migrate(settings)
    elif command == "check":
        job = _check(settings)
    else:
        job = _run(settings, started_at)
    try:
        with scratch, contextlib.suppress(KeyboardInterrupt):
            return asyncio.run(job)
        return 0
    except OSError as problem:
        print(
            f"homeroom: can't reach the database ({problem}). Check DATABASE_URL.", file=sys.stderr
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
