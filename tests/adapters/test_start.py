"""Every failure at start is one line naming the real cause and what to do, never a
traceback; `homeroom check` finds what it can without the network, creating nothing.

Each case runs `homeroom` as a process, as a person would."""

import asyncio
import os
import secrets
import socket
import sqlite3
import sys
from pathlib import Path

import pytest

from adapters import cli
from adapters.discord.fake import FakeDiscord
from adapters.slack.fake import FakeSlack
from bot.testing import POSTGRES_URL, postgres_available
from tests.adapters.slack.conftest import SECRET, free_port

ROOT = Path(__file__).resolve().parents[2]


async def homeroom(tmp_path: Path, *args: str, **settings: str) -> tuple[int, str, str]:
    """Run `homeroom <args>` with only these settings; (exit code, stdout, stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'data' / 'homeroom.db'}",
        CONSOLE="off",
    )
    env.update(settings)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapters.cli",
        *args,
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def one_line(err: str) -> str:
    """The one line that says why, after at most a few ordinary INFO log lines."""
    assert "Traceback" not in err
    said = [line for line in err.splitlines() if not line.startswith("ts=")]
    noise = [
        line for line in err.splitlines() if line.startswith("ts=") and "level=INFO" not in line
    ]
    assert (len(said), noise) == (1, []), err
    assert said[0].startswith("homeroom: ")
    return said[0]


SLACK_HTTP = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": SECRET, "SLACK_MODE": "http"}

SETTINGS_CASES = {
    "port above 65535": ({**SLACK_HTTP, "SLACK_HTTP_PORT": "70000"}, "SLACK_HTTP_PORT"),
    "port 0": ({**SLACK_HTTP, "SLACK_HTTP_PORT": "0"}, "from 1 to 65535"),
    "database port": ({"DATABASE_URL": "postgresql://u@127.0.0.1:99999/db"}, "port 99999"),
    "tokens swapped": (
        {"SLACK_BOT_TOKEN": "xapp-1-A-2", "SLACK_APP_TOKEN": "xoxb-3"},
        "SLACK_BOT_TOKEN and SLACK_APP_TOKEN are swapped",
    ),
    "user token as bot token": (
        {"SLACK_BOT_TOKEN": "xoxp-1", "SLACK_APP_TOKEN": "xapp-1"},
        "SLACK_BOT_TOKEN should start with xoxb- but starts with xoxp-",
    ),
    "bot token as app token": (
        {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"},
        "SLACK_APP_TOKEN should start with xapp- but starts with xoxb-",
    ),
    "Slack token as Discord token": ({"DISCORD_TOKEN": "xoxb-1"}, "DISCORD_TOKEN does not look"),
}


@pytest.mark.parametrize("case", SETTINGS_CASES)
@pytest.mark.parametrize("command", ["run", "check"])
def test_a_wrong_setting_stops_run_and_check_with_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    case: str,
    command: str,
) -> None:
    """In-process (settings fail before anything starts), so every case stays fast."""
    settings, expected = SETTINGS_CASES[case]
    for name in os.environ:
        if name.startswith(("SLACK_", "DISCORD_")):
            monkeypatch.delenv(name)
    for name, value in {"CONSOLE": "off", **settings}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    assert cli.main([command]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert expected in one_line(captured.err)
    assert os.listdir(tmp_path) == []  # nothing created


async def test_a_wrong_setting_is_one_line_from_the_command_itself(tmp_path: Path) -> None:
    code, _, err = await homeroom(tmp_path, "run", **SETTINGS_CASES["port above 65535"][0])
    assert code == 2
    assert "SLACK_HTTP_PORT" in one_line(err)


def _unopenable(tmp_path: Path, kind: str) -> tuple[Path, str]:
    if kind == "under a file":
        (tmp_path / "notes.txt").write_text("a file, not a folder")
        return tmp_path / "notes.txt" / "homeroom.db", "is a file, not a folder"
    (tmp_path / "homeroom.db").mkdir()
    return tmp_path / "homeroom.db", "is a folder, not a file"


@pytest.mark.parametrize("kind", ["under a file", "a folder"])
async def test_an_sqlite_path_that_cannot_be_opened_or_created_is_one_line(
    tmp_path: Path, kind: str
) -> None:
    path, expected = _unopenable(tmp_path, kind)
    url = f"sqlite+aiosqlite:///{path}"
    for command in ("run",):
        code, _, err = await homeroom(tmp_path, command, DATABASE_URL=url, CONSOLE="on")
        assert code == 1
        line = one_line(err)
        assert expected in line and str(path) in line and "DATABASE_URL" in line
    code, out, _ = await homeroom(tmp_path, "check", DATABASE_URL=url, CONSOLE="on")
    assert code == 1
    assert f"Problem: the SQLite database {path}" in out


async def test_a_postgresql_database_that_does_not_exist_is_one_line(tmp_path: Path) -> None:
    if (why := await postgres_available()) is not None:
        pytest.skip(why)
    name = f"homeroom_missing_{secrets.token_hex(4)}"
    url = POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    code, _, err = await homeroom(tmp_path, "run", DATABASE_URL=url, CONSOLE="on")
    assert code == 1
    line = one_line(err)
    assert f'has no database "{name}"' in line and f"createdb {name}" in line


async def test_a_postgresql_server_that_does_not_answer_is_one_line(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    url = f"postgresql+asyncpg://homeroom@127.0.0.1:{port}/homeroom"
    code, _, err = await homeroom(tmp_path, "run", DATABASE_URL=url, CONSOLE="on")
    assert code == 1
    assert f"can't reach PostgreSQL at 127.0.0.1:{port}" in one_line(err)


async def test_a_port_in_use_is_one_line_in_run_and_a_problem_in_check(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        settings = {
            **SLACK_HTTP,
            "SLACK_HTTP_PORT": port,
            "SLACK_API_URL": fake_slack.url + "/api/",
        }
        code, _, err = await homeroom(tmp_path, "run", **settings)
        assert code == 1
        assert f"port {port} is already in use" in one_line(err)
        code, out, _ = await homeroom(tmp_path, "check", **settings)
        assert code == 1
        assert f"Problem: port {port} is already in use" in out


@pytest.mark.parametrize(
    ("method", "variable"),
    [("auth.test", "SLACK_BOT_TOKEN"), ("apps.connections.open", "SLACK_APP_TOKEN")],
)
async def test_a_token_slack_refuses_is_one_line_naming_it(
    tmp_path: Path, fake_slack: FakeSlack, method: str, variable: str
) -> None:
    fake_slack.fail_next(method, 200, {"ok": False, "error": "invalid_auth"})
    code, _, err = await homeroom(
        tmp_path,
        "run",
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_APP_TOKEN="xapp-1",
        SLACK_API_URL=fake_slack.url + "/api/",
    )
    assert code == 1
    assert one_line(err).startswith(f"homeroom: Slack refused {variable} (invalid_auth): ")


async def test_a_token_discord_refuses_is_one_line_naming_it(tmp_path: Path) -> None:
    fake = FakeDiscord()
    await fake.start()
    try:
        fake.fail_next("GET /users/@me", 401, {"message": "401: Unauthorized", "code": 0})
        code, _, err = await homeroom(
            tmp_path,
            "run",
            DISCORD_TOKEN="wrong",
            DISCORD_API_URL=fake.api_url,
            DISCORD_GATEWAY_URL=fake.gateway_url,
        )
    finally:
        await fake.stop()
    assert code == 1
    assert one_line(err).startswith("homeroom: Discord refused DISCORD_TOKEN (401 Unauthorized)")


async def test_a_log_file_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "logs").write_text("a file, not a folder")
    code, _, err = await homeroom(
        tmp_path, "run", CONSOLE="on", LOG_FILE=str(tmp_path / "logs" / "homeroom.log")
    )
    assert code == 2
    assert "can't write the log file" in one_line(err)


async def test_check_contacts_no_platform_creates_nothing_and_says_so(tmp_path: Path) -> None:
    settings = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_APP_TOKEN": "xapp-1",
        "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/",  # would fail if contacted
        "DISCORD_TOKEN": "token",
        "DISCORD_API_URL": f"http://127.0.0.1:{free_port()}/api/v10",
    }
    code, out, err = await homeroom(tmp_path, "check", **settings)
    assert (code, err) == (0, "")
    assert "Would start: slack (Socket Mode), discord" in out
    assert "Did not contact Slack or Discord" in out
    assert "not created yet" in out
    assert os.listdir(tmp_path) == []


def test_a_settings_file_that_cannot_be_read_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "latin1.env").write_bytes(b"DEFAULT_TIMEZONE=Am\xe9rica/Bogota\n")
    assert cli.main(["--env-file", "latin1.env", "check"]) == 2
    assert "can't read the settings file latin1.env (not UTF-8 text" in one_line(
        capsys.readouterr().err
    )
    assert cli.main(["--env-file", "missing.env", "check"]) == 2
    assert "the settings file missing.env does not exist" in one_line(capsys.readouterr().err)


async def test_a_file_that_is_not_an_sqlite_database_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "homeroom.db").write_text("notes, not a database " * 100)
    url = f"sqlite+aiosqlite:///{tmp_path / 'homeroom.db'}"
    code, _, err = await homeroom(tmp_path, "run", DATABASE_URL=url, CONSOLE="on")
    assert code == 1
    line = one_line(err)
    assert f"can't open the SQLite database {tmp_path / 'homeroom.db'}" in line
    assert "file is not a database" in line


async def test_a_database_from_a_newer_homeroom_is_one_line(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'homeroom.db'}"
    assert (await homeroom(tmp_path, "migrate", DATABASE_URL=url))[0] == 0
    with sqlite3.connect(tmp_path / "homeroom.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    code, _, err = await homeroom(tmp_path, "run", DATABASE_URL=url, CONSOLE="on")
    assert code == 1
    assert "was set up by a newer Homeroom" in one_line(err)
