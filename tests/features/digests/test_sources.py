"""The prompts feature's api, as digests read it: a group's own prompt by its words and
"Our own prompts", replies oldest first in chunks, and reactions counted per person."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from bot.features.prompts import api
from bot.features.prompts.own import OWN_SERIES
from bot.storage.tables import (
    community_prompts,
    discussion_reactions,
    discussion_replies,
    discussions,
)
from bot.testing import TestBot
from tests.features.digests.helpers import START, material


async def test_an_own_prompts_thread_is_read_in_chunks_with_people_who_reacted(
    bot: TestBot,
) -> None:
    await bot.say("dana", "/help")
    key = (await material(bot)).community_id
    async with bot.app.db.engine.begin() as conn:
        own = (
            await conn.execute(
                insert(community_prompts)
                .values(
                    community_id=key,
                    text="What made you laugh this week?",
                    status="accepted",
                    created_at=START,
                )
                .returning(community_prompts.c.id)
            )
        ).scalar_one()
        discussion = (
            await conn.execute(
                insert(discussions)
                .values(
                    community_id=key,
                    channel="parents",
                    root="m1",
                    series_id=OWN_SERIES,
                    prompt_id=f"own-{own}",
                    posted_at=START,
                )
                .returning(discussions.c.id)
            )
        ).scalar_one()
        await conn.execute(
            insert(discussion_replies),
            [
                {
                    "discussion_id": discussion,
                    "message_id": f"r{n}",
                    "user_id": "lee",
                    "text": f"reply {n}",
                    "at": START + timedelta(minutes=5 - n),  # written newest first
                }
                for n in range(5)
            ],
        )
        await conn.execute(
            insert(discussion_reactions),
            [
                {"discussion_id": discussion, "message_id": "r2", "user_id": who, "emoji": emoji}
                for who, emoji in (("sam", "👍"), ("sam", "❤️"), ("sam", "🎉"), ("maria", "👍"))
            ],
        )
        [found] = await api.discussions_in(conn, key, "parents", "es", latest=True)
        chunks = [chunk async for chunk in api.replies(conn, discussion, chunk=2)]
    assert (found.prompt, found.series) == (
        "What made you laugh this week?",
        "Nuestros propios temas",
    )
    assert [[r.message_id for r in chunk] for chunk in chunks] == [
        ["r4", "r3"],
        ["r2", "r1"],
        ["r0"],
    ]
    assert {r.message_id: r.reactions for chunk in chunks for r in chunk} == {
        "r0": 0,
        "r1": 0,
        "r2": 2,  # two people, however many emoji
        "r3": 0,
        "r4": 0,
    }
