"""`homeroom`: run, migrate, check. The composition root: settings -> Homeroom -> adapters.

Every failure at start (a wrong setting, a database that cannot be opened or reached, a
platform refusing a token, a port in use) ends in one line naming the cause and what to
do, and a non-zero exit, never a traceback. A platform that is only out of reach does
not stop the start: its adapter retries with backoff while the others serve.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from adapters import ports
from bot import __version__
from bot.clock import ShiftableClock
from bot.logs import configure

# The core (SQLAlchemy, pydantic, the features) is imported by `main`, once the garbage
# collector is paused for the start (see `main`); only the names are needed here.
if TYPE_CHECKING:
    from bot.app import Homeroom
    from bot.settings import Settings
    from bot.storage.db import Database

log = logging.getLogger("homeroom")

EXIT_CONFIG = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="homeroom",
        description="Homeroom: weekly discussion prompts for parent groups, with threads, "
        "pins and members' own prompt ideas, on Slack, Discord or a terminal.",
    )
    parser.add_argument("--version", action="version", version=f"homeroom {__version__}")
    parser.add_argument("--env-file", help="settings file (default: .env, if there is one)")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="start every configured adapter (the console when none is)")
    sub.add_parser("migrate", help="bring the database schema up to date")
    sub.add_parser(
        "check",
        help="check settings, database and ports without contacting Slack or Discord "
        "(creates nothing), and say what would start",
    )
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


@contextlib.asynccontextmanager
async def _database(db: Database) -> AsyncIterator[None]:
    """Turn a failure to open or reach the database into its one line."""
    from bot.settings import StartFailure

    try:
        yield
    except StartFailure:
        raise
    except Exception as error:
        line = db.explain(error)
        if line is None:
            raise
        raise StartFailure(line) from None


async def _migrate(settings: Settings) -> int:
    from bot.app import Homeroom

    app = Homeroom(settings)
    try:
        async with _database(app.db):
            await app.db.migrate()
        print(f"The database at {app.db.display_url} is up to date.")
        return 0
    finally:
        await app.db.close()


def _describe(settings: Settings, name: str) -> str:
    if name == "slack" and settings.slack_mode == "http":
        return f"slack (HTTP mode, port {settings.slack_http_port})"
    if name == "slack":
        return "slack (Socket Mode)"
    return name


async def _check(settings: Settings) -> int:
    """Everything that can be checked without the network, creating nothing."""
    from bot.app import Homeroom
    from bot.settings import StartFailure
    from bot.storage.db import writable_problem

    app = Homeroom(settings)
    problems: list[str] = []
    pending: list[str] | None = None
    try:
        if (problem := app.db.location_problem()) is not None:
            problems.append(problem)
        else:
            async with _database(app.db):
                pending = await app.db.pending_migrations()
    except StartFailure as failure:
        problems.append(str(failure))
    finally:
        await app.db.close()
    if settings.log_file is not None and (problem := writable_problem(settings.log_file)):
        problems.append(f"LOG_FILE: {problem}")
    http = settings.slack_enabled and settings.slack_mode == "http"
    if http and (problem := ports.probe(settings.slack_http_port, "SLACK_HTTP_PORT")):
        problems.append(problem)
    print(f"Settings are valid. Database: {app.db.describe_location()}")
    if pending:
        print(f"Migrations to apply on start: {', '.join(pending)}")
    elif pending is not None:
        print("The database schema is up to date.")
    started = adapters_to_start(settings)
    described = ", ".join(_describe(settings, name) for name in started)
    print(f"Would start: {described or 'nothing (CONSOLE=off and no tokens)'}")
    if settings.slack_enabled or settings.discord_enabled:
        print(
            "Did not contact Slack or Discord: tokens were checked by their form only; "
            "`homeroom run` connects and says if a platform refuses one."
        )
    for problem in problems:
        print(f"Problem: {problem}.")
    return 0 if started and not problems else 1


async def _run(settings: Settings, started_at: float) -> int:
    from bot.app import Homeroom
    from bot.settings import StartFailure
    from bot.storage.lock import RunLock

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
    # One run per SQLite file (see bot.storage.lock); the OS frees it however we end.
    lock = RunLock(app.db.sqlite_path) if app.db.sqlite_path is not None else None
    try:
        async with _database(app.db):
            if lock is not None:
                if (problem := app.db.location_problem()) is not None:
                    raise StartFailure(problem)
                lock.acquire()
                app.outbox.alone = True  # a killed run's leased rows are ours at once
            else:  # replicas may share it (bot.lanes, bot.budget)
                app.outbox.share()
            await app.start()
        # What the start built is frozen (`Homeroom.start`): collections resume, and
        # never rescan it.
        gc.enable()
    except BaseException:
        await app.supervisor.stop()
        await app.db.close()
        if lock is not None:
            lock.release()
        raise
    # Listening for SIGTERM before starting the platforms: a stop asked for at once is
    # clean, and /readyz says "stopping" from that moment.
    stop = None if console else _on_signals()
    platforms = [p for p in (slack, discord) if p is not None]
    health = None
    if settings.health_port is not None or slack is not None:  # aiohttp is there
        from adapters.health import Health

        health = Health(app, platforms, stopping=lambda: stop is not None and stop.is_set())
        if slack is not None:
            slack.extra_routes.append(health.add_routes)  # the probes on Slack's HTTP port too
    try:
        if health is not None and settings.health_port is not None:
            await health.serve(settings.health_port)
        for platform in platforms:
            await platform.start()
        if health is not None:
            health.ready = True
        main_task = console.run() if console is not None else _until_signalled(stop)
        log.info(
            "event=ready adapters=%s startup_ms=%.0f",
            ",".join(names),
            (time.perf_counter() - started_at) * 1000,
        )
        return await _serve(app, main_task)
    finally:
        if health is not None:
            health.ready = False
        for platform in platforms:
            await platform.stop()
        await app.stop()
        if health is not None:
            await health.stop()
        if lock is not None:
            lock.release()


async def _serve(app: Homeroom, main_task: Coroutine[Any, Any, None]) -> int:
    """Run until `main_task` ends (console quit, signal), or a background task gives up."""
    runner = asyncio.ensure_future(main_task)
    failed = asyncio.ensure_future(app.supervisor.failed.wait())
    await asyncio.wait({runner, failed}, return_when=asyncio.FIRST_COMPLETED)
    failed.cancel()
    if not runner.done():
        runner.cancel()
        # One line; the exit status lets a process manager (systemd, Docker) restart it.
        print(
            f"homeroom: stopped because the background task {app.supervisor.gave_up} kept "
            "failing (see event=task_gave_up in the log); exiting with status 1 so that a "
            "process manager restarts Homeroom.",
            file=sys.stderr,
        )
        return 1
    runner.result()
    return 0


def _on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM, handled from now on."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop


async def _until_signalled(stop: asyncio.Event | None) -> None:
    assert stop is not None
    await stop.wait()


def _fresh_console(settings: Settings) -> bool:
    """Only the console would start, and DATABASE_URL does not say where its data goes."""
    chosen = "database_url" in settings.model_fields_set
    return adapters_to_start(settings) == ["console"] and not chosen


def main(argv: list[str] | None = None) -> int:
    started_at = time.perf_counter()
    # Start-up makes ~100,000 objects that live as long as the process, and Python's
    # collector kept rescanning them while they were made: ~130 ms of a 0.5 s start,
    # to free under 800 objects. Paused until the app is started and its heap frozen
    # (the pattern the `gc.freeze` documentation gives); back on however this ends.
    gc.disable()
    try:
        return _main(argv, started_at)
    finally:
        gc.enable()


def _main(argv: list[str] | None, started_at: float) -> int:
    from bot.settings import SettingsError, StartFailure, load_settings

    args = _parser().parse_args(argv)
    command = args.command or "run"
    if args.env_file is not None and not Path(args.env_file).is_file():
        print(
            f"homeroom: the settings file {args.env_file} does not exist: check the path "
            "given to --env-file.",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    try:
        settings = load_settings(args.env_file or ".env")
    except SettingsError as problem:
        print(f"homeroom: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    interactive_console = command == "run" and settings.console_enabled and sys.stdin.isatty()
    log_file = settings.log_file or (Path("data/homeroom.log") if interactive_console else None)
    # A piped console run is a transcript on stdout; keep stderr to warnings there.
    piped_console = command == "run" and settings.console_enabled and not log_file
    level = "WARNING" if piped_console else settings.log_level
    try:
        configure(level, log_file)
    except OSError as error:
        print(
            f"homeroom: can't write the log file {log_file} ({error.strerror or error}): "
            "set LOG_FILE to a file in a folder you can write to.",
            file=sys.stderr,
        )
        return EXIT_CONFIG
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
    except StartFailure as failure:
        print(f"homeroom: {failure}.", file=sys.stderr)
        return 1
    except Exception as error:
        # Not a cause we know how to name: still one line here; the traceback goes to
        # the log at DEBUG, for a bug report.
        log.debug("event=stopped_unexpectedly", exc_info=error)
        first = (str(error).splitlines() or [""])[0][:200]
        print(
            f"homeroom: stopped by an unexpected {type(error).__name__}: {first} "
            "(LOG_LEVEL=DEBUG shows where; please report it).",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
