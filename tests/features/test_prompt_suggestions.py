"""Members suggest prompts; organizers review; the group's own series grows."""

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.intents import DirectMessage, Ephemeral, Post
from bot.storage.tables import community_prompts
from bot.testing import TestBot
from tests.features.test_prompt_schedules import tick, titles, to

IDEA = "What small ritual helps your family start the school day calmly?"


async def test_a_named_suggestion_is_reviewed_and_its_author_hears_back(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom role grant @lee organizer")  # an organizer to notify
    thanks, note = await bot.say("maria", f"/homeroom prompt suggest {IDEA}")
    assert bot.texts([thanks])[0].startswith(
        "¡Gracias! Su idea ya está con quienes organizan, y le contaré"
    )
    assert isinstance(note, DirectMessage) and note.member == bot.member("lee")
    [card] = await bot.say("dana", "/homeroom prompt suggestions")
    assert isinstance(card, Ephemeral)
    assert card.message.text == f"#1 “{IDEA}”" and card.message.footer == "Suggested by <@maria>"
    accept = card.message.buttons[0]
    done, news = await bot.press("dana", accept.action_id, accept.value)
    assert bot.texts([done]) == ["Added to “our-prompts”, the group's own series."]
    assert isinstance(news, DirectMessage) and news.member == bot.member("maria")
    assert "se añadió a la serie propia del grupo" in news.message.text
    [again] = await bot.press("dana", accept.action_id, accept.value)
    assert bot.texts([again]) == ["That idea was already decided. Nothing was changed."]


async def test_an_anonymous_suggestion_keeps_its_author_unknown_everywhere(
    bot: TestBot, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        [thanks] = await bot.say("maria", f"/homeroom prompt suggest anonymous=yes {IDEA}")
        [card] = await bot.say("dana", "/homeroom prompt suggestions")
        [done] = await bot.press(
            "dana", card.message.buttons[0].action_id, card.message.buttons[0].value
        )  # type: ignore[union-attr]
    assert "sin su nombre" in bot.texts([thanks])[0]
    assert card.message.footer == "Suggested by someone who asked not to be named"  # type: ignore[union-attr]
    assert "maria" not in str(card) and bot.texts([done]) == [
        "Added to “our-prompts”, the group's own series."
    ]
    async with bot.app.db.engine.connect() as conn:
        rows = (await conn.execute(select(community_prompts))).all()
    assert [row.author_id for row in rows] == [None]
    ours = [r.getMessage() for r in caplog.records if r.name.startswith(("bot", "adapters"))]
    assert not any("maria" in line or IDEA in line for line in ours)  # Homeroom's own log lines


async def test_set_aside_and_only_organizers_decide(bot: TestBot) -> None:
    await bot.say("maria", f"/homeroom prompt suggest {IDEA}")
    [card] = await bot.say("dana", "/homeroom prompt suggestions")
    deny = card.message.buttons[2]  # type: ignore[union-attr]
    [refused] = await bot.press("lee", deny.action_id, deny.value)
    assert "Only organizers can do that" in bot.texts([refused])[0]
    done, news = await bot.press("dana", deny.action_id, deny.value)
    assert bot.texts([done]) == ["Set aside. Thank you for reading it."]
    assert "la dejaron para más adelante" in bot.texts([news])[0]
    [empty] = await bot.say("dana", "/homeroom prompt suggestions")
    assert bot.texts([empty]) == ["No prompt ideas are waiting. Thank you for keeping up!"]


async def test_too_short_an_idea_is_explained(bot: TestBot) -> None:
    [reply] = await bot.say("lee", "/homeroom prompt suggest Hi?")
    assert bot.texts([reply]) == ["A prompt needs between 10 and 500 characters; this one has 3."]


async def test_the_groups_own_series_is_scheduled_like_any_other(bot: TestBot) -> None:
    await bot.say("dana", f"/homeroom prompt add {IDEA}")
    await bot.say(
        "dana", "/homeroom prompt add Which grown-up at school does your child talk about most?"
    )
    [preview] = await bot.say("dana", "/homeroom series preview our-prompts")
    assert bot.texts([preview])[0].startswith("*Our own prompts*")
    await bot.say(
        "dana",
        "/homeroom prompt schedule series=our-prompts channel=#parents weekday=mon time=19:00 "
        "timezone=America/New_York",
    )
    to(bot, datetime(2026, 9, 7, 23, 0, tzinfo=UTC))
    posts = [i for i in await tick(bot) if isinstance(i, Post)]
    assert titles(posts) == ["Our own prompts · week 1 of 2"]
    assert posts[0].message.text == IDEA
