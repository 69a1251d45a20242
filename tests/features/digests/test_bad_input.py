"""Bad input gets a kind, specific answer and changes nothing."""

from __future__ import annotations

import pytest

from bot.features.digests import store
from bot.testing import TestBot
from tests.features.digests.helpers import HOMEWORK, draft, material, prompt_thread


async def organizer_draft(bot: TestBot) -> None:
    await bot.say("dana", "/role grant <@dana> organizer")
    await draft(bot)


@pytest.mark.parametrize(
    ("who", "command", "said"),
    [
        (
            "lee",
            "/digest publish 1",
            "Digest #1 was made by someone else, so only an organizer can publish it.",
        ),
        ("lee", "/digest drop 1 2", "Only an organizer can leave items out of digest #1."),
        (
            "lee",
            "/digest show 1",
            "Digest #1 is still a draft: only organizers, and the member it was made for, see it.",
        ),
        (
            "lee",
            "/digest export",
            "Only organizers can do that. If you help run this group, an organizer can give "
            "you the role with “role grant”.",
        ),
        (
            "lee",
            "/digest build",
            "Only organizers can do that. If you help run this group, an organizer can give "
            "you the role with “role grant”.",
        ),
        (
            "dana",
            "/digest publish 9",
            "There's no digest #9 here. “digest show” lists the drafts waiting.",
        ),
        (
            "dana",
            "/digest drop 9 1",
            "There's no digest #9 here. “digest show” lists the drafts waiting.",
        ),
        (
            "dana",
            "/digest drop 1 99",
            "Digest #1 has no item 99. “digest show 1” shows each item's number.",
        ),
        ("lee", "/digest latest", "No digest has been published in <#parents> yet."),
        (
            "dana",
            "/digest export",
            "No digest has been published in <#parents> yet, so there is nothing to export.",
        ),
        (
            "dana",
            "/digest build",
            "I found no prompt discussion in <#parents> yet. Once a prompt is posted there and "
            "people reply, “digest build” can gather it.",
        ),
        (
            "dana",
            "/digest build source=week date=2026-08-05",
            "I found no prompt discussion in <#parents> in the week of Wednesday 5 August.",
        ),
    ],
)
async def test_refused_and_nothing_changes(bot: TestBot, who: str, command: str, said: str) -> None:
    await organizer_draft(bot)
    before = await bot.state()
    assert bot.texts(await bot.say(who, command)) == [said]
    assert await bot.state() == before


async def test_dropping_an_item_twice_says_so_and_changes_nothing(bot: TestBot) -> None:
    await organizer_draft(bot)
    await bot.say("dana", "/digest drop 1 2")
    before = await bot.state()
    assert bot.texts(await bot.say("dana", "/digest drop 1 2")) == [
        "Item 2 of digest #1 is already left out. Nothing was changed."
    ]
    assert await bot.state() == before


async def test_publishing_twice_or_dropping_after_publishing_changes_nothing(
    bot: TestBot,
) -> None:
    await organizer_draft(bot)
    await bot.say("dana", "/digest publish 1")
    before = await bot.state()
    assert bot.texts(await bot.say("dana", "/digest publish 1")) == [
        "Digest #1 is already published. Nothing was changed."
    ]
    assert bot.texts(await bot.say("dana", "/digest drop 1 1")) == [
        "Digest #1 is already published, so its items stay as they are."
    ]
    assert await bot.state() == before


async def test_the_member_a_draft_was_made_for_may_publish_it(bot: TestBot) -> None:
    """A chat's moderator who is no organizer runs the draft of their chat."""
    await bot.say("lee", "/help")  # the community is known once someone spoke
    made = await material(bot, *HOMEWORK)
    async with bot.app.db.engine.begin() as conn:
        await store.insert_draft(conn, made, now=bot.app.clock.now(), created_by="lee")
    assert bot.texts(await bot.say("sam", "/digest publish 1")) == [
        "Digest #1 was made by someone else, so only an organizer can publish it."
    ]
    sent = await bot.say("lee", "/digest publish 1")
    assert bot.texts(sent)[-1] == "Digest #1 is posted in <#parents>."


async def test_a_digest_of_another_community_is_not_found(bot: TestBot) -> None:
    await prompt_thread(bot)
    await bot.say("dana", "/digest build")
    async with bot.app.db.engine.connect() as conn:
        other = bot.where().community_ref.__class__("slack", "T-other")
        assert await store.get(conn, 1, other) is None


async def test_the_publish_button_under_a_draft(bot: TestBot) -> None:
    await organizer_draft(bot)
    [shown] = await bot.say("dana", "/digest show 1")
    [button] = shown.message.buttons  # type: ignore[union-attr]
    assert (button.label, button.action_id, button.value) == (
        "Publish digest #1",
        "digests.publish",
        "1",
    )
    before = await bot.state()
    assert bot.texts(await bot.press("lee", "digests.publish", "1")) == [
        "Digest #1 was made by someone else, so only an organizer can publish it."
    ]
    assert bot.texts(await bot.press("dana", "digests.publish", "x")) == [
        "There's no digest #x here. “digest show” lists the drafts waiting."
    ]
    assert await bot.state() == before
    sent = await bot.press("dana", "digests.publish", "1")
    assert bot.texts(sent)[-1] == "Digest #1 is posted in <#parents>."
    assert bot.texts(await bot.press("dana", "digests.publish", "1")) == [
        "Digest #1 is already published. Nothing was changed."
    ]
