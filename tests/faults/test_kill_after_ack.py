"""`homeroom run` killed (SIGKILL) right after each Slack ack: nothing acknowledged is
lost, nothing is done twice. Slack does not retry an acknowledged slash command, so
before the inbox 9 of 10 `prompt suggest` commands were lost this way."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from adapters.slack.fake import FakeSlack, SignedClient, slash
from tests.adapters.slack.conftest import SECRET, free_port
from tests.processes import homeroom_running

MEMBERS = [f"U0PARENT{n}" for n in range(10)]


def idea(n: int) -> str:
    return f"What is one thing your child taught you this week? (idea {n})"


async def test_every_acknowledged_command_survives_a_kill_right_after_its_ack(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    for member in MEMBERS:
        fake_slack.add_user(member, name=member.lower())
    settings = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_MODE": "http",
        "SLACK_API_URL": fake_slack.url + "/api/",
    }
    handles: dict[str, str] = {}  # response URL handle -> the member it answers
    for n, member in enumerate(MEMBERS):
        # The member lookup after the ack is slow, so the kill lands between the ack and
        # the answer every time, not only most times.
        fake_slack.held_lookups = {member}
        port = free_port()
        async with homeroom_running(tmp_path, SLACK_HTTP_PORT=str(port), **settings) as process:
            if n > 0:  # the restarted process answers the command its predecessor lost
                await fake_slack.wait_for(n, "response_url", within=20)
            client = SignedClient(f"http://127.0.0.1:{port}/slack/events", SECRET)
            command = slash(f"prompt suggest {idea(n)}", user=member, respond_to=fake_slack.url)
            handles[command["response_url"].rsplit("/", 1)[1]] = member
            assert (await client.command(command))[0] == 200
            process.kill()  # SIGKILL: no clean stop, nothing flushed on the way out
            await process.wait()
    await fake_slack.release(MEMBERS[-1])
    port = free_port()
    async with homeroom_running(tmp_path, SLACK_HTTP_PORT=str(port), **settings):
        await fake_slack.wait_for(len(MEMBERS), "response_url", within=20)
    # After a clean stop: what Slack received, and what the database holds.
    answered = [
        handles[c.params["handle"]] if c.method == "response_url" else c.params["user"]
        for c in fake_slack.calls
        if c.method in ("response_url", "chat.postEphemeral")
    ]
    assert sorted(answered) == MEMBERS  # each member exactly one answer
    with sqlite3.connect(tmp_path / "homeroom.db") as db:
        stored = sorted(text for (text,) in db.execute("SELECT text FROM community_prompts"))
        kept = db.execute("SELECT handled_at IS NOT NULL, payload FROM processed_events").fetchall()
        outbox = db.execute("SELECT status FROM outbox").fetchall()
    assert stored == sorted(idea(n) for n in range(len(MEMBERS)))  # each exactly once
    assert kept == [(1, None)] * len(MEMBERS)  # all handled, no payload left
    assert outbox == [("sent",)] * len(MEMBERS)  # no second answer waiting either
