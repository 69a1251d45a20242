from pathlib import Path

from bot import __version__
from tests.adapters.console.test_transcript import run_homeroom


def test_version(tmp_path: Path) -> None:
    result = run_homeroom(tmp_path, "", "--version")
    assert result.stdout.strip() == f"homeroom {__version__}"


def test_half_given_settings_stop_the_start_with_one_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("# only half of Slack\nSLACK_BOT_TOKEN=xoxb-123\n")
    result = run_homeroom(tmp_path, "", "run")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("homeroom: SLACK_APP_TOKEN is missing: Socket Mode")
    assert "Traceback" not in result.stderr


def test_check_and_migrate(tmp_path: Path) -> None:
    check = run_homeroom(tmp_path, "", "check")
    assert check.returncode == 0, check.stderr
    assert "Migrations to apply on start: 0001, 0002, 0003, 0004, 0005" in check.stdout
    assert "Would start: console" in check.stdout
    migrate = run_homeroom(tmp_path, "", "migrate")
    assert migrate.returncode == 0 and "is up to date" in migrate.stdout
    assert "The database schema is up to date." in run_homeroom(tmp_path, "", "check").stdout
