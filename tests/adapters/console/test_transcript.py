"""`homeroom run` with a scenario piped in prints the transcript a person would read."""

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
SCENARIO = (HERE / "scenario_setup.txt").read_text()
EXPECTED = (HERE / "scenario_setup.expected.txt").read_text()


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'homeroom.db'}"
    return {**env, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}


def run_homeroom(tmp_path: Path, stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "adapters.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_env(tmp_path),
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
    assert _transcript(result) == (HERE / "scenario_prompts.expected.txt").read_text()


def test_a_line_that_is_not_utf8_gets_a_kind_word_and_the_console_goes_on(
    tmp_path: Path,
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "run"],
        input=b"caf\xe9 au lait\n\xff\xfe\n/homeroom role list\n",
        capture_output=True,
        cwd=tmp_path,
        env=_env(tmp_path),
        timeout=60,
    )
    assert result.returncode == 0 and result.stderr == b""
    lines = result.stdout.decode("utf-8").splitlines()
    unreadable = (
        "That line has a character I couldn't read (it isn't UTF-8 text), so I left it out. "
        "Please type it again."
    )
    assert lines[1:6] == [
        "dana@#parents> caf� au lait",
        unreadable,
        "dana@#parents> ��",
        unreadable,
        "dana@#parents> /homeroom role list",
    ]
    assert "No one has a role here yet" in lines[7]


def _transcript(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    transcript = re.sub(r"there it is [^)]*\)", "there it is <now>)", result.stdout)
    return re.sub(r"Monday \d+ \w+, 19:00", "Monday <date>, 19:00", transcript)


def test_the_readmes_piped_example_prints_the_same_after_an_interactive_session(
    tmp_path: Path,
) -> None:
    """README: `python3 tasks.py run < tests/adapters/console/scenario_prompts.txt` starts
    from an empty community each time, whatever the interactive console keeps."""
    readme = (HERE.parents[2] / "README.md").read_text()
    assert "python3 tasks.py run < tests/adapters/console/scenario_prompts.txt" in readme
    env = {k: v for k, v in _env(tmp_path).items() if k != "DATABASE_URL"}
    scenario = (HERE / "scenario_prompts.txt").read_text()
    expected = (HERE / "scenario_prompts.expected.txt").read_text()

    def piped() -> str:
        return _transcript(
            subprocess.run(
                [sys.executable, "-m", "adapters.cli", "run"],
                input=scenario,
                capture_output=True,
                text=True,
                cwd=tmp_path,
                env=env,
                timeout=60,
            )
        )

    assert piped() == expected
    # An interactive session (standard input is a terminal) keeps its community in
    # ./data/homeroom.db: here it runs the same series, so a shared database would
    # show week 2 next time.
    leader, follower = pty.openpty()
    try:
        interactive = subprocess.Popen(
            [sys.executable, "-m", "adapters.cli", "run"],
            stdin=follower,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
            env=env,
        )
        os.write(leader, scenario.encode())
        out, _ = interactive.communicate(timeout=60)
    finally:
        os.close(leader)
        os.close(follower)
    assert interactive.returncode == 0
    assert b"week 1 of 6" in out
    assert (tmp_path / "data" / "homeroom.db").exists()
    assert piped() == expected


def test_a_form_left_open_is_asked_again_when_the_console_starts_again(tmp_path: Path) -> None:
    run_homeroom(tmp_path, "/homeroom setup\nEurope/Madrid\n", "run")
    again = run_homeroom(tmp_path, "", "run")
    assert again.stdout.splitlines()[1:3] == [
        "#parents | Homeroom → dana (only dana sees this)",
        "    Set up Homeroom (2/4): Languages the group uses, like en,es (first is the main one)",
    ]
