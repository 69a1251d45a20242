"""Replicas of `homeroom run` on one PostgreSQL database: a fan-out of prompts, one per
channel, all due at once, delivered by 1 or 3 replicas to the local Slack fake (HTTP
mode), optionally with one replica killed (SIGKILL) mid fan-out, and optionally signed
slash commands spread round-robin across the replicas meanwhile (`--commands N`).

Per run it prints the time to finish, the peak rate the fake saw against Slack's
overall limit (20 posts a second, bursts of 20), how many posts went over that limit
(by the token bucket: a burst, then the rate), duplicates and lost prompts; with
commands, how many were acknowledged and answered (once, more than once, never).

Run: .venv/bin/python -m bench.replicas [--posts N] [--replicas 1 3] [--kill] [--commands N]
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
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.slack.adapter import SlackAdapter
from adapters.slack.fake import SignedClient, slash
from bench.faults import ROOT, _Slack, postgres_database, seed
from bot.storage.tables import outbox

LIMITS = SlackAdapter.limits
READY_WITHIN = 30.0
SIGNING_SECRET = "bench-secret"
COMMAND_EVERY = 0.1  # seconds between two slash commands (10 a second, round-robin)
MEMBERS = 7  # members taking turns at the commands: each one's answers reach every replica
# With a kill or stop, each member's first answer gets a 429 with this Retry-After
# (Slack's response_url allowance is small). A member's answers keep their order in one
# lane, owned by one replica at a time, so the lanes held pause every answer behind
# them: the replica stopped still holds answers it (or another) acknowledged, and the
# others must take them over, by the reply handles on their rows.
HOLD = 30.0


@dataclass
class Commands:
    """Signed slash commands spread round-robin across the replicas, as a load balancer
    would: a replica that refuses the connection (stopped) is skipped for the next."""

    sent: int = 0
    acknowledged: int = 0  # HTTP 200 within Slack's 3 seconds
    failed_over: int = 0  # refused by a stopped replica, then acknowledged by the next
    cut: int = 0  # the replica died mid-request: Slack saw no acknowledgement
    answered_once: int = 0  # acknowledged and answered exactly once
    doubled: int = 0  # any command answered more than once
    unanswered: int = 0  # acknowledged, never answered
    cut_answered: int = 0  # cut mid-request yet answered (kept before the kill)
    # Answers leased to the replica killed or stopped (their rows, with the reply
    # handles), when it was; of those, the ones answered after it had exited (by the
    # others), and the seconds from the kill (or SIGTERM) to the last of them.
    held_by_stopped: int = 0
    taken_over: int = 0
    taken_over_after: float | None = None
    slowest_ack: float = 0.0  # seconds
    fallbacks: int = 0  # chat.postEphemeral calls (an answer not sent by response_url)

    def line(self) -> str:
        taken = (
            ""
            if self.taken_over_after is None
            else f" held_by_stopped={self.held_by_stopped} taken_over={self.taken_over} "
            f"last_taken_over_after={self.taken_over_after:.1f}s"
        )
        return (
            f" commands={self.sent} acked={self.acknowledged} failed_over={self.failed_over} "
            f"cut={self.cut} answered_once={self.answered_once} doubled={self.doubled} "
            f"unanswered={self.unanswered} cut_answered={self.cut_answered} "
            f"slowest_ack={self.slowest_ack:.2f}s{taken}"
        )


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
    commands: Commands | None = None
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
            + (self.commands.line() if self.commands is not None else "")
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


async def start_replica(env: dict[str, str], log: Path, port: int) -> asyncio.subprocess.Process:
    """One `homeroom run` in Slack's HTTP mode on `port`, logging to `log`."""
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
    commands: int = 0,
    within: float = 600.0,
) -> Result:
    """Seed `posts` channels' prompts due now, start `replicas` replicas, SIGKILL the
    busiest once the fake has seen `kill_after` posts (if given; SIGTERM if `stop`:
    a clean stop, which releases its leases), and wait until every channel
    has its prompt (or `within` seconds pass); then stop the others with SIGTERM.

    With `commands`, that many signed `/homeroom help` commands go round-robin to the
    replicas' Slack ports once all are ready (one every COMMAND_EVERY seconds), and
    the run also waits until every acknowledged one has its answer (see `Commands`)."""
    fake = _Slack()
    await fake.start()
    times: list[float] = []
    started = time.perf_counter()
    processes: list[asyncio.subprocess.Process] = []
    ports = [free_port() for _ in range(replicas)]
    killed: int | None = None
    killed_at = 0.0
    victim: int | None = None  # index of the replica killed or stopped
    gone_at = 0.0  # when it had exited
    orphaned = 0
    orphaned_answers: set[int] = set()  # commands whose answer rows it held
    everyone = asyncio.Event()
    expected = [fake.channel(n) for n in range(posts)]
    prompted = set(expected)
    acked_by: dict[int, int] = {}  # command -> the replica that acknowledged it
    cut: set[int] = set()
    held: set[int] = set()  # commands whose first answer gets a 429 (see HOLD)
    tally = Commands()

    async def seen(method: str) -> None:
        nonlocal killed, killed_at
        if method != "chat.postMessage":
            return
        times.append(time.perf_counter())
        if kill_after is not None and killed is None and len(times) >= kill_after:
            killed, killed_at = len(times), time.perf_counter()
            await kill_busiest()
        # this one's answer is on its way
        if sum(1 for c in fake.fake.messages if c in prompted) + 1 >= posts:
            everyone.set()

    async def kill_busiest() -> None:
        """SIGKILL the replica holding the most rows to send (its pid is in its leases)."""
        nonlocal orphaned, victim, orphaned_answers
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                owner, held_rows = (
                    await conn.execute(
                        select(outbox.c.lease_owner, func.count())
                        .where((outbox.c.status == "pending") & outbox.c.lease_owner.is_not(None))
                        .group_by(outbox.c.lease_owner)
                        .order_by(func.count().desc())
                        .limit(1)
                    )
                ).one()
                handles = await conn.execute(
                    select(outbox.c.reply_handle).where(
                        (outbox.c.status == "pending")
                        & (outbox.c.lease_owner == owner)
                        & outbox.c.reply_handle.is_not(None)
                    )
                )
                orphaned_answers = {int(h.rsplit("/cmd", 1)[1]) for (h,) in handles if "/cmd" in h}
        finally:
            await engine.dispose()
        pid = int(str(owner).split(":")[1])
        victim = next(n for n, p in enumerate(processes) if p.pid == pid)
        with contextlib.suppress(ProcessLookupError):
            processes[victim].terminate() if stop else processes[victim].kill()
        asyncio.get_running_loop().create_task(note_gone(processes[victim]))
        orphaned = int(held_rows)

    async def note_gone(process: asyncio.subprocess.Process) -> None:
        nonlocal gone_at
        await process.wait()
        gone_at = time.perf_counter()

    async def command(n: int) -> None:
        """Command `n` to replica n % replicas, or the next one that takes the connection."""
        member = f"U0FAM{n % MEMBERS:03d}"
        payload = slash("help", user=member, respond_to=fake.fake.url)
        payload["response_url"] = f"{fake.fake.url}/respond/cmd{n}"
        if kill_after is not None and n < MEMBERS:
            held.add(n)
            fake.fake.fail_next(f"response_url:cmd{n}", 429, {}, {"Retry-After": f"{HOLD:.0f}"})
        for step in range(replicas):
            to = (n + step) % replicas
            client = SignedClient(f"http://127.0.0.1:{ports[to]}/slack/events", SIGNING_SECRET)
            sent_at = time.perf_counter()
            try:
                status, _ = await client.command(payload)
            except aiohttp.ClientConnectorError:
                continue  # refused: a stopped replica; the load balancer tries the next
            except (aiohttp.ClientError, OSError):
                cut.add(n)  # it died while holding the request: Slack saw no ack
                return
            if status == 200:
                acked_by[n] = to
                tally.failed_over += step > 0
                tally.slowest_ack = max(tally.slowest_ack, time.perf_counter() - sent_at)
            return

    async def spread_commands() -> None:
        for port in ports:
            await ready(port)
        sending = []
        for n in range(commands):
            sending.append(asyncio.get_running_loop().create_task(command(n)))
            tally.sent += 1
            await asyncio.sleep(COMMAND_EVERY)  # the pace members type at, in real time
        await asyncio.gather(*sending)

    def answers() -> dict[int, list[float]]:
        """The times each command's response URL took an answer (429s left out)."""
        got: dict[int, list[float]] = {}
        for call in fake.fake.calls:
            if call.method == "response_url" and str(call.params["handle"]).startswith("cmd"):
                got.setdefault(int(call.params["handle"][3:]), []).append(call.at)
        for n in held:
            if not fake.fake.failures.get(f"response_url:cmd{n}") and got.get(n):
                got[n].pop(0)  # its first call was the 429
        return {n: at for n, at in got.items() if at}

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=url,
        LOG_LEVEL="INFO",
        CONSOLE="off",
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_MODE="http",
        SLACK_API_URL=fake.fake.url + "/api/",
    )
    for m in range(MEMBERS):
        fake.fake.add_user(f"U0FAM{m:03d}", name=f"family{m}")
    spreading: asyncio.Task[None] | None = None
    try:
        await seed(url, fake, posts)
        fake.fake.before_answer = seen
        started = time.perf_counter()
        for n in range(replicas):
            processes.append(await start_replica(env, folder / f"replica-{n}.log", ports[n]))
        if commands:
            spreading = asyncio.get_running_loop().create_task(spread_commands())
        deadline = time.perf_counter() + within
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(everyone.wait(), within)
        if spreading is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(spreading, max(1.0, deadline - time.perf_counter()))
            with contextlib.suppress(TimeoutError):
                await fake.fake.wait_until(
                    lambda: set(acked_by) <= set(answers()),
                    max(1.0, deadline - time.perf_counter()),
                )
        await asyncio.sleep(1.0)  # the last answers land, and any late duplicate with them
        seconds = (times[-1] - started) if times else 0.0
    finally:
        if spreading is not None and not spreading.done():
            spreading.cancel()
        for process in processes:
            if process.returncode is None:
                process.terminate()
        for process in processes:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), READY_WITHIN)
        await fake.stop()
    counts = fake.per_channel()
    result = Result(
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
    if commands:
        result.commands = count_answers(
            tally, answers(), acked_by, cut, orphaned_answers, killed_at, gone_at
        )
        result.commands.fallbacks = sum(c.method == "chat.postEphemeral" for c in fake.fake.calls)
    return result


async def ready(port: int) -> None:
    """Until the replica on `port` says it is ready (/readyz, on Slack's port): a load
    balancer sends nothing to a replica before that."""
    async with aiohttp.ClientSession() as session:
        for _ in range(int(READY_WITHIN / 0.1)):
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(f"http://127.0.0.1:{port}/readyz") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.1)  # a real process starting
    raise RuntimeError(f"the replica on port {port} was not ready within {READY_WITHIN:.0f} s")


def count_answers(
    tally: Commands,
    answers: dict[int, list[float]],
    acked_by: dict[int, int],
    cut: set[int],
    orphaned: set[int],
    stopped_at: float,
    gone_at: float,
) -> Commands:
    """Each command's answers, against what the load balancer saw."""
    per = Counter({n: len(at) for n, at in answers.items()})
    tally.acknowledged = len(acked_by)
    tally.cut = len(cut)
    tally.answered_once = sum(1 for n in acked_by if per[n] == 1)
    tally.unanswered = sum(1 for n in acked_by if per[n] == 0)
    tally.doubled = sum(1 for n in per if per[n] > 1)
    tally.cut_answered = sum(1 for n in cut if per[n] > 0)
    if gone_at:
        tally.held_by_stopped = len(orphaned)
        later = [answers[n][-1] for n in orphaned if per[n] and answers[n][-1] > gone_at]
        tally.taken_over = len(later)
        tally.taken_over_after = max((at - stopped_at for at in later), default=0.0)
    return tally


async def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench.replicas", description=__doc__)
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--kill", action="store_true", help="SIGKILL one replica mid fan-out")
    parser.add_argument("--stop", action="store_true", help="SIGTERM one replica mid fan-out")
    parser.add_argument(
        "--commands", type=int, default=0, help="signed slash commands, round-robin, 10 a second"
    )
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
                    commands=args.commands,
                )
                print(result.line(), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
