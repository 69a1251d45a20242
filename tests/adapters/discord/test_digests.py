"""Digests on Discord, against the local fake gateway and REST API: a long digest
published as several messages of at most 2,000 characters each, in order; the draft and
a parent's refused export answered privately through the interaction."""

from __future__ import annotations

from typing import Any

from adapters.discord.fake import PARENTS, slash_command
from bot.features.digests.material import Topic
from bot.testing import run_until
from tests.adapters.discord.conftest import DANA, LEE, DiscordRig
from tests.features.digests.helpers import answer, seed_draft

CALLBACK = "POST /interactions/"
EPHEMERAL = 64


def sub(name: str, **options: object) -> list[dict[str, Any]]:
    typed = [
        {"name": key, "type": 4 if isinstance(value, int) else 3, "value": value}
        for key, value in options.items()
    ]
    return [{"name": name, "type": 1, "options": typed}]


async def answered(rig: DiscordRig, user: str, name: str, **options: object) -> dict[str, Any]:
    fake = rig.fake
    before = len([c for c in fake.calls if c.path.startswith("/interactions/")])
    command = slash_command("digest", sub(name, **options), user_id=user, admin=user == DANA)
    await fake.dispatch("INTERACTION_CREATE", command)
    answers = await run_until(rig.app, fake.wait_for(before + 1, CALLBACK))
    return answers[before].body  # type: ignore[no-any-return]


def content(body: dict[str, Any]) -> str:
    data = body.get("data", body)
    if data.get("embeds"):
        return str(data["embeds"][0]["description"])
    return str(data["content"])


async def test_a_long_digest_on_discord_is_split_to_its_limit(discord_bot: DiscordRig) -> None:
    fake = discord_bot.fake
    first = await answered(discord_bot, DANA, "show")
    assert content(first) == "No draft digest is waiting. “digest build” makes one."
    many = tuple(
        answer("lee", f"Answer {n}: we read together for twenty minutes after dinner.", n)
        for n in range(1, 61)
    )
    await seed_draft(discord_bot.app, PARENTS, Topic("Q1", "Reading at home?", many))
    draft = await answered(discord_bot, DANA, "show", id=1)
    assert draft["data"]["flags"] == EPHEMERAL
    refused = await answered(discord_bot, LEE, "export")
    assert content(refused) == (
        "Only organizers can do that. If you help run this group, an organizer can give you "
        "the role with “role grant”."
    )
    done = await answered(discord_bot, DANA, "publish", id=1)
    assert content(done) == f"Digest #1 is posted in <#{PARENTS}>."
    posts = await run_until(discord_bot.app, fake.wait_for(4, f"POST /channels/{PARENTS}/messages"))
    texts = [content(p.body) for p in posts]
    assert [len(t) <= 2000 for t in texts] == [True] * len(texts)
    assert len(texts) == 4
    lines = [line for t in texts for line in t.split("\n") if line.startswith("•")]
    assert [line.split(":")[0] for line in lines] == [f"• Answer {n}" for n in range(1, 61)]
    assert [t.split("\n")[0] for t in texts[1:]] == [
        f"**Digest: Homework without tears**, continued ({n}/4)" for n in (2, 3, 4)
    ]
