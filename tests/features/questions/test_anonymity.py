"""An anonymous question by construction: after the question, a relayed answer, a reply
and a block, the asker's ID (which on this platform is also their handle and display
name) is in no table, no log line, no message to anyone else, no App Home and no export,
and yet the answer reached them and the block holds."""

from __future__ import annotations

import logging

import pytest

from bot.events import HomeOpened
from bot.intents import DirectMessage, Ephemeral, PublishHome
from bot.logs import _quiet_libraries
from bot.privacy import export_member
from bot.testing import Person, TestBot
from tests.features.questions.conftest import cards, community

ASKER = "quinn"


async def test_an_anonymous_asker_is_found_nowhere(
    bot: TestBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every line Homeroom logs, with the floor it puts
    caplog.handler.addFilter(_quiet_libraries)  # on the database and platform libraries
    await community(bot)
    # No platform locale: the language a platform reports is kept per member for any
    # event (bot.directory.remember_locale), which is not about questions at all.
    bot.people[ASKER] = Person(ASKER, locale=None)
    asker = bot.member(ASKER)
    await bot.say("dana", "/route fallback @sam")
    asked = await bot.say(ASKER, "/ask My son struggles with reading anonymous=yes")
    [ack] = [i for i in asked if isinstance(i, Ephemeral)]
    assert ack.member == asker and ack.message.keep_copy is False
    [card] = cards(asked)
    assert "From: a parent who asked not to be named" in bot.texts([card])[0]
    answered = await bot.say("sam", "/queue answer 1 Let's meet his teacher.", channel="liaisons")
    [relay] = [i for i in answered if isinstance(i, DirectMessage) and i.member == asker]
    assert "Let's meet his teacher." in bot.texts([relay])[0]
    replied = await bot.dm(ASKER, "Thank you, Tuesday works.")
    assert "The parent replied on #1: Thank you, Tuesday works." in bot.texts(replied)
    [blocked] = await bot.say("dana", "/queue block 1", channel="liaisons")
    assert bot.texts([blocked]) == [
        "Done. Whoever sent #1 can't ask questions here any more. Nobody, you included, "
        "learns who it was."
    ]
    for typed in ("/ask Again? anonymous=yes", "/ask Again, with my name?"):
        [refused] = await bot.say(ASKER, typed)
        assert bot.texts([refused]) == [
            "I can't pass on questions from you here. If you think this is a mistake, "
            "please talk to an organizer."
        ]
    homes = []
    for who in ("sam", "dana", "lee"):
        [home] = await bot.send(HomeOpened(**bot._from(who, "home")))
        assert isinstance(home, PublishHome)
        homes.append(bot.texts([home])[0])
    assert "Liaison queue" not in homes[0]  # nothing open: no queue section

    tables = await bot.state(skip=())
    found = {name: rows for name, rows in tables.items() if any(ASKER in repr(r) for r in rows)}
    assert found == {}
    assert ASKER not in caplog.text
    to_others = [
        text
        for intent, text in zip(bot.adapter.sent, bot.texts(bot.adapter.sent), strict=True)
        if getattr(intent, "member", None) != asker
    ]
    assert [t for t in to_others if ASKER in t] == []
    assert [h for h in homes if ASKER in h] == []
    async with bot.app.db.engine.connect() as conn:
        for who in ("dana", "sam", "ines", "omar", "lee", ASKER):
            exported = await export_member(conn, bot.app.features, bot.member(who))
            assert ASKER not in repr(exported), who
    # ...and still, the asker's own view knows their question, by the token alone.
    [mine] = await bot.say(ASKER, "/ask list")
    assert bot.texts([mine]) == [
        "*Your questions*\n#1 · answered · “My son struggles with reading” · without your name"
        "\n    Answer: “Let's meet his teacher.”"
    ]
    assert mine.message.keep_copy is False  # type: ignore[union-attr]  # (never kept)
