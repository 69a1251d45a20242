"""The privacy promises across every feature, proven through the console adapter: after
an anonymous question, an anonymous vote and an anonymous suggestion, the member's ID
(on the console it is also their handle and display name) is in no database row, no
log line at any level, no message to anyone else, no App Home and no export, while what
they were promised (the answer to their question) still reached them."""

from __future__ import annotations

import dataclasses
import io
import logging
import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from adapters.console import ConsoleAdapter
from adapters.console.view import View
from bot.app import Homeroom
from bot.events import Actor, HomeOpened
from bot.intents import Intent, PublishHome
from bot.logs import _quiet_libraries
from bot.refs import ConversationRef, MemberRef
from bot.render import message_text

WHO = "lee"  # a console member: ID, handle and display name are all "lee"


@pytest_asyncio.fixture
async def console(homeroom: Homeroom) -> AsyncIterator[tuple[ConsoleAdapter, io.StringIO]]:
    out = io.StringIO()
    adapter = ConsoleAdapter(homeroom, View(out, rich=False))
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    yield adapter, out


async def typed(adapter: ConsoleAdapter, out: io.StringIO, *lines: str) -> str:
    out.seek(0)
    out.truncate()
    for line in lines:
        assert await adapter.handle_line(line)
    return out.getvalue()


async def test_anonymous_contributions_leave_no_trace_of_their_author(
    console: tuple[ConsoleAdapter, io.StringIO],
    homeroom: Homeroom,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(_quiet_libraries)
    adapter, out = console
    delivered: list[Intent] = []
    deliver = adapter.deliver

    async def recording(intent: Intent, *, key: str | None = None) -> str | None:
        delivered.append(intent)
        return await deliver(intent, key=key)

    adapter.deliver = recording  # type: ignore[method-assign]
    await typed(
        adapter,
        out,
        ":as dana",
        "/setup queue=#liaisons",
        "/role grant @sam liaison",
        "/route fallback @sam",
        '/poll create Rides? options="yes; no" anonymous=yes',
    )
    button = re.search(r"\[(\d+)\] 1\. yes", out.getvalue())
    assert button is not None
    shown = await typed(
        adapter,
        out,
        f":as {WHO}",
        "/ask My daughter is being bullied anonymous=yes",
        "/prompt suggest What helps on hard mornings? anonymous=yes",
        f":press {button.group(1)}",
    )
    assert "Thank you" in shown
    await typed(adapter, out, ":as sam", ":in liaisons", "/queue answer 1 Let's talk soon.")
    lee = MemberRef("console", "demo", WHO)
    # What lee was promised reached lee: the answer, by DM.
    assert any(
        getattr(i, "member", None) == lee and "Let's talk soon." in message_text(i.message)  # type: ignore[attr-defined]
        for i in delivered
    )
    await typed(adapter, out, ":as dana", "/prompt ideas", ":as lee", "/me export")
    # Every App Home, as the core builds it where a platform has one (the console has
    # none, so it is asked for as if it had).
    caps = homeroom.core.capabilities("console")
    homeroom.core.add_platform("console", dataclasses.replace(caps, home=True))
    homes = []
    for n, name in enumerate(("dana", "sam", "maria", WHO)):
        actor = Actor(MemberRef("console", "demo", name))
        where = ConversationRef("console", "demo", "home")
        [home] = await homeroom.core.dispatch(
            HomeOpened(
                event_id=f"home-{n}", at=homeroom.clock.now(), conversation=where, actor=actor
            )
        )
        assert isinstance(home, PublishHome)
        homes.append(message_text(home.message))

    tables = await _rows(homeroom)
    found = {name: n for name, n in tables.items() if n}
    # Only lee's own, named traces (the platform language noted from lee's events, the
    # export they asked for, by DM, already deleted once delivered) may name lee.
    assert found == {"member_locales": 1}
    assert WHO not in caplog.text.replace("lee@", "")  # no log line names lee
    to_others = [
        message_text(i.message)  # type: ignore[attr-defined]
        for i in delivered
        if hasattr(i, "message") and getattr(i, "member", None) != lee
    ]
    assert [t for t in to_others if re.search(rf"\b{WHO}\b", t)] == []
    assert [h for h in homes if re.search(rf"\b{WHO}\b", h)] == []
    async with homeroom.db.engine.connect() as conn:
        for name in ("dana", "sam", "maria"):
            exported = await homeroom.kernel.member_data.export(
                conn, MemberRef("console", "demo", name)
            )
            assert WHO not in repr(exported), name
        mine = await homeroom.kernel.member_data.export(conn, lee)
    # lee's own export holds none of the three: nothing links them to lee.
    assert "bullied" not in repr(mine) and "hard mornings" not in repr(mine)
    assert "Rides?" not in repr(mine)


async def _rows(homeroom: Homeroom) -> dict[str, int]:
    """Rows, by table, holding lee's ID anywhere."""
    from sqlalchemy import text

    from bot.storage.tables import metadata

    await homeroom.directory.flush()

    def read(conn):  # type: ignore[no-untyped-def]
        return {
            name: sum(
                1
                for row in conn.execute(text(f'SELECT * FROM "{name}"'))
                if re.search(rf"\b{WHO}\b", repr(tuple(row)))
            )
            for name in metadata.tables
        }

    async with homeroom.db.engine.connect() as conn:
        return await conn.run_sync(read)  # type: ignore[no-any-return]
