"""`homeroom run` as a real process, for the tests that check the command itself."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@contextlib.asynccontextmanager
async def homeroom_running(
    tmp_path: Path, log: list[str] | None = None, **settings: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Start `homeroom run` with these settings (and no platform variables of the caller),
    wait until it logs that it is ready, and on leaving check that it stops cleanly.
    Every line it logs is appended to `log`, if given, as it comes."""
    lines = log if log is not None else []
    process = await start_homeroom(tmp_path, lines, **settings)

    async def read_log() -> None:  # also keeps the log pipe from filling
        assert process.stderr is not None
        while line := await process.stderr.readline():
            lines.append(line.decode())

    drain = asyncio.ensure_future(read_log())
    try:
        yield process
    finally:
        if process.returncode is None:  # not killed by the test itself
            process.terminate()
            assert await asyncio.wait_for(process.wait(), 20) == 0  # a clean stop on SIGTERM
        await drain


async def start_homeroom(
    tmp_path: Path, lines: list[str], **settings: str
) -> asyncio.subprocess.Process:
    """`homeroom run` started and ready (its log so far in `lines`); stopping it is the
    caller's business (a fault test kills it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'homeroom.db'}",
        LOG_LEVEL="INFO",
    )
    env.update(settings)
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
        lines.append(line.decode())
    lines.append(line.decode())
    return process
