"""Posting a prompt and opening its thread are two steps: a thread that will not open
never posts the prompt again. The real discord.py client against the local fake, which
counts every REST call."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from adapters.discord.fake import GUILD_ID, PARENTS
from bot.commands import parse_time
from bot.intents import Pin
from bot.refs import ConversationRef, MemberRef
from bot.storage.tables import discussions, outbox
from bot.testing import run_until
from tests.adapters.discord.conftest import DANA, DiscordRig


async def post_a_prompt(rig: DiscordRig) -> None:
    app = rig.app
    where = ConversationRef("discord", GUILD_ID, PARENTS)
    await app.directory.community(where.community_ref)
    schedule = await app.scheduler.create(
        channel=where,
        series_id="starting-the-year",
        weekday=0,
        at=parse_time("19:00"),
        timezone="UTC",
        start=app.clock.now().date(),
        end=None,
        skips=frozenset(),
        after_break="shift",
        created_by=MemberRef("discord", GUILD_ID, DANA),
    )
    assert await app.scheduler.post_now(schedule) == 1


def routes(rig: DiscordRig) -> Counter[str]:
    """Each call as "METHOD /channels/<channel>/<what>", message IDs left out."""
    counted: Counter[str] = Counter()
    for call in rig.fake.calls:
        parts = call.path.strip("/").split("/")
        if parts[0] == "channels":
            counted[f"{call.method} {'/'.join(p for p in parts if not p.startswith('14'))}"] += 1
    return counted


async def test_thread_creation_failing_posts_the_prompt_once_and_opens_it_once(
    discord_bot: DiscordRig,
) -> None:
    fake, app = discord_bot.fake, discord_bot.app
    # discord.py retries a 500 itself (after a real second) and hands the outbox the
    # 503s at once; the outbox then retries the thread alone, 1 and 2 s later.
    fake.fail_thread_creation(1, status=500)
    fake.fail_thread_creation(2, status=503)
    await post_a_prompt(discord_bot)
    await run_until(app)
    [message] = [c for c in fake.calls if c.path == f"/channels/{PARENTS}/messages"]
    assert routes(discord_bot) == {
        f"POST channels/{PARENTS}/messages": 1,  # the prompt, exactly once
        f"POST channels/{PARENTS}/messages/threads": 4,  # 3 refused, then opened once
        f"PUT channels/{PARENTS}/messages/pins": 1,
    }
    assert message.body["embeds"][0]["title"].startswith("Starting the year")
    assert len(fake.threads) == 1 and fake.pinned == fake.threads  # the prompt's own ID
    async with app.db.engine.connect() as conn:
        rows = (await conn.execute(select(outbox.c.payload, outbox.c.status))).all()
        roots = (await conn.execute(select(discussions.c.root))).scalars().all()
    assert sorted((p.split('"kind":"')[1].split('"')[0], s) for p, s in rows) == [
        ("open_thread", "sent"),
        ("pin", "sent"),
        ("post", "sent"),
    ]
    assert roots == sorted(fake.threads)  # the discussion hangs from the message's ID


async def test_a_thread_that_exists_already_counts_as_opened(discord_bot: DiscordRig) -> None:
    """An answer lost after Discord opened the thread: the retry hears 160004 and the
    step is done (it is not failed, and the pin still follows)."""
    fake, app = discord_bot.fake, discord_bot.app
    fake.threads.add("1400000000000000001")  # the prompt's ID: its thread is already open
    await post_a_prompt(discord_bot)
    await run_until(app)
    assert routes(discord_bot) == {
        f"POST channels/{PARENTS}/messages": 1,
        f"POST channels/{PARENTS}/messages/threads": 1,  # answered 400, code 160004
        f"PUT channels/{PARENTS}/messages/pins": 1,
    }
    async with app.db.engine.connect() as conn:
        assert set((await conn.execute(select(outbox.c.status))).scalars()) == {"sent"}


async def test_pinning_an_already_pinned_message_counts_as_delivered(
    discord_bot: DiscordRig,
) -> None:
    """A pin retried after its answer was lost is done, not failed."""
    where = ConversationRef("discord", GUILD_ID, PARENTS, message="1400000000000000009")
    for _ in range(2):
        assert await discord_bot.adapter.deliver(Pin(to=where), key="hr1") is None
    assert discord_bot.fake.pinned == {"1400000000000000009"}
    assert routes(discord_bot) == {f"PUT channels/{PARENTS}/messages/pins": 2}
