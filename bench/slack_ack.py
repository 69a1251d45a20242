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
import sys
import tempfile
import time
from pathlib import Path

from adapters.slack.fake import FakeSlack, slash
from bench.slack_bot import (
    bot_process,
    handle_of,
    percentiles,
    post_signed,
    ready,
    serve_slack,
    session,
)

RATE = 200  # requests a second
SECONDS = 10
FANOUT_CHANNELS, FANOUT_PER_CHANNEL = 100, 10


async def serve(port: int, api_url: str, database: str) -> None:
    """The bot's process: Homeroom + the Slack adapter, with a fan-out under way."""
    from bot.intents import Message, Post
    from bot.refs import ConversationRef

    app = await serve_slack(port, api_url, database)
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
    ready()
    await asyncio.Event().wait()


async def drive() -> None:
    fake = FakeSlack()
    for n in range(50):
        fake.add_user(f"U{n:04}", name=f"parent{n}")
    await fake.start()
    with tempfile.TemporaryDirectory() as folder:
        async with bot_process("bench.slack_ack", fake, Path(folder) / "bench.db") as (_, client):
            latencies: list[float] = []
            statuses: list[int] = []
            sent_at: dict[str, float] = {}
            async with session() as http:

                async def one(n: int) -> None:
                    payload = slash("help", user=f"U{n % 50:04}", respond_to=fake.url)
                    sent_at[handle_of(payload["response_url"])] = time.perf_counter()
                    took, status = await post_signed(http, client, payload)
                    latencies.append(took)
                    statuses.append(status)

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
    await fake.stop()
    answered = sorted(c.at - sent_at[c.params["handle"]] for c in replies)
    print(f"{len(latencies)} signed slash commands at {RATE}/s over {elapsed:.1f} s,")
    print("while the outbox delivered a fan-out:")
    print(percentiles("ack (HTTP 200)", latencies) + " (Slack allows 3,000 ms)")
    print(percentiles("private answer delivered", answered))
    print(f"  non-200 answers: {sum(1 for s in statuses if s != 200)}")
    print(f"  fan-out posts delivered meanwhile: {fanout} (paced at 20/s overall, 1/s per channel)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        asyncio.run(serve(int(sys.argv[2]), sys.argv[3], sys.argv[4]))
    else:
        asyncio.run(drive())
