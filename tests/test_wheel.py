"""The built wheel carries the prompt library, and an installed Homeroom finds it."""

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LOAD = """
import json, sys
sys.path.insert(0, sys.argv[1])
import bot
from bot.features.prompts.library import Library
library = Library.load()
print(json.dumps({
    "bot": bot.__file__,
    "locales": library.locales(),
    "counts": [len(library.in_locale(locale)) for locale in library.locales()],
    "problems": len(library.problems),
}))
"""


def test_the_wheel_ships_the_prompt_library_and_it_loads_from_there(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a copy, so the build leaves the worktree untouched
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for package in ("bot", "adapters"):
        shutil.copytree(
            ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "dist"), source],
        check=True,
        capture_output=True,
        timeout=120,
    )
    [wheel] = (tmp_path / "dist").glob("homeroom-*.whl")
    shipped = {
        (Path(name).parent.name, Path(name).name)
        for name in zipfile.ZipFile(wheel).namelist()
        if name.startswith("bot/prompts/") and name.endswith(".toml")
    }
    in_source = {(p.parent.name, p.name) for p in (ROOT / "bot" / "prompts").glob("*/*.toml")}
    assert shipped == in_source
    assert len(in_source) == 12

    installed = tmp_path / "installed"
    zipfile.ZipFile(wheel).extractall(installed)
    result = subprocess.run(
        [sys.executable, "-c", LOAD, str(installed)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
        timeout=60,
    )
    loaded = json.loads(result.stdout)
    assert loaded["bot"].startswith(str(installed))
    assert loaded == {**loaded, "locales": ["en", "es"], "counts": [6, 6], "problems": 0}
