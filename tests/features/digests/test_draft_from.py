"""`draft_from`: a source's material becomes a draft, and the organizers are told."""

from __future__ import annotations

from sqlalchemy import select

from bot.features.digests.tables import digest_items, digests
from bot.intents import DirectMessage
from bot.testing import TestBot
from tests.features.digests.helpers import draft


async def test_a_chats_material_becomes_a_draft_the_organizers_hear_of(bot: TestBot) -> None:
    await bot.say("dana", "/role grant <@dana> organizer")
    sent = await draft(bot)
    assert [(i.member.id, bot.texts([i])[0]) for i in sent if isinstance(i, DirectMessage)] == [
        (
            "dana",
            "Draft digest #1, “Homework without tears”, is ready: 4 answers under 2 questions.\n"
            "Only organizers see it until it is published.\n"
            "“digest show 1” shows it with each item's number.\n"
            "“digest drop 1 <item>” leaves an item out.\n"
            "“digest publish 1” posts it in <#parents>.",
        )
    ]
    assert len(sent) == 1
    async with bot.app.db.engine.connect() as conn:
        [row] = (await conn.execute(select(digests.c.status, digests.c.kind))).all()
        items = (
            await conn.execute(
                select(
                    digest_items.c.number, digest_items.c.topic, digest_items.c.author_id
                ).order_by(digest_items.c.number)
            )
        ).all()
    assert tuple(row) == ("draft", "chat")
    assert [tuple(i) for i in items] == [
        (1, 0, "lee"),
        (2, 0, None),
        (3, 0, "maria"),
        (4, 1, "sam"),
    ]
