"""Start-up time to ready and idle memory of `homeroom run` with the console adapter.

Starts the real command as a new user would, on a fresh database (migrations included)
and again on the existing one, waits for the console's first line (printed once the
bot is ready), lets it idle, reads its resident memory, then types :quit. The bot and
its SQLite writer process share the interpreter's code pages, so their RSS figures add
up to more than they use together: the total is their PSS summed (each shared page
counted once, split between the processes that map it; Linux's /proc/PID/smaps).
Also reports the child's CPU time (user + sys) to ready, which a loaded machine inflates
far less than wall time. Bytecode is cached as in an installed wheel (pip compiles it at
install): PYTHONDONTWRITEBYTECODE is dropped for the child, and one untimed start first
writes the project's own .pyc files.
Run: .venv/bin/python -m bench.startup
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

RUNS = 5
IDLE_SECONDS = 2.0


def start_once(folder: Path) -> tuple[float, float, float, float, float]:
    """Seconds to ready, CPU seconds (user + sys) to ready, idle RSS in MB of the bot
    and of its SQLite writer process (bot/storage/writer_process.py), and the two
    processes' memory together (PSS)."""
    skip = ("SLACK_", "DISCORD_", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{folder / 'homeroom.db'}"
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "adapters.cli", "run"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=folder,
        env={**env, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    assert process.stdout is not None and process.stdin is not None
    first_line = process.stdout.readline()
    ready = time.perf_counter() - started
    child = psutil.Process(process.pid)
    times = child.cpu_times()
    cpu = times.user + times.system
    assert "Homeroom console community" in first_line, first_line
    time.sleep(IDLE_SECONDS)
    rss = child.memory_info().rss / 2**20
    children = child.children(recursive=True)
    writer = sum(c.memory_info().rss for c in children) / 2**20
    together = sum(p.memory_full_info().pss for p in (child, *children)) / 2**20
    process.stdin.write(":quit\n")
    process.stdin.close()
    process.wait(timeout=30)
    return ready, cpu, rss, writer, together


def main() -> None:
    fresh, warm, fresh_cpu, warm_cpu, memory, writer, total = [], [], [], [], [], [], []
    with tempfile.TemporaryDirectory() as name:
        start_once(Path(name))  # writes the .pyc files a wheel install would have
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            ready, cpu, *_ = start_once(folder)
            fresh.append(ready)
            fresh_cpu.append(cpu)
            ready, cpu, rss, writer_rss, together = start_once(folder)
            warm.append(ready)
            warm_cpu.append(cpu)
            memory.append(rss)
            writer.append(writer_rss)
            total.append(together)
    load = os.getloadavg()[0]
    print(f"homeroom run (console), {RUNS} runs each, median (max), load {load:.1f}:")
    print(summary("start-up to ready, new database", fresh, "s"))
    print(summary("start-up to ready, existing database", warm, "s"))
    print(summary("CPU (user+sys) to ready, new database", fresh_cpu, "s"))
    print(summary("CPU (user+sys) to ready, existing db", warm_cpu, "s"))
    print(summary(f"idle RSS after {IDLE_SECONDS:.0f} s", memory, "MB"))
    print(summary("idle RSS of the SQLite writer process", writer, "MB"))
    print(summary("idle memory of the two together (PSS)", total, "MB"))


def summary(label: str, values: list[float], unit: str) -> str:
    digits = 2 if unit == "s" else 0
    middle, worst = statistics.median(values), max(values)
    return f"  {label + ':':42} {middle:.{digits}f} {unit} ({worst:.{digits}f} {unit})"


if __name__ == "__main__":
    main()
