"""`homeroom run` whose background task keeps failing: one ERROR line naming the task,
one line on stderr, and a non-zero exit, so a process manager restarts it."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The housekeeping task fails at once, every time, and restarts without waiting: the
# supervisor's rules are the same, only the real seconds between restarts are gone.
BROKEN_RUN = """
import sys
import bot.app, bot.supervisor
from adapters.cli import main

async def broken(self):
    raise RuntimeError("housekeeping is broken")

bot.app.Homeroom._housekeeping = broken
bot.supervisor.FIRST_BACKOFF = 0.0
sys.exit(main(["run"]))
"""


def test_a_task_that_keeps_failing_makes_run_exit_non_zero_with_one_line(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    log = tmp_path / "homeroom.log"
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'homeroom.db'}",
        LOG_FILE=str(log),
        LOG_LEVEL="INFO",
    )
    with (
        (tmp_path / "stderr").open("w") as err,
        subprocess.Popen(
            [sys.executable, "-c", BROKEN_RUN],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.PIPE,  # the console waits on it: open until the process ends
            stdout=subprocess.DEVNULL,
            stderr=err,
        ) as process,
    ):
        try:
            assert process.wait(timeout=60) == 1
        finally:
            process.kill()
    stderr = (tmp_path / "stderr").read_text()
    assert stderr == (
        "homeroom: stopped because the background task housekeeping kept failing (see "
        "event=task_gave_up in the log); exiting with status 1 so that a process manager "
        "restarts Homeroom.\n"
    )
    errors = [line for line in log.read_text().splitlines() if "level=ERROR" in line]
    assert len(errors) == 1
    assert errors[0].endswith(
        "event=task_gave_up task=housekeeping failures=6 within_s=600; stopping Homeroom"
    )
