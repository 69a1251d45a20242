"""Acknowledged means kept (bot.inbox): the database fails before the ack, or while the
event is handled, and every event is still answered exactly once. Counted at the fakes
(Slack's response URLs, Discord's interaction callbacks) and in the stored suggestions.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack import SlackAdapter
from adapters.slack.fake import FakeSlack, event_callback, slash
from bot.app import Homeroom
from bot.inbox import LEASE
from bot.storage.tables import community_prompts, processed_events
from bot.testing import run_until
from tests.adapters.discord.conftest import MARIA as DISCORD_MARIA
from tests.adapters.discord.conftest import DiscordRig
from tests.adapters.discord.test_end_to_end import CALLBACK, option
from tests.adapters.slack.conftest import SlackRig, free_port, slack_settings
from tests.conftest import LEE

IDEA = "What made you laugh at dinner this week?"


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class Outage:
    """While `down`, every statement on the engine fails as when the database is gone;
    `blip(n)`: only the next n statements fail, then it is back."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.down = False
        self.refused = 0
        self._blip = 0
        self._engine: Engine = engine.sync_engine
        event.listen(self._engine, "before_cursor_execute", self._refuse)

    def blip(self, statements: int) -> None:
        self._blip = statements

    def _refuse(self, *_: Any) -> None:
        if self.down or self._blip > 0:
            self._blip = max(0, self._blip - 1)
            self.refused += 1
            raise OperationalError("(any statement)", None, ConnectionRefusedError(111, "down"))

    def close(self) -> None:
        event.remove(self._engine, "before_cursor_execute", self._refuse)


@pytest_asyncio.fixture
async def slack(homeroom: Homeroom, fake_slack: FakeSlack) -> AsyncIterator[SlackRig]:
    from adapters.slack.fake import SignedClient
    from tests.adapters.slack.conftest import SECRET

    port = free_port()
    adapter = SlackAdapter(homeroom, slack_settings(homeroom, fake_slack, port))
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    await adapter.start()
    yield SlackRig(
        adapter, fake_slack, SignedClient(f"http://127.0.0.1:{port}/slack/events", SECRET)
    )
    await adapter.stop()


@pytest.fixture
def outage(homeroom: Homeroom) -> Any:
    cut = Outage(homeroom.db.engine)
    yield cut
    cut.close()


async def suggestions(app: Homeroom) -> list[str]:
    async with app.db.engine.connect() as conn:
        return list((await conn.execute(select(community_prompts.c.text))).scalars())


async def inbox_rows(app: Homeroom) -> list[tuple[bool, bool, int]]:
    """(handled, payload still kept, attempts) of every kept event."""
    async with app.db.engine.connect() as conn:
        rows = await conn.execute(
            select(
                processed_events.c.handled_at,
                processed_events.c.payload,
                processed_events.c.attempts,
            )
        )
        return [(at is not None, payload is not None, attempts) for at, payload, attempts in rows]


def answers(fake: FakeSlack) -> list[str]:
    return [
        c.params["text"] for c in fake.calls if c.method in ("response_url", "chat.postEphemeral")
    ]


async def test_a_keep_that_fails_is_not_acked_and_the_retry_is_handled_once(
    slack: SlackRig, outage: Outage
) -> None:
    app, fake = slack.adapter.homeroom, slack.fake
    command = slash(f"prompt suggest {IDEA}", user=LEE, respond_to=fake.url)
    reaction = event_callback(
        {
            "type": "reaction_added",
            "user": LEE,
            "reaction": "tada",
            "item": {"type": "message", "channel": "C0PARENTS", "ts": "1.1"},
        }
    )
    outage.down = True
    assert (await slack.client.command(command))[0] == 503  # not acked: never kept
    assert (await slack.client.event(reaction))[0] == 503  # Slack retries these itself
    outage.down = False
    assert outage.refused == 2  # one group commit each, both refused
    await app.inbox.settled()
    assert answers(fake) == [] and await inbox_rows(app) == []

    assert (await slack.client.command(command))[0] == 200  # the retry is accepted
    assert (await slack.client.event(reaction, retry=1))[0] == 200
    await app.inbox.settled()
    [thanks] = await fake.wait_for(1, "response_url")
    await run_until(app)
    assert answers(fake) == [thanks.params["text"]]
    assert "Thank you" in thanks.params["text"]
    assert await suggestions(app) == [IDEA]
    assert await inbox_rows(app) == [(True, False, 1), (True, False, 1)]


async def test_a_database_failure_while_handling_keeps_the_event_until_it_is_back(
    slack: SlackRig,
    outage: Outage,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app, fake, adapter = slack.adapter.homeroom, slack.fake, slack.adapter
    look_up = adapter.actor

    async def then_a_blip(team: str, user: str) -> Any:
        found = await look_up(team, user)
        outage.blip(1)  # after the ack, the handler's first statement fails; then it is back
        return found

    monkeypatch.setattr(adapter, "actor", then_a_blip)
    command = slash(f"prompt suggest {IDEA}", user=LEE, respond_to=fake.url)
    with caplog.at_level(logging.WARNING):
        assert (await slack.client.command(command))[0] == 200
        await app.inbox.settled()
    monkeypatch.setattr(adapter, "actor", look_up)
    await run_until(app)
    assert outage.refused == 1
    assert answers(fake) == []  # no "something went wrong": it is not done yet
    assert "event=inbound_deferred platform=slack" in caplog.text
    assert IDEA not in caplog.text
    assert await inbox_rows(app) == [(False, True, 1)]  # kept, not handled
    assert (await slack.client.command(command))[0] == 200  # the platform's retry
    await app.inbox.settled()
    await run_until(app)
    assert answers(fake) == [] and await suggestions(app) == []  # not handled twice

    app.clock.advance(LEASE)  # type: ignore[attr-defined]
    assert await app.inbox.replay() == 1
    [thanks] = await fake.wait_for(1, "response_url")  # by its response URL, still valid
    await run_until(app)
    assert await app.inbox.replay() == 0
    assert answers(fake) == [thanks.params["text"]]
    assert "Thank you" in thanks.params["text"]
    assert await suggestions(app) == [IDEA]
    assert await inbox_rows(app) == [(True, False, 2)]


async def test_a_discord_interaction_not_kept_is_answered_try_again_in_its_language(
    database_url: str, clock: Any
) -> None:
    from adapters.discord.fake import FakeDiscord
    from tests.adapters.discord.conftest import connect

    fake_discord = FakeDiscord()
    await fake_discord.start()
    rig: DiscordRig = await connect(database_url, fake_discord, clock)
    cut = Outage(rig.app.db.engine)
    try:
        fake = rig.fake
        suggest = {"name": "suggest", "type": 1, "options": [option("text", IDEA)]}
        from adapters.discord.fake import slash_command

        cut.down = True
        await fake.dispatch(
            "INTERACTION_CREATE",
            slash_command("prompt", [suggest], user_id=DISCORD_MARIA, locale="es-ES"),
        )
        [sorry] = await fake.wait_for(1, CALLBACK)
        assert sorry.body["data"]["content"] == (
            "Lo siento, no pude hacer eso ahora. Por favor, inténtelo de nuevo en un momento."
        )
        cut.down = False
        await fake.dispatch(  # the member tries again: a new interaction
            "INTERACTION_CREATE",
            slash_command("prompt", [suggest], user_id=DISCORD_MARIA, locale="es-ES"),
        )
        calls = await fake.wait_for(2, CALLBACK)
        await run_until(rig.app)
        assert len([c for c in fake.calls if c.path.startswith("/interactions/")]) == 2
        assert "Gracias" in str(calls[1].body)
        assert await suggestions(rig.app) == [IDEA]
        assert await inbox_rows(rig.app) == [(True, False, 1)]
    finally:
        cut.close()
        await rig.adapter.stop()
        await rig.app.stop()
        await fake_discord.stop()


async def test_gives_up_after_bounded_attempts_logging_only_the_id(
    slack: SlackRig, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.inbox import MAX_ATTEMPTS

    app = slack.adapter.homeroom
    tries = 0

    async def unreachable(payload: str) -> list[Any]:
        nonlocal tries
        tries += 1
        raise ConnectionResetError("the network went away")

    assert await app.inbox.keep("slack", "EvPoison", '{"text": "' + IDEA + '"}')
    app.inbox.replayers["slack"] = unreachable
    assert await app.inbox.work("slack", "EvPoison", lambda: unreachable("")) is None  # live
    with caplog.at_level(logging.INFO):
        for _ in range(MAX_ATTEMPTS + 2):
            app.clock.advance(LEASE)  # type: ignore[attr-defined]
            assert await app.inbox.replay() == 0
    assert tries == MAX_ATTEMPTS
    gave_up = [r for r in caplog.records if "inbound_gave_up" in r.getMessage()]
    assert [(r.levelname, r.getMessage()) for r in gave_up] == [
        ("ERROR", f"event=inbound_gave_up platform=slack event_id=EvPoison attempts={MAX_ATTEMPTS}")
    ]
    assert IDEA not in caplog.text
    assert await inbox_rows(app) == [(True, False, MAX_ATTEMPTS)]


async def test_a_discord_message_cut_short_mid_handling_is_kept_and_replayed_once(
    database_url: str, clock: Any
) -> None:
    """Gateway messages have no ack, but are kept before they are handled all the same."""
    from adapters.discord.fake import PARENTS, FakeDiscord, user
    from tests.adapters.discord.conftest import LEE as DISCORD_LEE
    from tests.adapters.discord.conftest import connect
    from tests.adapters.discord.test_inbound import message

    fake_discord = FakeDiscord()
    await fake_discord.start()
    rig: DiscordRig = await connect(database_url, fake_discord, clock)
    cut = Outage(rig.app.db.engine)
    heard: list[str] = []
    dispatch = rig.app.core.dispatch

    async def spy(event: Any, **how: bool) -> Any:
        heard.append(event.event_id)
        if len(heard) == 1:
            cut.blip(1)  # the database drops the first statement of its handling
        return await dispatch(event, **how)

    rig.app.core.dispatch = spy  # type: ignore[method-assign]
    handled = asyncio.Event()
    work = rig.app.inbox.work

    async def watched(*args: Any) -> Any:
        try:
            return await work(*args)
        finally:
            handled.set()

    rig.app.inbox.work = watched  # type: ignore[method-assign]
    try:
        await fake_discord.dispatch(
            "MESSAGE_CREATE", message("1401", PARENTS, user(DISCORD_LEE, "lee"), "Hello all")
        )
        await asyncio.wait_for(handled.wait(), 10)  # the gateway's own task, in this loop
        assert await inbox_rows(rig.app) == [(False, True, 1)]  # kept, not handled
        clock.advance(LEASE)
        assert await rig.app.inbox.replay() == 1
        assert await rig.app.inbox.replay() == 0
        assert heard == ["1401", "1401"]  # the cut-short attempt, then the replay
        assert await inbox_rows(rig.app) == [(True, False, 2)]
    finally:
        cut.close()
        await rig.adapter.stop()
        await rig.app.stop()
        await fake_discord.stop()


async def test_no_copy_of_an_anonymous_suggestion_outlives_its_handling(
    slack: SlackRig,
) -> None:
    """The kept payload names the member and holds the text: once handled, it is gone,
    and the idea is stored only as the suggestion itself, without a name."""
    from sqlalchemy import text

    from bot.storage.tables import metadata

    app, fake = slack.adapter.homeroom, slack.fake
    command = slash(f"prompt suggest anonymous=yes {IDEA}", user=LEE, respond_to=fake.url)
    assert (await slack.client.command(command))[0] == 200
    await app.inbox.settled()
    await fake.wait_for(1, "response_url")
    await run_until(app)
    async with app.db.engine.connect() as conn:
        holding = {
            name: [
                tuple(row)
                for row in await conn.execute(text(f'SELECT * FROM "{name}"'))
                if IDEA in str(tuple(row))
            ]
            for name in metadata.tables
        }
    assert {name: len(rows) for name, rows in holding.items() if rows} == {"community_prompts": 1}
    assert LEE not in str(holding["community_prompts"])
    assert await inbox_rows(app) == [(True, False, 1)]


async def test_a_redelivery_during_a_failing_keep_is_not_acknowledged_either(
    homeroom: Homeroom, outage: Outage
) -> None:
    """Two deliveries of one event at once: the second must not be acknowledged on the
    strength of the first's commit before that commit stands."""
    from bot.unavailable import Unavailable

    outage.down = True
    both = await asyncio.gather(
        homeroom.inbox.keep("slack", "EvTwice", "{}"),
        homeroom.inbox.keep("slack", "EvTwice", "{}"),
        return_exceptions=True,
    )
    assert [type(outcome) for outcome in both] == [Unavailable, Unavailable]
    outage.down = False
    assert await asyncio.gather(
        homeroom.inbox.keep("slack", "EvTwice", "{}"),
        homeroom.inbox.keep("slack", "EvTwice", "{}"),
    ) == [True, False]
