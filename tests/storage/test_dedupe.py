import pytest

from bot.app import Homeroom
from bot.dedupe import InboundDedupe


async def test_a_redelivery_is_caught_even_after_a_restart(homeroom: Homeroom) -> None:
    dedupe = homeroom.dedupe
    assert await dedupe.claim("slack", "Ev1")
    assert not await dedupe.claim("slack", "Ev1")
    assert await dedupe.claim("discord", "Ev1")  # IDs are per platform
    await dedupe.flush()

    restarted = InboundDedupe(homeroom.db.engine, homeroom.clock)
    assert await restarted.load_recent() == 2
    assert not await restarted.claim("slack", "Ev1")


async def test_ids_older_than_the_redelivery_window_are_forgotten(homeroom: Homeroom) -> None:
    await homeroom.dedupe.claim("slack", "old")
    await homeroom.dedupe.flush()
    homeroom.clock.advance(minutes=20)  # type: ignore[attr-defined]
    restarted = InboundDedupe(homeroom.db.engine, homeroom.clock)
    assert await restarted.load_recent() == 0


async def test_housekeeping_prunes_old_event_ids_and_sent_outbox_rows(homeroom: Homeroom) -> None:
    from sqlalchemy import func, select

    from bot.intents import Message, Post
    from bot.refs import ConversationRef
    from bot.storage.tables import outbox, processed_events
    from bot.testing import FakeAdapter

    homeroom.attach(FakeAdapter(clock=homeroom.clock))  # type: ignore[arg-type]
    await homeroom.start(timers=False)
    await homeroom.dedupe.claim("slack", "EvOld")
    homeroom.outbox.submit(
        [Post(to=ConversationRef("fake", "school", "c"), message=Message(text="hi"))]
    )
    await homeroom.outbox.idle()
    await homeroom.dedupe.flush()
    homeroom.clock.advance(days=3)  # type: ignore[attr-defined]
    assert await homeroom.tidy() == (1, 1)
    async with homeroom.db.engine.connect() as conn:
        left = [
            (await conn.execute(select(func.count()).select_from(t))).scalar()
            for t in (processed_events, outbox)
        ]
    assert left == [0, 0]


async def test_on_postgresql_two_replicas_agree_on_a_redelivery(homeroom: Homeroom) -> None:
    if homeroom.db.is_sqlite:
        pytest.skip("SQLite serves one process; replicas share PostgreSQL")
    other = Homeroom(homeroom.settings, clock=homeroom.clock)
    try:
        import asyncio

        first, second = await asyncio.gather(
            homeroom.dedupe.claim("slack", "EvBoth"), other.dedupe.claim("slack", "EvBoth")
        )
        assert sorted([first, second]) == [False, True]
    finally:
        await other.db.close()
