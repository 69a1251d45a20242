import asyncio

from bot.app import Homeroom
from bot.dedupe import WINDOW, InboundDedupe


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


async def test_two_replicas_sharing_a_database_agree_on_a_redelivery(
    homeroom: Homeroom,
) -> None:
    """PostgreSQL is the store for replicas (a Homeroom there shares its dedupe at once);
    the same claim in the database holds on SQLite too, for two processes on one file."""
    other = Homeroom(homeroom.settings, clock=homeroom.clock)
    try:
        ours = InboundDedupe(homeroom.db.engine, homeroom.clock, shared=True)
        theirs = InboundDedupe(other.db.engine, homeroom.clock, shared=True)
        if not homeroom.db.is_sqlite:  # and there, that is how Homeroom builds them
            ours, theirs = homeroom.dedupe, other.dedupe
        for n in range(20):
            first, second = await asyncio.gather(
                ours.claim("slack", f"EvBoth{n}"), theirs.claim("slack", f"EvBoth{n}")
            )
            assert sorted([first, second]) == [False, True], n
        assert not await ours.claim("slack", "EvBoth0")
        assert not await theirs.claim("slack", "EvBoth0")
    finally:
        await other.db.close()


async def test_the_window_covers_slacks_last_retry_and_ends_at_its_boundary(
    homeroom: Homeroom,
) -> None:
    clock = homeroom.clock
    dedupe = homeroom.dedupe
    assert await dedupe.claim("slack", "Ev1")
    await dedupe.flush()
    # Slack retries at once, after 1 minute and after 5 (each after a 3 s timeout).
    for at in (3, 63, 5 * 60 + 9):
        clock.advance(at - (clock.monotonic()))  # type: ignore[attr-defined]
        assert not await dedupe.claim("slack", "Ev1"), at
        restarted = InboundDedupe(homeroom.db.engine, clock)
        await restarted.load_recent()
        assert not await restarted.claim("slack", "Ev1"), at  # across a restart too
    clock.advance(WINDOW.total_seconds() - clock.monotonic())  # type: ignore[attr-defined]
    assert not await dedupe.claim("slack", "Ev1")  # the window's last instant
    restarted = InboundDedupe(homeroom.db.engine, clock)
    assert await restarted.load_recent() == 1
    clock.advance(1)  # type: ignore[attr-defined]
    later = InboundDedupe(homeroom.db.engine, clock)
    assert await later.load_recent() == 0
    assert await dedupe.claim("slack", "Ev1")  # past it, the ID is new again
