"""Discord interaction response latency under load.

Two processes: this driver runs the local fake Discord (gateway and REST) and pushes
INTERACTION_CREATE events at a fixed rate (open loop), while the bot, in its own process
on the real discord.py client, answers them and its outbox delivers a fan-out of 1,000
posts to 100 channels under Discord's limits. Prints the time from an interaction
leaving the gateway to its response or deferral arriving at the REST API (Discord
allows 3 s), and how many error responses the bot drew.
Run: .venv/bin/python -m bench.discord_ack
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from adapters.discord.fake import FakeDiscord, slash_command

RATE = 100  # interactions a second
SECONDS = 10
FANOUT_CHANNELS, FANOUT_PER_CHANNEL = 100, 10


async def serve(api_url: str, gateway_url: str, database: str) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(name)s %(message)s")
    from adapters.discord import DiscordAdapter
    from bot.app import Homeroom
    from bot.intents import Message, Post
    from bot.refs import ConversationRef
    from bot.testing import test_settings

    settings = test_settings(
        database, discord_token="bench", discord_api_url=api_url, discord_gateway_url=gateway_url
    )
    app = Homeroom(settings)
    adapter = DiscordAdapter(app, settings)
    app.attach(adapter)
    await app.start()
    await adapter.start()
    await adapter.client.wait_until_ready()
    app.outbox.submit(
        [
            Post(
                to=ConversationRef("discord", "g", str(1_390_000_000_000_000_000 + c)),
                message=Message(text=f"Prompt {n}"),
            )
            for c in range(FANOUT_CHANNELS)
            for n in range(FANOUT_PER_CHANNEL)
        ]
    )
    print("ready", flush=True)
    await asyncio.Event().wait()


async def drive() -> None:
    fake = FakeDiscord()
    await fake.start()
    with tempfile.TemporaryDirectory() as folder:
        server = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.discord_ack",
            "--serve",
            fake.api_url,
            fake.gateway_url,
            f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}",
            stdout=asyncio.subprocess.PIPE,
        )
        assert server.stdout is not None
        assert (await server.stdout.readline()).strip() == b"ready"
        sent: dict[str, float] = {}
        begin = time.perf_counter()
        for n in range(RATE * SECONDS):
            delay = begin + n / RATE - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            payload = slash_command("help", user_id=str(1_000_000_000_000_000_100 + n % 200))
            sent[payload["id"]] = time.perf_counter()
            await fake.dispatch("INTERACTION_CREATE", payload)
        elapsed = time.perf_counter() - begin
        answers = await fake.wait_for(len(sent), "POST /interactions/", within=120)
        posts = [c for c in fake.calls if c.method == "POST" and c.path.startswith("/channels/139")]
        fanout = len(posts)
        unique = len({(c.path, (c.body or {}).get("content")) for c in posts})
        span = (posts[-1].at - posts[0].at) if posts else 0.0
        server.terminate()
        await server.wait()
    await fake.stop()
    latency = sorted(c.at - sent[c.path.split("/")[2]] for c in answers)
    p99 = latency[int(len(latency) * 0.99) - 1]
    print(f"{len(sent)} interactions at {RATE}/s over {elapsed:.1f} s,")
    print("while the outbox delivered a fan-out:")
    print(
        f"  interaction to response: p50 {statistics.median(latency) * 1000:.1f} ms, "
        f"p99 {p99 * 1000:.1f} ms, max {latency[-1] * 1000:.1f} ms (Discord allows 3,000 ms)"
    )
    deferred = sum(1 for c in answers if c.body.get("type") == 5)
    print(f"  answered by the core: {len(answers) - deferred}; deferred at 2.5 s: {deferred}")
    print(f"  fan-out posts delivered meanwhile: {fanout} ({unique} distinct) over {span:.1f} s")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        asyncio.run(serve(sys.argv[2], sys.argv[3], sys.argv[4]))
    else:
        asyncio.run(drive())
