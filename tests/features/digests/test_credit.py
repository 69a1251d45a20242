"""Credit: each member's own choice and the organizer's setting, the stricter winning;
anonymous content is never credited, and no member ID reaches a digest's readers."""

from __future__ import annotations

import base64

import pytest

from bot.features.digests import store
from bot.features.digests.credit import initials, stricter
from bot.features.digests.material import Topic
from bot.intents import DirectMessage, Post
from bot.testing import TestBot
from tests.features.digests.helpers import HOMEWORK, answer, draft, material


@pytest.mark.parametrize(
    ("member", "organizer", "shown"),
    [
        ("name", "names", "name"),
        ("name", "initials", "initials"),
        ("name", "none", "none"),
        ("initials", "names", "initials"),
        ("initials", "initials", "initials"),
        ("initials", "none", "none"),
        ("none", "names", "none"),
        ("none", "initials", "none"),
        ("none", "none", "none"),
    ],
)
def test_the_stricter_of_the_two_choices_wins(member: str, organizer: str, shown: str) -> None:
    assert stricter(member, organizer) == shown


def test_initials_of_names_as_platforms_give_them() -> None:
    assert [initials(n) for n in ("María López", "lee", "ana_b", "Dr. Kim Park Lee Ro", "")] == [
        "M. L.",
        "L.",
        "A. B.",
        "D. K. P.",
        "?",
    ]


async def published(bot: TestBot, number: int = 1) -> list[str]:
    sent = await bot.say("dana", f"/digest publish {number}")
    return bot.texts([i for i in sent if isinstance(i, Post)])[0].split("\n")


async def test_each_member_is_credited_as_they_chose(bot: TestBot) -> None:
    await bot.say("dana", "/role grant <@dana> organizer")
    assert bot.texts(await bot.say("lee", "/me settings credit-in-digests=initials")) == [
        "I answer you in English. “me settings language=en” or “language=es” chooses one for you.\n"
        "I may send you direct messages (reminders, notices). “me settings dm=no” stops them.\n"
        "Digests credit what you write with your initials only. You can choose “name” or “none”."
    ]
    await bot.say("maria", "/me settings credit-in-digests=none")
    await draft(bot)
    lines = await published(bot)
    assert [line for line in lines if line.startswith("•")] == [
        "• A snack first, then 20 minutes. — L. ↗ https://chat.example/m",
        "• We don't, honestly. ↗ https://chat.example/m",
        "• ★ Con música suave. ↗ https://chat.example/m",
        "• Ask them to explain it to the dog. — sam ↗ https://chat.example/m",
    ]


async def test_the_organizers_setting_can_only_make_credit_stricter(bot: TestBot) -> None:
    await bot.say("dana", "/role grant <@dana> organizer")
    await bot.say("lee", "/me settings credit-in-digests=none")
    await bot.say("sam", "/me settings credit-in-digests=name")
    made = await material(bot, *HOMEWORK)
    async with bot.app.db.engine.begin() as conn:
        await store.insert_draft(
            conn, made, now=bot.app.clock.now(), created_by="dana", credit="initials"
        )
    lines = await published(bot)
    assert [line for line in lines if line.startswith("•")] == [
        "• A snack first, then 20 minutes. ↗ https://chat.example/m",
        "• We don't, honestly. ↗ https://chat.example/m",
        "• ★ Con música suave. — M. ↗ https://chat.example/m",
        "• Ask them to explain it to the dog. — S. ↗ https://chat.example/m",
    ]


async def test_anonymous_answers_stay_anonymous_everywhere(bot: TestBot) -> None:
    await bot.say("dana", "/role grant <@dana> organizer")
    secret = Topic("Q1", "Anything hard this week?", (answer(None, "My son is being bullied."),))
    notes = await draft(bot, secret)
    lines = await published(bot)
    assert "• My son is being bullied. ↗ https://chat.example/m" in lines
    shown = await bot.say("dana", "/digest export format=markdown")
    files = [
        base64.b64decode(i.message.attachment.data_base64).decode()
        for i in shown
        if isinstance(i, DirectMessage) and i.message.attachment is not None
    ]
    assert len(files) == 1
    everything = "\n".join(bot.texts(notes) + lines + bot.texts(shown) + files)
    state = await bot.state()
    assert [row[3] for row in state["digest_items"]] == [None]  # author_id: nobody's
    assert "- My son is being bullied. <https://chat.example/m>" in everything
    # Nobody's name or ID stands next to it, in any form.
    for who in ("lee", "maria", "sam", "dana"):
        assert f"— {who}" not in everything


async def test_grouped_by_role_an_anonymous_answer_keeps_no_side(bot: TestBot) -> None:
    """In a group with one liaison, "from the school" would name the writer."""
    await bot.say("dana", "/role grant <@dana> organizer")
    topic = Topic(
        "Q1",
        "What do you wish the school knew?",
        (
            answer("lee", "More notice before trips.", role="parent"),
            answer(None, "We are stretched thin.", minutes=2, role="liaison"),
            answer("sam", "Email works best.", minutes=3, role="liaison"),
        ),
    )
    made = await material(bot, topic)
    async with bot.app.db.engine.begin() as conn:
        await store.insert_draft(
            conn, made, now=bot.app.clock.now(), created_by="dana", group_by="role"
        )
    lines = await published(bot)
    assert lines[3:] == [
        "*Q1. What do you wish the school knew?*",
        "_From parents_",
        "• More notice before trips. — lee ↗ https://chat.example/m",
        "_From the school_",
        "• Email works best. — sam ↗ https://chat.example/m",
        "_Unsigned_",
        "• We are stretched thin. ↗ https://chat.example/m",
    ]
    roles = {(row[3], row[8]) for row in (await bot.state())["digest_items"]}
    assert roles == {(None, None), ("lee", "parent"), ("sam", "liaison")}
