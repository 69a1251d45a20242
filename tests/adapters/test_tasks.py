"""`python3 tasks.py run` as a person starts it, stopped with Ctrl-C (SIGINT)."""

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from adapters.slack.fake import FakeSlack
from tests.adapters.slack.conftest import SECRET, free_port

ROOT = Path(__file__).resolve().parents[2]


def _venv_is_ready() -> bool:
    import tasks

    return tasks.STAMP.exists() and tasks.STAMP.read_text() == tasks._fingerprint()


@pytest.mark.skipif(not _venv_is_ready(), reason="tasks.py would install .venv first")
async def test_ctrl_c_on_tasks_py_run_ends_quietly(fake_slack: FakeSlack, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'homeroom.db'}",
        LOG_LEVEL="INFO",
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_MODE="http",
        SLACK_HTTP_PORT=str(free_port()),
        SLACK_API_URL=fake_slack.url + "/api/",
    )
    (tmp_path / "empty.env").write_text("# only the environment's settings\n")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "tasks.py"),
        "run",
        "--env-file",
        str(tmp_path / "empty.env"),
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None and process.stdout is not None
    while b"event=ready" not in (line := await asyncio.wait_for(process.stderr.readline(), 20)):
        assert line, "tasks.py run ended before it was ready"
    process.send_signal(signal.SIGINT)  # to tasks.py alone, as `kill -INT` would
    rest = await asyncio.wait_for(process.stderr.read(), 20)
    out = await process.stdout.read()
    assert await process.wait() == 0
    assert b"Traceback" not in rest + out
    assert b"KeyboardInterrupt" not in rest + out
