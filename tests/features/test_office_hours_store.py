"""The office-hours store on both databases: what `hours set`, `away until` and `away
end` write is what `hours_of` and `away_of` read back, in UTC, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.features.office_hours import store
from bot.features.office_hours.calendar import Away, OfficeHours
from bot.testing import TestBot


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


async def test_what_the_commands_write_reads_back_the_same(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom role grant @sam liaison")
    await bot.say("sam", "/homeroom hours set tue-thu 07:45 12:15 timezone=Europe/Madrid")
    await bot.say("sam", "/homeroom hours set mon-fri 08:00 15:30 timezone=America/Chicago")
    await bot.say("sam", "/homeroom away until 2026-09-21 from=2026-09-14 backup=@dana")
    await bot.say("sam", "/homeroom away until 2026-09-10")
    cid = (await bot.app.directory.community(bot.member("sam").community_ref)).id
    now = bot.app.clock.now()
    async with bot.app.db.engine.connect() as conn:
        hours = await store.hours_of(conn, cid, "sam")
        away = await store.away_of(conn, cid, "sam", now=now)
        nobody = await store.hours_of(conn, cid, "lee"), await store.away_of(conn, cid, "lee")
    assert hours == OfficeHours(frozenset(range(5)), time(8), time(15, 30), "America/Chicago")
    assert away == [
        Away(now, utc(2026, 9, 10, 5)),  # midnight in Chicago, where Sam works
        Away(utc(2026, 9, 14, 5), utc(2026, 9, 21, 5), "dana"),
    ]
    assert all(a.starts.tzinfo is UTC and a.until.tzinfo is UTC for a in away)
    assert nobody == (None, [])
    # Over at `now`, it is no longer current or future; without `now`, it is still kept.
    bot.app.clock.advance(days=4)  # type: ignore[attr-defined]
    async with bot.app.db.engine.connect() as conn:
        assert len(await store.away_of(conn, cid, "sam", now=bot.app.clock.now())) == 1
        assert len(await store.away_of(conn, cid, "sam")) == 2
    await bot.say("sam", "/homeroom away end")  # calls off the plan for the 14th
    async with bot.app.db.engine.connect() as conn:
        assert await store.away_of(conn, cid, "sam") == [Away(now, utc(2026, 9, 10, 5))]
