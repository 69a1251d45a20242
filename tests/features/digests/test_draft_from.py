"""`draft_from`: a source's material becomes a draft, and the organizers are told."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import delete, select

from bot.features.digests.api import draft_from
from bot.features.digests.tables import digest_items, digests
from bot.intents import DirectMessage, Post
from bot.storage.tables import discussion_reactions, discussion_replies
from bot.testing import TestBot
from tests.features.digests.helpers import HOMEWORK, draft, material, prompt_thread


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


async def test_the_draft_is_made_in_the_callers_transaction(bot: TestBot) -> None:
    """A chat's end that fails leaves no draft behind: both commit, or neither."""
    await bot.say("dana", "/role grant <@dana> organizer")
    made = await material(bot, *HOMEWORK)
    before = await bot.state()
    with pytest.raises(RuntimeError):
        async with bot.app.db.engine.begin() as conn:
            await draft_from(bot.app.kernel, conn, made)
            raise RuntimeError("the chat could not be closed")
    assert await bot.state() == before


async def test_with_no_organizer_yet_the_member_who_asked_is_told(bot: TestBot) -> None:
    await bot.say("lee", "/help")  # the community is known once someone spoke
    made = replace(await material(bot, *HOMEWORK), requested_by="lee")
    async with bot.app.db.engine.begin() as conn:
        notes = await draft_from(bot.app.kernel, conn, made)
    assert [(n.member.id, type(n).__name__) for n in notes] == [("lee", "DirectMessage")]  # type: ignore[union-attr]


async def test_a_digest_outlives_the_messages_it_was_made_of(bot: TestBot) -> None:
    """Retention may delete a thread's raw replies; the digest keeps its own copy."""
    await prompt_thread(bot)
    await bot.say("dana", "/digest build")
    async with bot.app.db.engine.begin() as conn:
        await conn.execute(delete(discussion_reactions))
        await conn.execute(delete(discussion_replies))
    sent = await bot.say("dana", "/digest publish 1")
    [post] = [i for i in sent if isinstance(i, Post)]
    assert "• Le preocupa el autobús. — maria" in bot.texts([post])[0].replace("★ ", "")
