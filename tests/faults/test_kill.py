"""`kill -9` during a fan-out, twenty times, then a run left to finish: every channel
gets its prompt exactly once. The real `homeroom run` against the platform fakes (which
live in the test process, so they outlive every Homeroom); the kill moments come from a
seeded generator (see bench/faults.py, which runs the same on a larger scale)."""

from pathlib import Path

import pytest

from bench.faults import kill_run

CHANNELS, KILLS = 30, 20


@pytest.mark.parametrize("platform", ["slack", "discord"])
async def test_twenty_kills_during_a_fan_out_lose_nothing_and_double_nothing(
    platform: str, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'homeroom.db'}"
    outcome = await kill_run(platform, url, tmp_path, channels=CHANNELS, kills=KILLS, seed_=7)
    assert (outcome.kills, outcome.expected) == (KILLS, CHANNELS)
    assert (outcome.lost, outcome.doubled, outcome.delivered) == (0, 0, CHANNELS), outcome.line()
