"""One poll, 1,000 members voting within 10 seconds on Slack, 200 of them changing
their vote.

Two processes, as in production: this driver runs the local fake Slack API and presses
the card's buttons with signed block_actions requests at a fixed rate (open loop), while
the bot, in its own process, serves them in HTTP mode. Prints:

- votes counted exactly once: each member's ballots in the database against the
  option they pressed last (expected against got);
- ack latency (the HTTP 200 Slack waits for, 3 s at most): p50, p99, max;
- private confirmations delivered (one per press, to its response_url), and how long
  after the press they arrived;
- the card's edits (chat.update) as the fake saw them: how many, the most in any one
  second and in any minute, against the limits the adapter declares (one edit a
  second per message, 50 a minute per workspace), and whether the last edit shows the
  final counts.

Run: .venv/bin/python -m bench.polls [--seconds 10]
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import re
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from adapters.slack.fake import FakeSlack, SignedClient, block_action, slash
from bench.slack_bot import (
    bot_process,
    handle_of,
    interaction,
    percentiles,
    post_signed,
    ready,
    serve_slack,
    session,
)

VOTERS = 1000
CHANGERS = 200  # every fifth voter presses another option later
SECONDS = 10.0
OPTIONS = ("Mon", "Tue", "Wed", "Thu")
CHANGE_AFTER = 1.0  # seconds between a changer's first press and their second
ORGANIZER = "UORGANIZER"
CHANNEL = "C0PARENTS"


async def serve(port: int, api_url: str, database: str) -> None:
    """The bot's process: Homeroom + the Slack adapter in HTTP mode."""
    await serve_slack(port, api_url, database)
    ready()
    if os.environ.get("BENCH_PROFILE"):  # where the bot's time goes: cProfile to a file
        import cProfile
        import signal

        profile = cProfile.Profile()
        profile.enable()
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        profile.disable()
        profile.dump_stats(os.environ["BENCH_PROFILE"])
        return
    await asyncio.Event().wait()


def plan() -> list[tuple[float, str, int, int | None]]:
    """(when, voter, option, then) for every voter: a press within the 10 s, and for
    every fifth a second press for `then`, a second later, once their first vote's
    confirmation is in (as a person changes their mind after seeing it)."""
    presses: list[tuple[float, str, int, int | None]] = []
    spacing = (SECONDS - CHANGE_AFTER) / VOTERS
    for n in range(VOTERS):
        changes = n % (VOTERS // CHANGERS) == 0
        then = (n + 1) % len(OPTIONS) if changes else None
        presses.append((n * spacing, f"U{n:04}", n % len(OPTIONS), then))
    return presses


def expected(presses: list[tuple[float, str, int, int | None]]) -> Counter[int]:
    return Counter(option if then is None else then for _, _, option, then in presses)


async def drive() -> None:
    fake = FakeSlack()
    fake.add_user(ORGANIZER, name="organizer", admin=True)
    for n in range(VOTERS):
        fake.add_user(f"U{n:04}", name=f"parent{n}")
    await fake.start()
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.db"
        with (Path(folder) / "bot.log").open("w") as log:
            async with bot_process("bench.polls", fake, database, log) as (pid, client):
                report = await _vote(fake, client, database, pid)
        logged = Counter(
            line.split()[0] for line in (Path(folder) / "bot.log").read_text().splitlines() if line
        )
    await fake.stop()
    print(report)
    print("  the bot's log lines, by event:", dict(logged.most_common(8)) or "none")


async def _vote(fake: FakeSlack, client: SignedClient, database: Path, bot_pid: int) -> str:
    import psutil  # dev dependency, as in bench/startup.py

    bot = psutil.Process(bot_pid)
    options = "; ".join(OPTIONS)
    create = slash(
        f'poll create When shall we meet? options="{options}" results=live',
        user=ORGANIZER,
        respond_to=fake.url,
    )
    await client.command(create)
    [card] = await fake.wait_for(1, "chat.postMessage", within=30)
    await fake.wait_for(1, "response_url", within=30)  # "Poll #1 is posted": not a vote's
    ts = card.params["ts"] if "ts" in card.params else _ts_of(fake)
    buttons = _buttons(card.params["blocks"])
    presses = plan()
    cpu_before = sum(bot.cpu_times()[:2])
    acks: list[float] = []
    statuses: list[int] = []
    pressed_at: dict[str, float] = {}
    replies_before = len([c for c in fake.calls if c.method == "response_url"])
    async with session() as http:

        async def press(voter: str, option: int) -> str:
            action_id, value = buttons[option]
            payload = block_action(action_id, value, user=voter, respond_to=fake.url)
            payload["container"]["message_ts"] = ts
            payload["container"]["is_ephemeral"] = False
            handle = handle_of(payload["response_url"])
            pressed_at[handle] = time.perf_counter()
            took, status = await post_signed(http, client, interaction(payload))
            acks.append(took)
            statuses.append(status)
            return handle

        async def vote(voter: str, option: int, then: int | None) -> None:
            handle = await press(voter, option)
            if then is None:
                return
            started = time.perf_counter()
            await fake.wait_for_reply(handle, within=120)
            await asyncio.sleep(max(0.0, started + CHANGE_AFTER - time.perf_counter()))
            await press(voter, then)

        begin = time.perf_counter()
        tasks = []
        for at, voter, option, then in presses:
            delay = begin + at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(vote(voter, option, then)))
        await asyncio.gather(*tasks)
        pressing = time.perf_counter() - begin
    count = VOTERS + CHANGERS
    with contextlib.suppress(TimeoutError):  # reported below: fewer than presses
        await fake.wait_for(replies_before + count, "response_url", within=120)
    replies = [c for c in fake.calls if c.method == "response_url"]
    said = Counter(str(c.params.get("text", ""))[:40] for c in replies[replies_before:])
    print("answers, by their first words:", dict(said.most_common(6)), flush=True)
    confirmations = [c for c in replies[replies_before:] if c.params["handle"] in pressed_at]
    confirmed = sorted(c.at - pressed_at[c.params["handle"]] for c in confirmations)
    want = expected(presses)
    final_text = _final_card_text(want)
    edits = await _edits_until(fake, final_text, within=60)
    counted = _ballots(database)
    cpu = sum(bot.cpu_times()[:2]) - cpu_before
    load = os.getloadavg()[0]
    lines = [
        f"{VOTERS} members voted on one poll in {pressing:.1f} s ({count} presses, "
        f"{CHANGERS} changed their vote), Slack adapter against the local fake:",
        *_counted_lines(counted, presses),
        percentiles("ack (HTTP 200)", acks) + " (Slack allows 3,000 ms)",
        f"  non-200 answers: {sum(1 for s in statuses if s != 200)}",
        f"  confirmations delivered: {len(confirmations)} of {count}",
        percentiles("confirmation after the press", confirmed),
    ]
    lines += _edit_lines(edits, final_text)
    lines.append(
        f"  the bot's CPU time: {cpu:.1f} s in all, {cpu / count * 1000:.1f} ms a vote "
        f"(machine load average {load:.1f} on {os.cpu_count()} cores)"
    )
    return "\n".join(lines)


def _ts_of(fake: FakeSlack) -> str:
    return str(next(m["ts"] for ms in fake.messages.values() for m in ms))


def _buttons(blocks: Any) -> list[tuple[str, str]]:
    """The card's vote buttons, in option order: (Slack action_id, value)."""
    shown = json.loads(blocks) if isinstance(blocks, str) else blocks
    found = [
        (e["action_id"], e["value"])
        for b in shown
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "button" and e["action_id"].startswith("polls.vote")
    ]
    assert len(found) == len(OPTIONS), found
    return found


def _final_card_text(want: Counter[int]) -> list[int]:
    """What the last edit must show: each option's final count, in option order."""
    return [want[o] for o in range(len(OPTIONS))]


async def _edits_until(fake: FakeSlack, final: list[int], within: float) -> list[Any]:
    """The card's chat.update calls, once the newest shows the final counts (or the
    wait runs out): a burst's last edit goes at most a second after the last vote."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        edits = [c for c in fake.calls if c.method == "chat.update"]
        if edits and _shows(edits[-1], final):
            await asyncio.sleep(2.0)  # any edit still coming would be one too many
            return [c for c in fake.calls if c.method == "chat.update"]
        await asyncio.sleep(0.05)  # waiting on the other process, not on a clock
    return [c for c in fake.calls if c.method == "chat.update"]


def _shows(edit: Any, final: list[int]) -> bool:
    """Whether an edit's card shows these counts ("███░░ 250 · 25%" per option)."""
    blocks = edit.params.get("blocks")
    text = _all_text(json.loads(blocks) if isinstance(blocks, str) else blocks)
    return [int(n) for n in re.findall(r"[█░]+ (\d+) ·", text)] == final


def _all_text(value: Any) -> str:
    if isinstance(value, dict):
        return "\n".join(_all_text(v) for v in value.values())
    if isinstance(value, list):
        return "\n".join(_all_text(v) for v in value)
    return value if isinstance(value, str) else ""


def _edit_lines(edits: list[Any], final: list[int]) -> list[str]:
    if not edits:
        return ["  card edits: none seen"]
    times = [c.at for c in edits]
    span = times[-1] - times[0]
    most_in_second = max(sum(1 for u in times[i:] if u < t + 1.0) for i, t in enumerate(times))
    most_in_minute = max(sum(1 for u in times[i:] if u < t + 60.0) for i, t in enumerate(times))
    gaps = [b - a for a, b in itertools.pairwise(times)]
    return [
        f"  card edits seen by the fake: {len(edits)} over {span:.1f} s "
        f"({len(edits) / span if span else 0:.2f}/s), for {VOTERS + CHANGERS} votes",
        f"    most in any 1 s: {most_in_second} (one message: 1/s declared); "
        f"most in any 60 s: {most_in_minute} (Slack tier 3: 50/min, bursts of 10 declared)",
        f"    shortest gap between two edits: {min(gaps) * 1000:.0f} ms"
        if gaps
        else "    one edit only",
        f"    last edit shows the final counts: {'yes' if _shows(edits[-1], final) else 'NO'}",
    ]


def _ballots(database: Path) -> dict[str, list[int]]:
    """Each voter's choices, as the database holds them."""
    with sqlite3.connect(database) as conn:
        rows = conn.execute("SELECT voter, choice FROM poll_ballots ORDER BY voter, choice")
        found: dict[str, list[int]] = {}
        for voter, choice in rows:
            found.setdefault(str(voter), []).append(int(choice))
    return found


def _counted_lines(
    ballots: dict[str, list[int]], presses: list[tuple[float, str, int, int | None]]
) -> list[str]:
    """Each member counted exactly once, for the option they chose last."""
    want = {voter: [option if then is None else then] for _, voter, option, then in presses}
    per_option = Counter(c for choices in ballots.values() for c in choices)
    wanted = expected(presses)
    wrong = sum(1 for voter, choices in want.items() if ballots.get(voter) != choices)
    exact = not wrong and len(ballots) == len(want)
    return [
        f"  counted: {sum(per_option.values())} ballots from {len(ballots)} members "
        f"(expected {len(want)} from {len(want)}); per option "
        + ", ".join(f"{OPTIONS[o]} {per_option[o]}/{wanted[o]}" for o in range(len(OPTIONS))),
        f"    members counted more than once: {sum(1 for c in ballots.values() if len(c) > 1)}, "
        f"not counted: {sum(1 for v in want if v not in ballots)}, for another option than "
        f"their last: {wrong} — {'exact' if exact else 'MISMATCH'}",
    ]


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        asyncio.run(serve(int(sys.argv[2]), sys.argv[3], sys.argv[4]))
    else:
        if len(sys.argv) > 2 and sys.argv[1] == "--seconds":  # the same votes, spread out
            SECONDS = float(sys.argv[2])
        asyncio.run(drive())
