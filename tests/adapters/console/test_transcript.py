"""`homeroom run` with a scenario piped in prints the transcript a person would read."""

import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
SCENARIO = (HERE / "scenario_setup.txt").read_text()
EXPECTED = (HERE / "scenario_setup.expected.txt").read_text()


def run_homeroom(tmp_path: Path, stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'homeroom.db'}"
    return subprocess.run(
        [sys.executable, "-m", "adapters.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(Path(__file__).resolve().parents[3])},
        timeout=60,
    )


def test_a_piped_scenario_prints_the_expected_transcript(tmp_path: Path) -> None:
    result = run_homeroom(tmp_path, SCENARIO, "run")
    assert result.returncode == 0, result.stderr
    transcript = re.sub(r"there it is [^)]*\)", "there it is <now>)", result.stdout)
    assert transcript == EXPECTED
    assert result.stderr == ""


def test_what_was_set_up_is_still_there_after_a_restart(tmp_path: Path) -> None:
    run_homeroom(tmp_path, SCENARIO, "run")
    result = run_homeroom(tmp_path, "/homeroom role list\n", "run")
    assert "• Liaison: @sam" in result.stdout


def test_a_piped_scenario_schedules_a_series_and_a_week_later_the_prompt_and_a_reply(
    tmp_path: Path,
) -> None:
    result = run_homeroom(tmp_path, (HERE / "scenario_prompts.txt").read_text(), "run")
    assert result.returncode == 0, result.stderr
    transcript = re.sub(r"there it is [^)]*\)", "there it is <now>)", result.stdout)
    transcript = re.sub(r"Monday \d+ \w+, 19:00", "Monday <date>, 19:00", transcript)
    assert transcript == (HERE / "scenario_prompts.expected.txt").read_text()
