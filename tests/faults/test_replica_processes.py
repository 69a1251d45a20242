"""Three `homeroom run` processes on one fresh PostgreSQL database, Slack's HTTP mode
against the local fake, 500 groups' prompts due at once, and one replica killed with
SIGKILL a third of the way through the fan-out: every prompt is posted exactly once,
the fake never sees more than Slack's overall limit, and the killed replica's rows
(leased to it, in lanes it owned) are sent by the others once its lease runs out.

Slow (the lease is a minute): skipped, with the reason printed, where PostgreSQL does
not answer.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from bench.faults import postgres_database
from bench.replicas import fan_out
from bot.outbox import LEASE
from bot.storage.tables import outbox, outbox_lanes

GROUPS = 500


async def test_three_replicas_one_killed_mid_fan_out_post_every_prompt_once(
    tmp_path: Path,
) -> None:
    async with postgres_database() as url:
        if url is None:
            print("skipped: no PostgreSQL answers at HOMEROOM_TEST_POSTGRES_URL")
            pytest.skip("no PostgreSQL")
        result = await fan_out(
            url, tmp_path, replicas=3, posts=GROUPS, kill_after=GROUPS // 3, within=240.0
        )
    print(result.line())
    assert (result.duplicates, result.lost, result.over_limit) == (0, 0, 0)
    assert result.killed_after == GROUPS // 3
    assert result.orphaned > 0  # the replica killed was the one holding the most rows
    # Its rows wait out its lease (renewed up to a third of it before the kill), then go
    # at the platform's rate: 20 a second for what is left.
    assert result.finished_after_kill is not None
    assert LEASE * 2 / 3 <= result.finished_after_kill <= LEASE + GROUPS / 20 + 10


async def test_three_replicas_one_stopped_by_sigterm_mid_fan_out_lose_and_double_nothing(
    tmp_path: Path,
) -> None:
    """A clean stop releases its leases: the others take its rows at their next claim
    pass (every second), not a lease later."""
    async with postgres_database() as url:
        if url is None:
            print("skipped: no PostgreSQL answers at HOMEROOM_TEST_POSTGRES_URL")
            pytest.skip("no PostgreSQL")
        result = await fan_out(
            url, tmp_path, replicas=3, posts=GROUPS, kill_after=GROUPS // 3, stop=True
        )
        leftover = await leases_left(url)
    print(result.line())
    assert (result.duplicates, result.lost, result.over_limit, leftover) == (0, 0, 0, (0, 0))
    assert result.orphaned > 0
    assert result.finished_after_kill is not None
    assert result.finished_after_kill <= GROUPS / 20 + 10  # no lease waited out


async def leases_left(url: str) -> tuple[int, int]:
    """Pending rows still leased, and lanes still owned, once every replica has stopped
    (each by SIGTERM at the end): none, as every clean stop releases its own."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(func.count())
                .select_from(outbox)
                .where((outbox.c.status == "pending") & outbox.c.lease_owner.is_not(None))
            )
            lanes = await conn.execute(select(func.count()).select_from(outbox_lanes))
            return int(rows.scalar_one()), int(lanes.scalar_one())
    finally:
        await engine.dispose()
