from bot.app import Homeroom
from bot.dedupe import InboundDedupe


async def test_a_redelivery_is_caught_even_after_a_restart(homeroom: Homeroom) -> None:
    dedupe = homeroom.dedupe
    assert dedupe.claim("slack", "Ev1")
    assert not dedupe.claim("slack", "Ev1")
    assert dedupe.claim("discord", "Ev1")  # IDs are per platform
    await dedupe.flush()

    restarted = InboundDedupe(homeroom.db.engine, homeroom.clock)
    assert await restarted.load_recent() == 2
    assert not restarted.claim("slack", "Ev1")


async def test_ids_older_than_the_redelivery_window_are_forgotten(homeroom: Homeroom) -> None:
    homeroom.dedupe.claim("slack", "old")
    await homeroom.dedupe.flush()
    homeroom.clock.advance(minutes=20)  # type: ignore[attr-defined]
    restarted = InboundDedupe(homeroom.db.engine, homeroom.clock)
    assert await restarted.load_recent() == 0
