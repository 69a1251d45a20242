"""1,000 groups with a prompt due at the same moment.

Prints how long after the due time each prompt was handed to the outbox (claimed and
staged in one transaction), whether any was dropped, and how fast the outbox then
delivered through a simulated platform limit (100 messages a second overall, one a
second per channel): the achieved rate against the allowed one, and the number of sends
that went over the limit in any one-second window.
Run: .venv/bin/python -m bench.fanout
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from bot.app import Homeroom
from bot.capabilities import RateLimits
from bot.commands import parse_time
from bot.refs import ConversationRef, MemberRef
from bot.storage.tables import postings, schedules, timers
from bot.testing import FakeAdapter, test_settings

GROUPS = 1000
LIMITS = RateLimits(per_channel=1.0, per_channel_burst=1, overall=100.0, overall_burst=100)


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = Homeroom(test_settings(f"sqlite+aiosqlite:///{Path(folder) / 'fanout.db'}"))
        adapter = FakeAdapter(limits=LIMITS, platform="fake", clock=app.clock)
        app.attach(adapter)
        await app.start(timers=False)
        await app.directory.community(ConversationRef("fake", "district", "x").community_ref)
        at = parse_time("19:00")
        assert at is not None
        for n in range(GROUPS):
            await app.scheduler.create(
                channel=ConversationRef("fake", "district", f"group{n:04}"),
                series_id="starting-the-year",
                weekday=0,
                at=at,
                timezone="America/New_York",
                start=app.clock.now().date(),
                end=None,
                skips=frozenset(),
                after_break="shift",
                created_by=MemberRef("fake", "district", "organizer"),
            )
        due = app.clock.now() + timedelta(seconds=2)
        async with app.db.engine.begin() as conn:  # every group due at the same instant
            await conn.execute(update(schedules).values(next_due=due))
            await conn.execute(update(timers).values(due_at=due))
        # What the timer loop does: sleep until the soonest due time, then one pass.
        await asyncio.sleep((due - app.clock.now()).total_seconds())
        await app.timers.run_due()
        await app.outbox.idle()
        async with app.db.engine.connect() as conn:
            claimed = (await conn.execute(select(postings.c.at, postings.c.outcome))).all()
        await app.stop()
    lags = sorted((at - due).total_seconds() for at, _ in claimed)
    posted = sum(1 for _, outcome in claimed if outcome == "posted")
    times = adapter.sent_at
    elapsed = times[-1] - times[0]
    rate = (len(times) - 1) / elapsed
    over = max(sum(1 for u in times[i:] if u < t + 1.0) for i, t in enumerate(times)) - int(
        LIMITS.overall_burst + LIMITS.overall
    )
    print(f"{GROUPS} groups due at one instant:")
    print(
        f"  handed to the outbox: {posted} of {GROUPS} (dropped: {GROUPS - posted}); "
        f"after the due time: p50 {lags[len(lags) // 2]:.2f} s, max {lags[-1]:.2f} s"
    )
    print(
        f"  delivered {len(times)} at {rate:.1f}/s against an allowed {LIMITS.overall:.0f}/s "
        f"({rate / LIMITS.overall:.0%}); sends over the limit in any 1 s window: {max(0, over)}"
    )


if __name__ == "__main__":
    started = time.perf_counter()
    asyncio.run(main())
    print(f"  (whole run {time.perf_counter() - started:.1f} s)")
