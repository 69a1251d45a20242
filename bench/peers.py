"""Homeroom's dispatch beside two peers' in one run: opsdroid's in-process `parse()` and
errbot's test backend, in interleaved rounds, each in its own process and its own
virtual environment, so a reader can check the comparison on their own machine.

Run: .venv/bin/python -m bench.peers [--rounds 9] [--count 5000] [--burst 2000]

The first run makes `.venv-peers/opsdroid` and `.venv-peers/errbot` (pinned versions,
from the package registry; about a minute) and reuses them afterwards. Each round runs
the three in turn (the order rotates each round, so none always goes first on a cooled
or heated machine), each on the same workload as `bench/dispatch.py`: `count` commands
one after another, then `burst` in flight at once, every reply checked. Prints each
round, then the medians and Homeroom's ratio to each peer.

The peers persist nothing; Homeroom's "dispatch" figure is commands answered with their
rows queued for the database (at most `max_queued_rows` of them: backpressure), "committed"
is every row of every command on disk, and "delivered" is through persisted delivery.
The ratios compare what Homeroom committed with what each peer dispatched. All three run
the same loop and none is metered (`bench.dispatch --json`: a bare run).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEERS_VENVS = ROOT / ".venv-peers"
SCRIPTS = Path(__file__).resolve().parent / "peer_scripts"
# What each peer needs: opsdroid 0.31 still imports pkg_resources (setuptools < 81);
# errbot's test backend imports pytest.
PEERS = {
    "opsdroid": ["opsdroid==0.31.0", "setuptools<81"],
    "errbot": ["errbot==6.2.1", "pytest"],
}


def peer_python(name: str) -> Path:
    """The peer's interpreter, making its virtual environment on first use."""
    folder = PEERS_VENVS / name
    python = folder / "bin" / "python"
    marker = folder / ".installed"
    wanted = " ".join(PEERS[name])
    if not marker.exists() or marker.read_text() != wanted:
        print(f"Installing {name} into {folder} (first run only) ...", flush=True)
        venv.create(folder, with_pip=True, clear=True)
        pip = [str(python), "-m", "pip", "install", "-q", *PEERS[name]]
        done = subprocess.run(pip, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.exit(f"Could not install {name}:\n{done.stderr[-2000:]}")
        marker.write_text(wanted)
    return python


def run(cmd: list[str]) -> dict[str, float]:
    """One process, one JSON line of figures on its last line of output."""
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{cmd[0]} {' '.join(cmd[1:])} failed:\n{done.stderr[-2000:]}")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--burst", type=int, default=2000)
    args = parser.parse_args()
    sizes = [str(args.count), str(args.burst)]
    contenders = {
        "homeroom": [sys.executable, "-m", "bench.dispatch", "--json", *sizes],
        "opsdroid": [str(peer_python("opsdroid")), str(SCRIPTS / "opsdroid_dispatch.py"), *sizes],
        "errbot": [str(peer_python("errbot")), str(SCRIPTS / "errbot_dispatch.py"), *sizes],
    }
    names = list(contenders)
    results: dict[str, list[dict[str, float]]] = {name: [] for name in names}
    for round_ in range(args.rounds):
        order = names[round_ % 3 :] + names[: round_ % 3]
        for name in order:
            results[name].append(run(contenders[name]))
        line = "  ".join(
            f"{n} {results[n][-1]['sequential']:,.0f}/{results[n][-1]['in_flight']:,.0f}"
            for n in names
        )
        print(f"round {round_ + 1}: sequential/in flight per s: {line}", flush=True)

    def median(name: str, key: str) -> float:
        return statistics.median(r[key] for r in results[name])

    print(
        f"\nmedians of {args.rounds} rounds ({args.count:,} sequential, {args.burst:,} in flight)"
    )
    for name in names:
        print(
            f"  {name:9} sequential {median(name, 'sequential'):>8,.0f}/s"
            f"   in flight {median(name, 'in_flight'):>8,.0f}/s"
            f"   wrong replies {sum(r['wrong'] for r in results[name]):.0f}"
        )
    print(
        f"  homeroom committed (every row on disk): sequential "
        f"{median('homeroom', 'sequential_committed'):,.0f}/s, in flight "
        f"{median('homeroom', 'in_flight_committed'):,.0f}/s"
    )
    print(
        f"  homeroom through persisted delivery: sequential "
        f"{median('homeroom', 'sequential_delivered'):,.0f}/s, in flight "
        f"{median('homeroom', 'in_flight_delivered'):,.0f}/s"
    )
    for peer in ("opsdroid", "errbot"):
        ratios = [
            median("homeroom", f"{mode}_committed") / median(peer, mode)
            for mode in ("sequential", "in_flight")
        ]
        answered = [
            median("homeroom", mode) / median(peer, mode) for mode in ("sequential", "in_flight")
        ]
        print(
            f"  homeroom committed / {peer}: sequential {ratios[0]:.2f}x, in flight "
            f"{ratios[1]:.2f}x (dispatched: {answered[0]:.2f}x, {answered[1]:.2f}x)"
        )


if __name__ == "__main__":
    main()
