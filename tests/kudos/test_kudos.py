"""The kudos feature, which exists only in this folder, works end to end: its command,
its organizer-only button, its own form, its delivery receipt, its App Home section, its
table and its export and delete hooks, through TestBot and through the console."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest_asyncio
from sqlalchemy import select

from adapters.console import ConsoleAdapter
from adapters.console.view import View
from bot.app import Homeroom
from bot.capabilities import Capabilities
from bot.clock import FakeClock
from bot.directory import Role
from bot.events import HomeOpened
from bot.features import Feature, FormAction, default_features
from bot.intents import OpenForm, Post, PublishHome, React
from bot.kernel import Kernel
from bot.privacy import delete_member, export_member, uncovered
from bot.storage.tables import metadata
from bot.testing import FakeAdapter, TestBot, test_settings
from tests.kudos import feature
from tests.kudos.feature import FEATURE_IT, NOTE_FORM, kudos


@pytest_asyncio.fixture
async def app(database_url: str, clock: FakeClock) -> AsyncIterator[Homeroom]:
    app = Homeroom(
        test_settings(database_url), clock=clock, features=[*default_features(), feature.build]
    )
    yield app
    await app.stop()


@pytest_asyncio.fixture
async def kudos_bot(app: Homeroom, clock: FakeClock) -> TestBot:
    adapter = FakeAdapter(Capabilities(home=True), clock=clock)
    app.attach(adapter)
    await app.start(timers=False)
    return TestBot(app, adapter)


async def rows(bot: TestBot) -> list[tuple[object, ...]]:
    async with bot.app.db.engine.connect() as conn:
        result = await conn.execute(
            select(kudos.c.giver, kudos.c.receiver, kudos.c.message_id, kudos.c.featured)
        )
        return [tuple(r) for r in result]


async def test_a_command_posts_and_its_receipt_records_the_message_and_reacts(
    kudos_bot: TestBot,
) -> None:
    sent = await kudos_bot.say("lee", "/homeroom kudos give @sam for the bake sale")
    assert [type(i) for i in sent] == [Post, React]
    post, react = sent
    assert isinstance(post, Post) and isinstance(react, React)
    assert post.message.text == "<@lee> thanks <@sam>: for the bake sale"
    assert post.tag == feature.KudosPosted(1)
    assert react.to.message == "m1" and react.emoji == "tada"  # the receipt's follow-up
    assert await rows(kudos_bot) == [("lee", "sam", "m1", 0)]


async def test_only_organizers_may_press_feature_it(kudos_bot: TestBot) -> None:
    await kudos_bot.say("lee", "/homeroom kudos give @sam thanks")
    [refused] = await kudos_bot.press("lee", FEATURE_IT, "1")
    assert kudos_bot.texts([refused])[0].startswith("Only organizers can do that.")
    assert await rows(kudos_bot) == [("lee", "sam", "m1", 0)]
    [done] = await kudos_bot.press("dana", FEATURE_IT, "1")
    assert kudos_bot.texts([done]) == ["Featured."]
    assert await rows(kudos_bot) == [("lee", "sam", "m1", 1)]


async def test_the_features_own_form_is_routed_to_it(kudos_bot: TestBot) -> None:
    [opened] = await kudos_bot.say("maria", "/homeroom kudos note")
    assert isinstance(opened, OpenForm) and opened.form.form_id == NOTE_FORM
    sent = await kudos_bot.submit("maria", NOTE_FORM, member="@lee", words="gracias")
    assert [type(i) for i in sent] == [Post, React]
    assert await rows(kudos_bot) == [("maria", "lee", "m2", 0)]
    # A form no feature declared is still refused, and changes nothing.
    [stale] = await kudos_bot.submit("maria", "kudo:note", member="@lee", words="x")
    assert kudos_bot.texts([stale]) == ["Ese formulario ya no está en uso. No se cambió nada."]
    assert len(await rows(kudos_bot)) == 1


async def test_the_home_page_has_the_features_section(kudos_bot: TestBot) -> None:
    await kudos_bot.say("lee", "/homeroom kudos give @sam thanks")
    [home] = await kudos_bot.send(HomeOpened(**kudos_bot._from("sam", "home-sam")))
    assert isinstance(home, PublishHome)
    assert home.message.text.endswith("\n\nThanks you received: 1")
    [lees] = await kudos_bot.send(HomeOpened(**kudos_bot._from("lee", "home-lee")))
    assert isinstance(lees, PublishHome) and "Thanks you received" not in lees.message.text


async def test_its_table_is_covered_by_its_hooks_and_they_export_and_delete(
    kudos_bot: TestBot,
) -> None:
    features = kudos_bot.app.features
    assert uncovered(features, metadata) == set()
    without = [replace(f, privacy=None) if f.name == "kudos" else f for f in features]
    assert uncovered(without, metadata) == {
        ("kudos", "giver"),
        ("kudos", "receiver"),
        ("kudos", "words"),
    }
    await kudos_bot.say("lee", "/homeroom kudos give @sam thanks")
    await kudos_bot.say("sam", "/homeroom kudos give @dana you too")
    sam = kudos_bot.member("sam")
    async with kudos_bot.app.db.engine.begin() as conn:
        exported = await export_member(conn, features, sam)
        assert exported["kudos"] == {
            "kudos_given": [{"receiver": "dana", "words": "you too"}],
            "kudos_received": [{"giver": "lee", "words": "thanks"}],
        }
        assert await delete_member(conn, [f for f in features if f.name == "kudos"], sam) == 2
    assert await rows(kudos_bot) == []


async def test_it_works_in_the_console(app: Homeroom) -> None:
    out = io.StringIO()
    adapter = ConsoleAdapter(app, View(out, rich=False))
    app.attach(adapter)
    await app.start(timers=False)
    assert await adapter.handle_line("/kudos give @lee thanks for the snacks")
    assert out.getvalue() == (
        "#parents | Homeroom (message 1)\n"
        "    @dana thanks @lee: thanks for the snacks\n"
        "    [1] Feature it   (:press N)\n"
        "#parents | Homeroom reacted tada to message 1\n"
    )
    out.seek(0)
    out.truncate()
    assert await adapter.handle_line(":press 1")  # dana is the console's organizer
    assert "Featured." in out.getvalue()


async def test_kudos_timer_posts_the_weekly_thanks_once(
    kudos_bot: TestBot, app: Homeroom, clock: FakeClock
) -> None:
    """The feature's timer, declared in its folder, is run by the core's one loop: the
    next Monday 09:00 the channel hears its count, once, and not again after a restart."""
    await kudos_bot.say("lee", "/homeroom kudos give @sam for the bake sale")
    await kudos_bot.say("dana", "/homeroom kudos give @lee for the rides")
    ran = await kudos_bot.next_timer()
    assert ran is not None
    timer, sent = ran
    assert (timer.feature, timer.kind, timer.key) == ("kudos", "weekly", "fake|school|parents")
    assert clock.now() == datetime(2026, 9, 14, 9, 0, tzinfo=UTC)
    assert kudos_bot.texts(sent) == ["This channel shared 2 thank-you(s) so far. Keep them coming!"]
    assert await kudos_bot.next_timer() is None  # done until the next thank-you
    again = Homeroom(app.settings, clock=clock, features=[*default_features(), feature.build])
    try:
        await again.start(timers=False)
        assert await again.timers.run_due() == 0
    finally:
        await again.stop()


async def test_a_form_declared_for_organizers_refuses_anyone_else(
    database_url: str, clock: FakeClock
) -> None:
    def organizers_only(kernel: Kernel) -> Feature:
        built = feature.build(kernel)
        return replace(built, forms={NOTE_FORM: FormAction(feature.note_sent, Role.ORGANIZER)})

    app = Homeroom(
        test_settings(database_url), clock=clock, features=[*default_features(), organizers_only]
    )
    try:
        adapter = FakeAdapter(clock=clock)
        app.attach(adapter)
        await app.start(timers=False)
        bot = TestBot(app, adapter)
        [refused] = await bot.submit("lee", NOTE_FORM, member="@sam", words="thanks")
        assert bot.texts([refused])[0].startswith("Only organizers can do that.")
        assert await rows(bot) == []
        assert [type(i) for i in await bot.submit("dana", NOTE_FORM, member="@sam", words="x")] == [
            Post,
            React,
        ]
    finally:
        await app.stop()
