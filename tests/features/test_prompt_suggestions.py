"""Members suggest prompts; organizers review; the group's own series grows."""

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.intents import DirectMessage, Ephemeral, OpenForm, Post
from bot.storage.tables import community_prompts, outbox
from bot.testing import TestBot
from tests.features.test_prompt_schedules import tick, titles, to

IDEA = "What small ritual helps your family start the school day calmly?"


async def test_a_named_suggestion_is_reviewed_and_its_author_hears_back(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom role grant @lee organizer")  # an organizer to notify
    thanks, note = await bot.say("maria", f"/homeroom prompt suggest {IDEA}")
    assert bot.texts([thanks])[0].startswith(
        "¡Gracias! Su idea ya está con los organizadores, y le contaré"
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


async def dms(bot: TestBot, intents: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(i.member.id, i.message.text) for i in intents if isinstance(i, DirectMessage)]


WAITING_EN = "{n} prompt ideas are waiting for you. “prompt suggestions” shows them."
WAITING_ES = "Hay {n} ideas de tema esperándole. “prompt suggestions” las muestra."


async def test_organizers_hear_of_waiting_ideas_at_most_once_a_day_in_their_language(
    bot: TestBot,
) -> None:
    await bot.say("dana", "/homeroom role grant @lee organizer")
    await bot.say("dana", "/homeroom role grant @maria organizer")
    await bot.say("maria", "Hola a todos")  # maria's platform speaks Spanish
    first = await bot.say("sam", f"/homeroom prompt suggest {IDEA}")
    assert await dms(bot, first) == [
        ("lee", "A prompt idea is waiting for you. “prompt suggestions” shows it."),
        ("maria", "Hay una idea de tema esperándole. “prompt suggestions” la muestra."),
    ]
    second = await bot.say("sam", "/homeroom prompt suggest How do you talk about report cards?")
    assert await dms(bot, second) == []  # told today already
    bot.app.clock.advance(hours=23, minutes=59)  # type: ignore[attr-defined]
    assert await dms(bot, await tick(bot)) == []
    bot.app.clock.advance(minutes=1)  # type: ignore[attr-defined]
    assert await dms(bot, await tick(bot)) == [
        ("lee", WAITING_EN.format(n=2)),
        ("maria", WAITING_ES.format(n=2)),
    ]
    bot.app.clock.advance(days=2)  # type: ignore[attr-defined]
    assert await dms(bot, await tick(bot)) == []  # no new idea, no new message


async def test_an_organizer_can_turn_the_idea_messages_off(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom role grant @lee organizer")
    [off] = await bot.say("lee", "/homeroom prompt notices dm=no")
    assert bot.texts([off]) == [
        "I won't send you messages about waiting ideas. Your home page and “prompt "
        "suggestions” still show them."
    ]
    assert await dms(bot, await bot.say("sam", f"/homeroom prompt suggest {IDEA}")) == []
    await bot.say("lee", "/homeroom prompt notices dm=yes")
    bot.app.clock.advance(days=1)  # type: ignore[attr-defined]
    late = await bot.say("sam", "/homeroom prompt suggest How do you talk about report cards?")
    assert await dms(bot, late) == [("lee", WAITING_EN.format(n=2))]


async def test_turning_the_idea_messages_back_on_sends_the_waiting_news_at_once(
    bot: TestBot,
) -> None:
    await bot.say("dana", "/homeroom role grant @lee organizer")
    await bot.say("lee", "/homeroom prompt notices dm=no")
    assert await dms(bot, await bot.say("sam", f"/homeroom prompt suggest {IDEA}")) == []
    await bot.say("lee", "/homeroom prompt notices dm=yes")
    ran = await bot.next_timer()  # the community's notice timer, due now
    assert ran is not None
    timer, sent = ran
    assert (timer.kind, timer.due_at) == ("idea-notices", bot.app.clock.now())
    assert await dms(bot, sent) == [
        ("lee", "A prompt idea is waiting for you. “prompt suggestions” shows it.")
    ]
    assert await bot.next_timer() is None  # told: nothing waits


async def test_the_home_page_counts_the_waiting_ideas_for_organizers(bot: TestBot) -> None:
    from bot.capabilities import Capabilities
    from tests.features.test_home import opened

    bot.app.core.add_platform("fake", Capabilities(home=True))
    await bot.say("sam", f"/homeroom prompt suggest {IDEA}")
    await bot.say("lee", "/homeroom prompt suggest anonymous=yes How do you talk about grades?")
    [home] = await bot.send(opened(bot, "dana"))
    assert WAITING_EN.format(n=2) in bot.texts([home])[0]
    [parent] = await bot.send(opened(bot, "lee"))
    assert "waiting" not in bot.texts([parent])[0]


async def test_an_organizer_edits_an_idea_before_accepting_it(bot: TestBot) -> None:
    await bot.say("maria", f"/homeroom prompt suggest {IDEA}")
    [card] = await bot.say("dana", "/homeroom prompt suggestions")
    edit = card.message.buttons[1]  # type: ignore[union-attr]
    [form] = await bot.press("dana", edit.action_id, edit.value)
    assert isinstance(form, OpenForm) and form.form.form_id == "command:prompt edit"
    assert [(f.name, f.default, f.required) for f in form.form.fields] == [
        ("id", "1", True),
        ("text", IDEA, True),
    ]
    [done] = await bot.submit(
        "dana", "command:prompt edit", id="1", text="What small ritual starts your day calmly?"
    )
    assert bot.texts([done]) == [
        "Changed. Idea #1 now reads: “What small ritual starts your day calmly?”"
    ]
    [refused] = await bot.press("lee", edit.action_id, edit.value)
    assert "Only organizers can do that" in bot.texts([refused])[0]
    [card] = await bot.say("dana", "/homeroom prompt suggestions")
    accept = card.message.buttons[0]  # type: ignore[union-attr]
    await bot.press("dana", accept.action_id, accept.value)
    async with bot.app.db.engine.connect() as conn:
        rows = (
            await conn.execute(select(community_prompts.c.text, community_prompts.c.status))
        ).all()
    assert [tuple(r) for r in rows] == [("What small ritual starts your day calmly?", "accepted")]


async def test_an_organizer_edits_and_removes_prompts_of_the_groups_own_series(
    bot: TestBot,
) -> None:
    await bot.say("dana", f"/homeroom prompt add {IDEA}")
    await bot.say("dana", "/homeroom prompt add Which grown-up at school does your child like?")
    [form] = await bot.say("dana", "/homeroom prompt edit 2")  # no text: a form to fill
    assert isinstance(form, OpenForm)
    assert [f.default for f in form.form.fields] == [
        "2",
        "Which grown-up at school does your child like?",
    ]
    [done] = await bot.say("dana", "/homeroom prompt edit 2 Which teacher does your child like?")
    assert bot.texts([done]) == [
        "Changed. Prompt #2 of “our-prompts” now reads: “Which teacher does your child like?”"
    ]
    _first, second = await bot.say("dana", "/homeroom prompt own")
    remove = second.message.buttons[1]  # type: ignore[union-attr]
    assert bot.texts([second])[0].startswith("#2 · week 2\n“Which teacher does your child like?”")
    [removed] = await bot.press("dana", remove.action_id, remove.value)
    assert bot.texts([removed]) == [
        "Removed from “our-prompts”: “Which teacher does your child like?”. Where it was "
        "already posted, the post and its replies stay."
    ]
    [preview] = await bot.say("dana", "/homeroom series preview our-prompts")
    assert "Which teacher" not in bot.texts([preview])[0] and IDEA in bot.texts([preview])[0]
    [gone] = await bot.say("dana", "/homeroom prompt remove 2")
    assert bot.texts([gone]) == [
        "There's no waiting idea or prompt #2 of this group. “prompt suggestions” and "
        "“prompt own” show them with their numbers."
    ]
    [odd] = await bot.press("dana", remove.action_id, "99999999999999999999")
    assert bot.texts([odd]) == [bot.texts([gone])[0].replace("#2", "#99999999999999999999")]
    [odd] = await bot.press("dana", remove.action_id, "x" * 200)
    assert bot.texts([odd]) == [bot.texts([gone])[0].replace("#2", "#" + "x" * 20)]
    [odd] = await bot.press("dana", remove.action_id, "x" * 5000)  # no button carries that
    assert bot.texts([odd]) == ["That button is no longer in use. Nothing was changed."]


async def test_no_kept_copy_links_an_anonymous_idea_to_its_author(bot: TestBot) -> None:
    bot.app.clock.advance(hours=3, minutes=17, seconds=5)  # type: ignore[attr-defined]
    await bot.say("maria", f"/homeroom prompt suggest anonymous=yes {IDEA}")
    await bot.say("lee", "/homeroom prompt suggest How do you talk about report cards?")
    async with bot.app.db.engine.connect() as conn:
        kept = (await conn.execute(select(outbox.c.lane, outbox.c.payload))).all()
        times = (
            await conn.execute(
                select(community_prompts.c.author_id, community_prompts.c.created_at).order_by(
                    community_prompts.c.id
                )
            )
        ).all()
    assert not any("maria" in lane or "maria" in payload for lane, payload in kept)
    assert [lane for lane, _ in kept] == ["fake:school:parents:lee"]  # the named thank-you
    assert [(who, at.replace(microsecond=0)) for who, at in times] == [
        (None, datetime(2026, 9, 7, 0, 0, tzinfo=UTC)),  # the day only
        ("lee", datetime(2026, 9, 7, 19, 17, 5, tzinfo=UTC)),
    ]


async def test_a_platform_admin_who_organizes_hears_of_ideas_too(bot: TestBot) -> None:
    # dana is an organizer by her platform role, which only her own requests tell us.
    assert await dms(bot, await bot.say("sam", f"/homeroom prompt suggest {IDEA}")) == []
    await bot.say("dana", "/homeroom prompt suggestions")
    bot.app.clock.advance(days=1)  # type: ignore[attr-defined]
    late = await bot.say("sam", "/homeroom prompt suggest How do you talk about report cards?")
    assert await dms(bot, late) == [("dana", WAITING_EN.format(n=2))]


async def maria_rows(bot: TestBot) -> list[str]:
    async with bot.app.db.engine.connect() as conn:
        rows = (await conn.execute(select(outbox.c.lane, outbox.c.payload))).all()
    return [payload for lane, payload in rows if "maria" in lane or "maria" in payload]


async def test_the_form_for_an_anonymous_idea_leaves_no_copy_either(bot: TestBot) -> None:
    [form] = await bot.say("maria", "/homeroom prompt suggest anonymous=yes")  # no text: a form
    assert isinstance(form, OpenForm)
    await bot.submit("maria", form.form.form_id, text=IDEA, anonymous="yes")
    assert await maria_rows(bot) == []


async def test_nor_does_the_dialogue_that_stands_for_it_without_forms(bot: TestBot) -> None:
    from bot.capabilities import Capabilities

    bot.app.core.add_platform("fake", Capabilities(forms=False))
    [question] = await bot.say("maria", "/homeroom prompt suggest anonymous=yes")
    assert isinstance(question, Ephemeral)
    [thanks] = await bot.say("maria", IDEA)  # anonymous=yes was given: not asked again
    assert "sin su nombre" in bot.texts([thanks])[0]
    assert await maria_rows(bot) == []
    async with bot.app.db.engine.connect() as conn:
        rows = (await conn.execute(select(community_prompts.c.author_id))).all()
    assert [tuple(r) for r in rows] == [(None,)]


async def test_a_members_platform_language_is_kept_for_later_notices(bot: TestBot) -> None:
    from bot.storage.tables import member_locales

    await bot.say("maria", "Hola")
    await bot.say("maria", "Hola otra vez")  # unchanged: nothing more to write
    await bot.app.directory.flush()
    async with bot.app.db.engine.connect() as conn:
        rows = (await conn.execute(select(member_locales.c.user_id, member_locales.c.locale))).all()
    assert [tuple(r) for r in rows] == [("maria", "es-MX")]


async def test_a_page_of_ideas_says_how_many_wait_in_all(bot: TestBot) -> None:
    for n in range(12):
        await bot.say("sam", f"/homeroom prompt suggest Idea number {n} for our group?")
    shown = await bot.say("dana", "/homeroom prompt suggestions")
    assert len(shown) == 11
    assert bot.texts(shown[-1:]) == [
        "These are the first 10 of 12. Decide on some to see the rest."
    ]


async def test_where_the_platform_cannot_tell_the_language_last_reported_is_used(
    bot: TestBot,
) -> None:
    from dataclasses import replace as copy

    await bot.say("dana", "/homeroom role grant @maria organizer")
    await bot.say("maria", "Hola")  # her event says es-MX; the directory keeps it
    bot.adapter.roster["maria"] = copy(bot.adapter.roster["maria"], locale=None)
    notes = await dms(bot, await bot.say("sam", f"/homeroom prompt suggest {IDEA}"))
    assert notes == [
        ("maria", "Hay una idea de tema esperándole. “prompt suggestions” la muestra.")
    ]
