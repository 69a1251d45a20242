"""`homeroom run` as a process with DISCORD_TOKEN and DISCORD_API_URL set, on the fake."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from adapters.discord.fake import LIAISONS, PARENTS, FakeDiscord, slash_command
from tests.adapters.discord.conftest import DANA, LEE, SAM
from tests.processes import homeroom_running


@pytest_asyncio.fixture
async def running(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[FakeDiscord]:
    settings = {
        "DISCORD_TOKEN": "test-token",
        "DISCORD_API_URL": fake_discord.api_url,
        "DISCORD_GATEWAY_URL": fake_discord.gateway_url,
    }
    async with homeroom_running(tmp_path, **settings):
        await fake_discord.wait_until_identified()
        yield fake_discord


def option(name: str, value: object, kind: int = 3) -> dict[str, object]:
    return {"name": name, "type": kind, "value": value}


def sub(name: str, *options: dict[str, object]) -> dict[str, object]:
    return {"name": name, "type": 1, "options": list(options)}


async def test_homeroom_run_answers_help_setup_and_role_as_interactions(
    running: FakeDiscord,
) -> None:
    fake = running
    await fake.wait_for(1, "PUT /applications/")  # the command tree, registered once
    await fake.dispatch("INTERACTION_CREATE", slash_command("help", user_id=LEE))
    await fake.wait_for(1, "POST /interactions/")
    setup = slash_command("setup", [option("queue", LIAISONS, 7)], user_id=DANA, admin=True)
    await fake.dispatch("INTERACTION_CREATE", setup)
    await fake.wait_for(2, "POST /interactions/")
    grant = {
        "name": "grant",
        "type": 1,
        "options": [option("member", SAM, 6), option("role", "liaison")],
    }
    await fake.dispatch(
        "INTERACTION_CREATE", slash_command("role", [grant], user_id=DANA, admin=True)
    )
    await fake.wait_for(8)
    calls = sorted(f"{c.method} {'/'.join(c.path.split('/')[:2])}" for c in fake.calls)
    assert calls == [
        "GET /guilds",  # is Sam a member of the server? (a role is never granted to no one)
        "POST /channels",  # the queue channel's welcome
        "POST /channels",  # the new liaison's welcome, in their DM
        "POST /interactions",  # help, to Lee only
        "POST /interactions",  # setup's summary, to Dana only
        "POST /interactions",  # "Done: ... is now a liaison", to Dana only
        "POST /users",  # opening that DM
        "PUT /applications",  # registering the commands
    ]
    assert all(
        c.body["data"]["flags"] == 64 for c in fake.calls if c.path.startswith("/interactions")
    )


async def test_homeroom_run_posts_a_weekly_prompt_then_opens_its_thread_and_pins_it(
    running: FakeDiscord,
) -> None:
    """Through the real process: one message POST, one thread opened from it (a channel
    of type 11 with the message's ID), one pin; nothing posted again."""
    fake = running
    await fake.wait_for(1, "PUT /applications/")
    schedule = sub(
        "schedule",
        option("series", "starting-the-year"),
        option("channel", PARENTS, 7),
        option("weekday", "monday"),
        option("time", "19:00"),
    )
    await fake.dispatch(
        "INTERACTION_CREATE", slash_command("prompt", [schedule], user_id=DANA, admin=True)
    )
    await fake.wait_for(1, "POST /interactions/")
    post_now = sub("post-now", option("id", 1, 4))
    await fake.dispatch(
        "INTERACTION_CREATE", slash_command("prompt", [post_now], user_id=DANA, admin=True)
    )
    await fake.wait_for(1, f"PUT /channels/{PARENTS}/messages/pins/")
    posts = [c for c in fake.calls if c.method == "POST" and c.path.startswith("/channels/")]
    [prompt] = [c for c in posts if c.path == f"/channels/{PARENTS}/messages"]
    threads = [c for c in posts if c.path.endswith("/threads")]
    pins = [c for c in fake.calls if "/pins/" in c.path]
    assert (len(posts) - len(threads), len(threads), len(pins)) == (1, 1, 1)
    [message_id] = fake.threads
    assert threads[0].path == f"/channels/{PARENTS}/messages/{message_id}/threads"
    assert threads[0].body["name"] == prompt.body["embeds"][0]["title"]
    assert pins[0].path == f"/channels/{PARENTS}/messages/pins/{message_id}"
