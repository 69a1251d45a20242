"""Kill `homeroom run` with SIGKILL during a fan-out, again and again, and count what the
platform received: every channel must get its prompt exactly once.

Each scenario seeds a database with one weekly prompt schedule per channel, all due now,
then starts the real `homeroom run` against a local fake of Slack or Discord (the fake
lives in this process, so it outlives every Homeroom it serves) and kills it, `kills`
times, at moments drawn from a seeded random generator:

- request: while the fake holds the k-th message of this run, which it has already
  made: the platform has it, Homeroom never hears back (the in-flight case);
- after: a few milliseconds after the k-th message was answered, before or while
  Homeroom records it;
- start: at a random moment of the start (migrations, resuming the outbox, claiming).

Then one last run is left to finish (until no outbox row waits), stopped with SIGTERM,
and the fake's messages are counted per channel: lost (none) and doubled (one too many).

Run: .venv/bin/python -m bench.faults [repetitions] [--kills N] [--channels N]
prints one line per scenario (and repetition):
scenario=slack-sqlite kills=20 expected=60 delivered=60 lost=0 doubled=0 seconds=16.3 seed=1
(--help lists the rest; FAULTS_KEEP=1 keeps each run's log, FAULTS_TRACE=1 times each kill.)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import time as clock_time
from pathlib import Path
from typing import IO, NamedTuple

from sqlalchemy import func, select, update

from adapters.discord.fake import GUILD_ID, FakeDiscord
from adapters.slack.fake import TEAM, FakeSlack
from bot.app import Homeroom
from bot.refs import ConversationRef, MemberRef
from bot.storage.tables import outbox, postings, schedules, timers
from bot.testing import POSTGRES_URL, postgres_available, test_settings

ROOT = Path(__file__).resolve().parents[1]
READY_WITHIN = 30.0  # seconds for one `homeroom run` to start
FINISH_WITHIN = 120.0  # seconds for the last run to deliver everything


class Outcome(NamedTuple):
    scenario: str
    kills: int
    expected: int
    delivered: int
    lost: int
    doubled: int
    seconds: float

    def line(self) -> str:
        return (
            f"scenario={self.scenario} kills={self.kills} expected={self.expected} "
            f"delivered={self.delivered} lost={self.lost} doubled={self.doubled} "
            f"seconds={self.seconds:.1f}"
        )


class _Fake:
    """One platform fake, as the kill loop needs it: the settings that point Homeroom at
    it, a hook on each message it makes, and the messages per channel."""

    platform: str
    community: str
    message_route: Callable[[str], bool]

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def settings(self) -> dict[str, str]: ...
    def per_channel(self) -> Counter[str]: ...
    def hook(self, on_message: Callable[[], Awaitable[None]] | None) -> None: ...
    def known(self, channels: int) -> None:
        """The channels exist on the platform (Discord tells them at connection)."""

    def channel(self, n: int) -> str: ...


class _Slack(_Fake):
    platform, community = "slack", TEAM

    def __init__(self) -> None:
        self.fake = FakeSlack()

    async def start(self) -> None:
        await self.fake.start()

    async def stop(self) -> None:
        await self.fake.stop()

    def settings(self) -> dict[str, str]:  # Socket Mode: no port to find
        return {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_APP_TOKEN": "xapp-bench",
            "SLACK_API_URL": self.fake.url + "/api/",
        }

    def channel(self, n: int) -> str:
        return f"C0G{n:05d}"

    def per_channel(self) -> Counter[str]:
        return Counter({c: len(m) for c, m in self.fake.messages.items()})

    def hook(self, on_message: Callable[[], Awaitable[None]] | None) -> None:
        async def before(method: str) -> None:
            if method == "chat.postMessage" and on_message is not None:
                await on_message()

        self.fake.before_answer = before


class _Discord(_Fake):
    platform, community = "discord", GUILD_ID

    def __init__(self) -> None:
        self.fake = FakeDiscord()

    async def start(self) -> None:
        await self.fake.start()

    async def stop(self) -> None:
        await self.fake.stop()

    def known(self, channels: int) -> None:
        self.fake.text_channels = [self.channel(n) for n in range(channels)]

    def settings(self) -> dict[str, str]:
        return {
            "DISCORD_TOKEN": "bench-token",
            "DISCORD_API_URL": self.fake.api_url,
            "DISCORD_GATEWAY_URL": self.fake.gateway_url,
        }

    def channel(self, n: int) -> str:
        return str(1_310_000_000_000_000_000 + n)

    def per_channel(self) -> Counter[str]:
        return Counter(str(m["channel_id"]) for m in self.fake.messages)

    def hook(self, on_message: Callable[[], Awaitable[None]] | None) -> None:
        async def before(route: str) -> None:
            posting = route.startswith("POST /channels/") and route.endswith("/messages")
            if posting and on_message is not None:
                await on_message()

        self.fake.before_answer = before


FAKES: dict[str, Callable[[], _Fake]] = {"slack": _Slack, "discord": _Discord}


async def seed(url: str, fake: _Fake, channels: int) -> None:
    """One weekly prompt schedule per channel, every one due now."""
    app = Homeroom(test_settings(url))
    try:
        await app.db.migrate()
        await app.directory.community(
            ConversationRef(fake.platform, fake.community, "x").community_ref
        )
        at = clock_time(19, 0)
        for n in range(channels):
            await app.scheduler.create(
                channel=ConversationRef(fake.platform, fake.community, fake.channel(n)),
                series_id="starting-the-year",
                weekday=0,
                at=at,
                timezone="America/New_York",
                start=app.clock.now().date(),
                end=None,
                skips=frozenset(),
                after_break="shift",
                created_by=MemberRef(fake.platform, fake.community, "organizer"),
            )
        async with app.db.engine.begin() as conn:
            await conn.execute(update(schedules).values(next_due=app.clock.now()))
            await conn.execute(update(timers).values(due_at=app.clock.now()))  # what fires
        await app.directory.flush()
    finally:
        await app.db.close()


class _Runs:
    """`homeroom run` processes, one at a time, each logging to its own file."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder = folder
        self.env = env
        self.count = 0
        self._log: IO[bytes] | None = None

    async def start(self) -> asyncio.subprocess.Process:
        self.count += 1
        if self._log is not None:
            self._log.close()
        self._log = (self.folder / f"run-{self.count:03d}.log").open("wb")
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "adapters.cli",
            "run",
            cwd=self.folder,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
        )

    def close(self) -> None:
        if self._log is not None:
            self._log.close()

    def log(self) -> str:
        return (self.folder / f"run-{self.count:03d}.log").read_text(errors="replace")


def _kill(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, signal.SIGKILL)


async def _one_kill(
    runs: _Runs, fake: _Fake, rng: random.Random, remaining: Callable[[], int]
) -> None:
    """Start a run and SIGKILL it at a moment `rng` chooses."""
    left = remaining()
    mode = rng.choice(["request", "request", "after", "start"]) if left else "start"
    nth = min(rng.randint(1, 4), max(1, left))  # a run resends at least what is left
    delay = rng.uniform(0.0, 0.03) if mode == "after" else rng.uniform(0.1, 1.2)
    process = await runs.start()
    seen = 0
    killed = asyncio.Event()

    async def on_message() -> None:
        nonlocal seen
        seen += 1
        if seen != nth or killed.is_set():
            return
        if mode == "request":  # the fake made the message; Homeroom never hears back
            _kill(process)
            killed.set()
            await process.wait()
        else:
            asyncio.get_running_loop().call_later(delay, _kill, process)
            asyncio.get_running_loop().call_later(delay, killed.set)

    if mode == "start":
        fake.hook(None)
        await asyncio.sleep(delay)  # real time: the process is what we wait for
        _kill(process)
    else:
        fake.hook(on_message)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(killed.wait(), READY_WITHIN)
        _kill(process)  # also when the run had fewer messages left to send than `nth`
    await asyncio.wait_for(process.wait(), READY_WITHIN)
    fake.hook(None)


async def _settled(url: str, channels: int) -> bool:
    """Every occurrence claimed and no outbox row left to deliver."""
    app = Homeroom(test_settings(url))
    try:
        async with app.db.engine.connect() as conn:
            claimed = (await conn.execute(select(func.count()).select_from(postings))).scalar()
            waiting = (
                await conn.execute(
                    select(func.count())
                    .select_from(outbox)
                    .where(outbox.c.status.not_in(("sent", "failed")))
                )
            ).scalar()
    finally:
        await app.db.close()
    return claimed == channels and waiting == 0


async def kill_run(
    platform: str, url: str, folder: Path, *, channels: int, kills: int, seed_: int
) -> Outcome:
    """Seed, kill `kills` runs at random moments, let one finish, count at the fake."""
    started = time.perf_counter()
    fake = FAKES[platform]()
    await fake.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=url,
        LOG_LEVEL="INFO",
        CONSOLE="off",
        **fake.settings(),
    )
    runs = _Runs(folder, env)
    fake.known(channels)
    try:
        await seed(url, fake, channels)
        rng = random.Random(seed_)

        def remaining() -> int:
            return channels - len(fake.per_channel())

        for _ in range(kills):
            at = time.perf_counter()
            await _one_kill(runs, fake, rng, remaining)
            if os.environ.get("FAULTS_TRACE"):
                print(f"kill {runs.count}: {time.perf_counter() - at:.2f} s", file=sys.stderr)
        last = await runs.start()
        deadline = time.monotonic() + FINISH_WITHIN
        while remaining() or not await _settled(url, channels):
            if last.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the last run did not finish:\n{runs.log()[-3000:]}")
            await asyncio.sleep(0.2)  # polling a real process's progress
        last.terminate()
        await asyncio.wait_for(last.wait(), READY_WITHIN)
    finally:
        runs.close()
        await fake.stop()
    counts = fake.per_channel()
    expected = [fake.channel(n) for n in range(channels)]
    return Outcome(
        scenario=f"{platform}-{'sqlite' if url.startswith('sqlite') else 'postgres'}",
        kills=kills,
        expected=channels,
        delivered=sum(counts.values()),
        lost=sum(1 for c in expected if counts[c] == 0),
        doubled=sum(max(0, counts[c] - 1) for c in expected),
        seconds=time.perf_counter() - started,
    )


class Proxy:
    """A TCP proxy to PostgreSQL that can drop every connection and refuse new ones for a
    while: the database, as Homeroom sees it, goes away and comes back."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.down = False
        self._open: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def cut(self) -> None:
        self.down = True
        for writer in list(self._open):
            writer.transport.abort()
        self._open.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(self.host, self.port)
        except OSError:
            writer.transport.abort()
            return
        self._open |= {writer, up_writer}
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        self._open -= {writer, up_writer}


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.transport.abort()


async def outage_run(
    platform: str, url: str, folder: Path, *, channels: int, seconds: float, after: int
) -> str:
    """A fan-out on PostgreSQL through a proxy that drops the database for `seconds` once
    `after` messages were sent; the run is restarted if it stops. Returns the line."""
    started = time.perf_counter()
    fake = FAKES[platform]()
    await fake.start()
    fake.known(channels)
    target = url.rsplit("@", 1)[1].split("/", 1)[0]
    host, _, port = target.partition(":")
    proxy = Proxy(host, int(port or 5432))
    proxied = url.replace(target, f"127.0.0.1:{await proxy.start()}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.update(PYTHONPATH=str(ROOT), DATABASE_URL=proxied, LOG_LEVEL="INFO", CONSOLE="off")
    env.update(fake.settings())
    runs = _Runs(folder, env)
    restarts = 0
    sent = 0
    reached = asyncio.Event()

    async def on_message() -> None:
        nonlocal sent
        sent += 1
        if sent == after:
            reached.set()

    try:
        await seed(url, fake, channels)
        fake.hook(on_message)
        process = await runs.start()
        await asyncio.wait_for(reached.wait(), READY_WITHIN)
        proxy.cut()
        await asyncio.sleep(seconds)  # the outage itself lasts this long, in real time
        proxy.down = False
        deadline = time.monotonic() + FINISH_WITHIN
        while len(fake.per_channel()) < channels or not await _settled(url, channels):
            if process.returncode is not None:  # it gave up during the outage
                restarts += 1
                process = await runs.start()
            if time.monotonic() > deadline:
                raise RuntimeError(f"the run did not finish:\n{runs.log()[-3000:]}")
            await asyncio.sleep(0.2)  # polling a real process's progress
        process.terminate()
        await asyncio.wait_for(process.wait(), READY_WITHIN)
    finally:
        runs.close()
        await proxy.stop()
        await fake.stop()
    counts = fake.per_channel()
    expected = [fake.channel(n) for n in range(channels)]
    lost = sum(1 for c in expected if counts[c] == 0)
    doubled = sum(max(0, counts[c] - 1) for c in expected)
    return (
        f"scenario={platform}-postgres-outage outage_s={seconds:.0f} restarts={restarts} "
        f"expected={channels} delivered={sum(counts.values())} lost={lost} "
        f"doubled={doubled} seconds={time.perf_counter() - started:.1f}"
    )


@contextlib.asynccontextmanager
async def postgres_database() -> AsyncIterator[str | None]:
    """A fresh PostgreSQL database for one scenario (dropped after), or None without one."""
    if await postgres_available() is not None:
        yield None
        return
    import asyncpg

    name = f"homeroom_bench_{secrets.token_hex(4)}"
    admin = POSTGRES_URL.replace("postgresql+asyncpg", "postgresql")
    connection = await asyncpg.connect(admin)
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        connection = await asyncpg.connect(admin)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()


async def _kill_scenario(args: argparse.Namespace, platform: str, database: str, seed_: int) -> str:
    """One kill scenario in a folder of its own (kept, with each run's log, when
    FAULTS_KEEP is set); its line."""
    folder = Path(tempfile.mkdtemp(prefix="homeroom-faults-"))
    try:
        if database == "sqlite":
            url: str | None = f"sqlite+aiosqlite:///{folder / 'homeroom.db'}"
            outcome = await kill_run(
                platform, url, folder, channels=args.channels, kills=args.kills, seed_=seed_
            )
            return outcome.line() + f" seed={seed_}"
        async with postgres_database() as url:
            if url is None:
                return f"scenario={platform}-postgres skipped=no-server"
            outcome = await kill_run(
                platform, url, folder, channels=args.channels, kills=args.kills, seed_=seed_
            )
            return outcome.line() + f" seed={seed_}"
    finally:
        if os.environ.get("FAULTS_KEEP"):
            print(f"logs in {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)


async def _outage_scenario(args: argparse.Namespace, platform: str) -> str:
    with tempfile.TemporaryDirectory(prefix="homeroom-faults-") as folder:
        async with postgres_database() as url:
            if url is None:
                return f"scenario={platform}-postgres-outage skipped=no-server"
            return await outage_run(
                platform,
                url,
                Path(folder),
                channels=args.outage_channels,
                seconds=args.outage,
                after=20,
            )


async def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench.faults", description=__doc__.split("\n")[0])
    parser.add_argument("repetitions", type=int, nargs="?", default=1)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--channels", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1, help="the first repetition's seed")
    parser.add_argument("--platforms", default="slack,discord")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--outage", type=float, default=15.0, help="seconds; 0 skips it")
    parser.add_argument("--outage-channels", type=int, default=300)
    args = parser.parse_args(argv)
    databases = args.databases.split(",")
    if not set(databases) <= {"sqlite", "postgres"}:
        parser.error("--databases takes sqlite, postgres or both")
    for repetition in range(args.repetitions):
        for platform in args.platforms.split(","):
            for database in databases:
                line = await _kill_scenario(args, platform, database, args.seed + repetition)
                print(line, flush=True)
        if args.outage > 0:
            for platform in args.platforms.split(","):
                print(await _outage_scenario(args, platform), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
