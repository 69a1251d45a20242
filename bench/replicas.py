"""Replicas of `homeroom run` on one PostgreSQL database: a fan-out of prompts, one per
channel, all due at once, delivered by 1 or 3 replicas to the local Slack fake (HTTP
mode), optionally with one replica killed (SIGKILL) mid fan-out.

Per run it prints the time to finish, the peak rate the fake saw against Slack's
overall limit (20 posts a second, bursts of 20), how many posts went over that limit
(by the token bucket: a burst, then the rate), duplicates and lost prompts.

Run: .venv/bin/python -m bench.replicas [--posts N] [--replicas 1 3] [--kill]
(needs PostgreSQL at HOMEROOM_TEST_POSTGRES_URL, default 127.0.0.1:5432). At Slack's
20 a second, 2,000 posts take 100 s a run; pass a smaller --posts for a short run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.slack.adapter import SlackAdapter
from bench.faults import ROOT, _Slack, postgres_database, seed
from bot.storage.tables import outbox

LIMITS = SlackAdapter.limits
READY_WITHIN = 30.0


@dataclass
class Result:
    replicas: int
    posts: int
    seconds: float
    peak: int  # the most posts the fake saw in any one second
    over_limit: int  # posts beyond what the limit allows in any window (0: kept)
    duplicates: int
    lost: int
    killed_after: int | None = None  # posts seen when one replica was killed
    finished_after_kill: float | None = None  # seconds from the kill to the last post
    orphaned: int = 0  # pending rows leased to the killed replica when it died
    times: list[float] = field(default_factory=list, repr=False)

    def line(self) -> str:
        kill = (
            ""
            if self.killed_after is None
            else f" killed_one_after={self.killed_after} posts holding={self.orphaned} rows, "
            f"finished {self.finished_after_kill:.1f} s after the kill"
        )
        return (
            f"replicas={self.replicas} posts={self.posts} seconds={self.seconds:.1f} "
            f"peak_per_second={self.peak} limit_per_second={LIMITS.overall:.0f} "
            f"burst={LIMITS.overall_burst} over_limit={self.over_limit} "
            f"duplicates={self.duplicates} lost={self.lost}{kill}"
        )


def over_the_limit(times: list[float], rate: float, burst: int) -> int:
    """The most sends any window held beyond a burst of `burst` then `rate` a second."""
    times = sorted(times)
    worst, first = 0, 0
    for last in range(len(times)):
        # Windows longer than the burst's worth of time cannot be the worst by much;
        # every start is still tried, from the earliest one that could matter.
        for start in range(first, last + 1):
            allowed = burst + rate * (times[last] - times[start]) + 1e-6
            worst = max(worst, int(last - start + 1 - allowed + 0.999999))
        while first < last and times[last] - times[first] > 2 * burst / rate + 1:
            first += 1
    return worst


def peak_per_second(times: list[float]) -> int:
    times = sorted(times)
    peak, start = 0, 0
    for end in range(len(times)):
        while times[end] - times[start] >= 1.0:
            start += 1
        peak = max(peak, end - start + 1)
    return peak


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def start_replica(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    """One `homeroom run` in Slack's HTTP mode on a port of its own, logging to `log`."""
    port = free_port()
    with log.open("wb") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "adapters.cli",
            "run",
            cwd=log.parent,
            env={**env, "SLACK_HTTP_PORT": str(port)},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=out,
        )


async def fan_out(
    url: str,
    folder: Path,
    *,
    replicas: int,
    posts: int,
    kill_after: int | None = None,
    stop: bool = False,
    within: float = 600.0,
) -> Result:
    """Seed `posts` channels' prompts due now, start `replicas` replicas, SIGKILL the
    busiest once the fake has seen `kill_after` posts (if given; SIGTERM if `stop`:
    a clean stop, which releases its leases), and wait until every channel
    has its prompt (or `within` seconds pass); then stop the others with SIGTERM."""
    fake = _Slack()
    await fake.start()
    times: list[float] = []
    started = time.perf_counter()
    processes: list[asyncio.subprocess.Process] = []
    killed: int | None = None
    killed_at = 0.0
    orphaned = 0
    everyone = asyncio.Event()

    async def seen(method: str) -> None:
        nonlocal killed, killed_at
        if method != "chat.postMessage":
            return
        times.append(time.perf_counter())
        if kill_after is not None and killed is None and len(times) >= kill_after:
            killed, killed_at = len(times), time.perf_counter()
            await kill_busiest()
        if len(fake.per_channel()) + 1 >= posts:  # this one's answer is on its way
            everyone.set()

    async def kill_busiest() -> None:
        """SIGKILL the replica holding the most rows to send (its pid is in its leases)."""
        nonlocal orphaned
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                owner, held = (
                    await conn.execute(
                        select(outbox.c.lease_owner, func.count())
                        .where((outbox.c.status == "pending") & outbox.c.lease_owner.is_not(None))
                        .group_by(outbox.c.lease_owner)
                        .order_by(func.count().desc())
                        .limit(1)
                    )
                ).one()
        finally:
            await engine.dispose()
        pid = int(str(owner).split(":")[1])
        victim = next(p for p in processes if p.pid == pid)
        with contextlib.suppress(ProcessLookupError):
            victim.terminate() if stop else victim.kill()
        orphaned = int(held)

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=url,
        LOG_LEVEL="INFO",
        CONSOLE="off",
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_SIGNING_SECRET="bench-secret",
        SLACK_MODE="http",
        SLACK_API_URL=fake.fake.url + "/api/",
    )
    try:
        await seed(url, fake, posts)
        fake.fake.before_answer = seen
        started = time.perf_counter()
        for n in range(replicas):
            processes.append(await start_replica(env, folder / f"replica-{n}.log"))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(everyone.wait(), within)
        await asyncio.sleep(1.0)  # the last answers land, and any late duplicate with them
        seconds = (times[-1] - started) if times else 0.0
    finally:
        for process in processes:
            if process.returncode is None:
                process.terminate()
        for process in processes:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), READY_WITHIN)
        await fake.stop()
    counts = fake.per_channel()
    expected = [fake.channel(n) for n in range(posts)]
    return Result(
        replicas=replicas,
        posts=posts,
        seconds=seconds,
        peak=peak_per_second(times),
        over_limit=over_the_limit(times, LIMITS.overall, LIMITS.overall_burst),
        duplicates=sum(max(0, counts[c] - 1) for c in expected),
        lost=sum(1 for c in expected if counts[c] == 0),
        killed_after=killed,
        finished_after_kill=(times[-1] - killed_at) if killed is not None else None,
        orphaned=orphaned,
        times=times,
    )


async def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench.replicas", description=__doc__)
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--kill", action="store_true", help="SIGKILL one replica mid fan-out")
    parser.add_argument("--stop", action="store_true", help="SIGTERM one replica mid fan-out")
    args = parser.parse_args(argv)
    for count in args.replicas:
        async with postgres_database() as url:
            if url is None:
                print("bench.replicas: no PostgreSQL answers; nothing measured")
                return
            with tempfile.TemporaryDirectory() as folder:
                one = (args.kill or args.stop) and count > 1
                result = await fan_out(
                    url,
                    Path(folder),
                    replicas=count,
                    posts=args.posts,
                    kill_after=args.posts // 3 if one else None,
                    stop=args.stop,
                )
                print(result.line(), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
