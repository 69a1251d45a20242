"""Two commands for a fresh machine: `python3 tasks.py run` and `python3 tasks.py test`.

Standard library only, because it runs before anything is installed: it makes `.venv`,
installs Homeroom with every extra the first time (or when pyproject.toml changed), and
then hands over to the real command inside the virtual environment.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".homeroom-installed"


def _fingerprint() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_venv() -> None:
    """Create and fill .venv unless it already matches pyproject.toml."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this file runs before any check
        sys.exit("Homeroom needs Python 3.11 or newer; run this with python3.11.")
    if STAMP.exists() and STAMP.read_text() == _fingerprint():
        return
    if not (BIN / "python").exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing Homeroom and its dependencies (first run only) ...", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", ".[slack,discord,postgres,dev]"], check=True, cwd=ROOT)
    STAMP.write_text(_fingerprint())


def main(argv: list[str]) -> int:
    """Dispatch `run`, `test` or `lint`; Ctrl-C ends it quietly, wherever it lands."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        return 130


def _main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test", "lint", "messages"}:
        print("usage: python3 tasks.py run [homeroom args] | test [pytest args] | lint | messages")
        return 2
    ensure_venv()
    task, rest = argv[0], argv[1:]
    if task == "run":
        cmd = [str(BIN / "homeroom"), *(rest or ["run"])]
        if os.name == "posix":
            # Become `homeroom` itself: Ctrl-C, SIGTERM and the exit code are exactly
            # what `.venv/bin/homeroom run` gets and gives, with no parent in between.
            os.chdir(ROOT)
            sys.stdout.flush()
            os.execv(cmd[0], cmd)
    elif task == "test":
        # One worker per core unless told otherwise (`-n 0` runs in this process).
        workers = (
            [] if any(a.startswith(("-n", "--numprocesses")) for a in rest) else ["-n", "auto"]
        )
        cmd = [str(BIN / "python"), "-m", "pytest", *workers, *rest]
    elif task == "messages":
        return _update_catalogs()
    else:
        for step in (
            [str(BIN / "ruff"), "check", "."],
            [str(BIN / "ruff"), "format", "--check", "."],
            [str(BIN / "mypy"), "bot", "adapters"],
        ):
            if subprocess.run(step, cwd=ROOT).returncode:
                return 1
        return 0
    return _child(cmd)


def _child(cmd: list[str]) -> int:
    """Run `cmd` to its end. Ctrl-C in a terminal reaches the child too, so it gets a
    moment to stop on its own; a SIGINT sent to this process alone is then passed on.
    Either way the child's own quiet exit is waited for."""
    child = subprocess.Popen(cmd, cwd=ROOT)
    while True:
        try:
            return child.wait()
        except KeyboardInterrupt:
            try:
                return child.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                child.send_signal(signal.SIGINT)
            except KeyboardInterrupt:
                child.send_signal(signal.SIGINT)


def _update_catalogs() -> int:
    """Extract marked strings into the template and merge them into every .po file."""
    pybabel = str(BIN / "pybabel")
    pot = "bot/i18n/homeroom.pot"
    extract = [pybabel, "extract", "-F", "babel.cfg", "-k", "N_", "-k", "_", "-k", "ngettext:1,2"]
    extract += ["-k", "NP_:1c,2"]
    steps = [
        [*extract, "--no-location", "--omit-header", "-o", pot, "."],
        [pybabel, "update", "-i", pot, "-d", "bot/i18n/locales", "-D", "homeroom", "-w", "100"],
    ]
    for step in steps:
        if subprocess.run(step, cwd=ROOT).returncode:
            return 1
    print("Catalogs updated: translate the new or fuzzy entries in bot/i18n/locales/*/.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
