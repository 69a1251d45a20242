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
    tmp_path: Path, **settings: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Start `homeroom run` with these settings (and no platform variables of the caller),
    wait until it logs that it is ready, and on leaving check that it stops cleanly."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'homeroom.db'}",
        LOG_LEVEL="INFO",
        **settings,
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
    drain = asyncio.ensure_future(process.stderr.read())  # keep the log pipe from filling
    try:
        yield process
    finally:
        process.terminate()
        assert await asyncio.wait_for(process.wait(), 20) == 0  # a clean stop on SIGTERM
        await drain
