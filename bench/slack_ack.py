"""Slack acknowledgement latency under load.

Two processes, as in production where Slack is elsewhere: this driver runs the local
fake Slack API and sends signed slash commands at a fixed rate (open loop: a slow answer
does not slow the sending), while the bot, in its own process, serves them in HTTP mode
and its outbox delivers a fan-out of 1,000 posts to 100 channels under Slack's limits.
Prints the time from sending a request to its HTTP 200 (the ack), and to the private
answer arriving at its response_url: p50, p99, max.
Run: .venv/bin/python -m bench.slack_ack
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from adapters.slack.fake import FakeSlack, SignedClient, slash

RATE = 200  # requests a second
SECONDS = 10
FANOUT_CHANNELS, FANOUT_PER_CHANNEL = 100, 10
SECRET = "bench-secret"


async def serve(port: int, api_url: str, database: str) -> None:
    """The bot's process: Homeroom + the Slack adapter, with a fan-out under way."""
    from adapters.slack import SlackAdapter
    from bot.app import Homeroom
    from bot.intents import Message, Post
    from bot.refs import ConversationRef
    from bot.testing import test_settings

    settings = test_settings(
        database,
        slack_bot_token="xoxb-bench",
        slack_signing_secret=SECRET,
        slack_mode="http",
        slack_http_port=port,
        slack_api_url=api_url,
    )
    app = Homeroom(settings)
    adapter = SlackAdapter(app, settings)
    app.attach(adapter)
    await app.start()
    await adapter.start()
    app.outbox.submit(
        [
            Post(
                to=ConversationRef("slack", "T0SCHOOL", f"C{c:03}"),
                message=Message(text=f"Prompt {n}"),
            )
            for c in range(FANOUT_CHANNELS)
            for n in range(FANOUT_PER_CHANNEL)
        ]
    )
    print("ready", flush=True)
    await asyncio.Event().wait()


async def drive() -> None:
    fake = FakeSlack()
    for n in range(50):
        fake.add_user(f"U{n:04}", name=f"parent{n}")
    await fake.start()
    port = _free_port()
    with tempfile.TemporaryDirectory() as folder:
        server = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.slack_ack",
            "--serve",
            str(port),
            fake.url + "/api/",
            f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}",
            stdout=asyncio.subprocess.PIPE,
        )
        assert server.stdout is not None
        assert (await server.stdout.readline()).strip() == b"ready"
        client = SignedClient(f"http://127.0.0.1:{port}/slack/events", SECRET)
        latencies: list[float] = []
        statuses: list[int] = []
        sent_at: dict[str, float] = {}
        connector = aiohttp.TCPConnector(limit=400)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def one(n: int) -> None:
                from urllib.parse import urlencode

                payload = slash("help", user=f"U{n % 50:04}", respond_to=fake.url)
                body = urlencode(payload)
                headers = {"Content-Type": "application/x-www-form-urlencoded", **client.sign(body)}
                started = time.perf_counter()
                sent_at[payload["response_url"].rsplit("/", 1)[1]] = started
                async with session.post(client.app_url, data=body, headers=headers) as response:
                    await response.read()
                    latencies.append(time.perf_counter() - started)
                    statuses.append(response.status)

            posts_before = fake.methods().count("chat.postMessage")
            begin = time.perf_counter()
            tasks = []
            for n in range(RATE * SECONDS):
                delay = begin + n / RATE - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(one(n)))
            await asyncio.gather(*tasks)
            elapsed = time.perf_counter() - begin
            replies = await fake.wait_for(len(sent_at), "response_url", within=120)
            fanout = fake.methods().count("chat.postMessage") - posts_before
        server.terminate()
        await server.wait()
    await fake.stop()
    answered = sorted(c.at - sent_at[c.params["handle"]] for c in replies)
    print(f"{len(latencies)} signed slash commands at {RATE}/s over {elapsed:.1f} s,")
    print("while the outbox delivered a fan-out:")
    print(_percentiles("ack (HTTP 200)", latencies) + " (Slack allows 3,000 ms)")
    print(_percentiles("private answer delivered", answered))
    print(f"  non-200 answers: {sum(1 for s in statuses if s != 200)}")
    print(f"  fan-out posts delivered meanwhile: {fanout} (paced at 20/s overall, 1/s per channel)")


def _percentiles(label: str, seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)]
    return (
        f"  {label}: p50 {statistics.median(ordered) * 1000:.1f} ms, "
        f"p99 {p99 * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms"
    )


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        asyncio.run(serve(int(sys.argv[2]), sys.argv[3], sys.argv[4]))
    else:
        asyncio.run(drive())
