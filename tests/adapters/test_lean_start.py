"""`homeroom run` with the console loads no library it does not use (BENCHMARKS.md,
start-up): no platform library, no Alembic on a database already migrated, no Jinja2,
Pillow, cryptography or APScheduler before a digest, chart, sealed address or recurrence
asks for them; and importing the CLI loads no more than the CLI, so that the collector
pause in `adapters.cli.main` covers the core's imports.

Each check runs in a process of its own and reads its `sys.modules`."""

import json
import os
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from bot.storage.db import MIGRATIONS, newest_in, newest_revision

ROOT = Path(__file__).resolve().parents[2]

# What the console start must not load (exact module names).
UNUSED = (
    "slack_bolt",
    "slack_sdk",
    "discord",
    "aiohttp",
    "asyncpg",
    "sqlalchemy.dialects.postgresql",
    "jinja2",
    "alembic",
    "mako",
    "pygments",
    "PIL",
    "cryptography",
    "apscheduler",
)

# Runs `homeroom run` in this process, then prints the modules it loaded.
RUN = """
import json, sys
from adapters import cli
code = cli.main(["run"])
print(json.dumps([code, sorted(sys.modules)]))
"""


def python(code: str, tmp_path: Path, *, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'homeroom.db'}",
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=True,
    )


def loaded_by_run(tmp_path: Path) -> tuple[int, set[str]]:
    out = python(RUN, tmp_path, stdin=":quit\n").stdout
    code, modules = json.loads(out.splitlines()[-1])
    return code, {*modules, *(name.split(".")[0] for name in modules)}


def test_a_console_start_on_a_migrated_database_loads_no_unused_library(tmp_path: Path) -> None:
    python("from adapters import cli; raise SystemExit(cli.main(['migrate']))", tmp_path)
    code, modules = loaded_by_run(tmp_path)
    assert code == 0
    assert sorted(modules & set(UNUSED)) == []
    assert {"sqlalchemy", "rich", "aiosqlite"} <= modules  # it did start the console


def test_a_console_start_on_a_new_database_makes_it_without_alembic(tmp_path: Path) -> None:
    """A new SQLite file is made from the schema snapshot (bot.storage.schema)."""
    code, modules = loaded_by_run(tmp_path)
    assert code == 0
    assert sorted(modules & set(UNUSED)) == []
    assert (tmp_path / "homeroom.db").exists()
    # ...and the next start finds it at the newest revision, without Alembic either.
    code, modules = loaded_by_run(tmp_path)
    assert (code, sorted(modules & set(UNUSED))) == (0, [])


def test_importing_the_cli_loads_neither_the_core_nor_its_libraries(tmp_path: Path) -> None:
    code = "import json, sys; import adapters.cli; print(json.dumps(list(sys.modules)))"
    modules = set(json.loads(python(code, tmp_path).stdout))
    heavy = {"sqlalchemy", "pydantic", "pydantic_settings", "babel", "bot.app", "bot.settings"}
    assert sorted(modules & heavy) == []
    assert "adapters.cli" in modules


def test_the_newest_revision_read_from_the_files_is_alembics_head() -> None:
    assert ScriptDirectory(str(MIGRATIONS)).get_heads() == [newest_revision()]


def migration(folder: Path, name: str, revision: str, down: str) -> None:
    (folder / f"{name}.py").write_text(
        f'"""{name}"""\n\nrevision: str = "{revision}"\ndown_revision = {down}  # note\n'
    )


def test_the_newest_revision_is_read_only_from_one_plain_chain(tmp_path: Path) -> None:
    (tmp_path / "__init__.py").write_text("")
    migration(tmp_path, "0001_a", "0001", "None")
    migration(tmp_path, "0002_b", "0002", '"0001"')
    assert newest_in(tmp_path) == "0002"
    migration(tmp_path, "0003_c", "0003", '"0001"')  # a branch: two newest
    assert newest_in(tmp_path) is None
    migration(tmp_path, "0003_c", "0003", '("0001", "0002")')  # a merge: left to Alembic
    assert newest_in(tmp_path) is None
    migration(tmp_path, "0003_c", "0003", '"0002"')
    assert newest_in(tmp_path) == "0003"
    migration(tmp_path, "0004_d", "0004", '"0099"')  # after a revision that is not there
    assert newest_in(tmp_path) is None


# Runs `homeroom run`; once the console is about to read, un-freezes the heap the start
# froze and counts the garbage in it (what a collection before the freeze should free).
FROZEN_GARBAGE = """
import gc, json, sys
from adapters import cli
from adapters.console.adapter import ConsoleAdapter
run, found = ConsoleAdapter.run, []
async def counting(self):
    gc.collect()  # what came after the freeze
    gc.unfreeze()
    found.append(gc.collect())
    await run(self)
ConsoleAdapter.run = counting
code = cli.main(["run"])
print(json.dumps([code, found, gc.isenabled()]))
"""


def test_a_start_that_migrated_freezes_what_alembic_left_collected(tmp_path: Path) -> None:
    """Collections are paused during the start; when Alembic ran (~12,000 objects of
    garbage) the start collects before freezing, or that garbage would be kept for good.
    A few hundred objects may become garbage between the freeze and the count."""
    for _ in ("new database", "migrated database"):
        out = python(FROZEN_GARBAGE, tmp_path, stdin=":quit\n").stdout
        code, (garbage,), enabled = json.loads(out.splitlines()[-1])
        assert (code, enabled) == (0, True)
        assert garbage < 1000
