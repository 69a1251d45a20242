"""A member's data in digests: exported, and on deletion their words stay with the group
without their name (as if written anonymously), and no digest is deleted."""

from __future__ import annotations

from sqlalchemy import select

from bot.features.digests.tables import digest_items, digests
from bot.privacy import delete_member, export_member
from bot.testing import TestBot
from tests.features.digests.helpers import START, draft, prompt_thread


async def test_a_members_items_are_exported_then_anonymized_not_deleted(bot: TestBot) -> None:
    await bot.say("dana", "/role grant <@dana> organizer")
    await bot.say("lee", "/me settings credit-in-digests=initials")
    await draft(bot)
    await bot.say("dana", "/digest publish 1")
    lee = bot.member("lee")
    async with bot.app.db.engine.begin() as conn:
        exported = await export_member(conn, bot.app.features, lee)
    assert exported["digests"] == {
        "digest_items": [
            {
                "digest_id": 1,
                "number": 1,
                "text": "A snack first, then 20 minutes.",
                "at": START.replace(minute=1),
                "link": "https://chat.example/m",
            }
        ],
        "digests": [],
    }
    assert exported["members"]["members"][0]["digest_credit"] == "initials"
    async with bot.app.db.engine.begin() as conn:
        await delete_member(conn, bot.app.features, lee)
    async with bot.app.db.engine.connect() as conn:
        authors = (
            await conn.execute(
                select(digest_items.c.number, digest_items.c.author_id).order_by(
                    digest_items.c.number
                )
            )
        ).all()
        kept = (await conn.execute(select(digests.c.id, digests.c.status))).all()
    assert [tuple(a) for a in authors] == [(1, None), (2, None), (3, "maria"), (4, "sam")]
    assert [tuple(k) for k in kept] == [(1, "published")]
    [latest] = await bot.say("maria", "/digest latest")
    lines = bot.texts([latest])[0].split("\n")
    assert "• A snack first, then 20 minutes. ↗ https://chat.example/m" in lines


async def test_the_digest_maker_is_forgotten_too(bot: TestBot) -> None:
    await bot.say("dana", "/role grant <@dana> organizer")
    await prompt_thread(bot)
    await bot.say("dana", "/digest build")
    dana = bot.member("dana")
    async with bot.app.db.engine.begin() as conn:
        exported = await export_member(conn, bot.app.features, dana)
        assert [d["id"] for d in exported["digests"]["digests"]] == [1]
        await delete_member(conn, bot.app.features, dana)
    async with bot.app.db.engine.connect() as conn:
        assert (await conn.execute(select(digests.c.created_by))).scalar_one() is None
