"""On PostgreSQL each group commit writes its batch in one statement (bot.storage.pgbatch):
counted with a listener on the engine, exactly."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot import lanes
from bot.app import Homeroom
from bot.dedupe import mark_handled
from bot.intents import Ephemeral, Message, intent_from_json
from bot.outbox import _Mark
from bot.refs import ConversationRef, MemberRef
from bot.storage.batcher import WINDOW, Batcher
from bot.storage.tables import member_locales, outbox, outbox_lanes, processed_events


@pytest.fixture
def backend() -> str:
    """These count PostgreSQL's statements (SQLite writes on its own thread)."""
    return "postgres"


@contextmanager
def statements(app: Homeroom) -> Iterator[Counter[str]]:
    """Statements run meanwhile, by their first two words and table (an executemany
    counts once per row: asyncpg sends one statement per row)."""
    counted: Counter[str] = Counter()

    def count(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        words = sql.split()
        verb = words[0].upper()
        if verb in ("BEGIN", "COMMIT", "ROLLBACK", "SELECT"):
            return
        table = words[2] if verb in ("INSERT", "DELETE") else words[1]
        counted[f"{verb} {table}"] += len(params) if many else 1

    engine = app.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counted
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_fifty_claims_are_one_statement_and_tell_new_from_seen(homeroom: Homeroom) -> None:
    dedupe = homeroom.dedupe
    with statements(homeroom) as counted:
        first = await asyncio.gather(*(dedupe.claim("slack", f"Ev{n}") for n in range(50)))
    assert first == [True] * 50
    assert counted == Counter({"INSERT processed_events": 1})

    # Another replica (no memory of these) claims 10 of them and 40 new: the database
    # tells which, in one statement.
    other = Homeroom(homeroom.settings, clock=homeroom.clock)
    try:
        with statements(other) as counted:
            ids = [f"Ev{n}" for n in range(40, 90)]
            second = await asyncio.gather(*(other.dedupe.claim("slack", i) for i in ids))
        assert second == [False] * 10 + [True] * 40
        assert counted == Counter({"INSERT processed_events": 1})
    finally:
        await other.db.close()
    async with homeroom.db.engine.connect() as conn:
        stored = (await conn.execute(select(processed_events.c.event_id))).scalars().all()
    assert sorted(stored, key=lambda e: int(e[2:])) == [f"Ev{n}" for n in range(90)]


async def test_a_handled_id_past_the_window_is_claimed_anew_and_one_within_it_is_not(
    homeroom: Homeroom,
) -> None:
    dedupe = homeroom.dedupe
    assert await asyncio.gather(dedupe.claim("slack", "old"), dedupe.claim("slack", "new"))
    homeroom.clock.advance(minutes=10)  # type: ignore[attr-defined]
    async with homeroom.db.engine.begin() as conn:  # "old" was received 20 minutes ago
        await conn.execute(
            update(processed_events)
            .where(processed_events.c.event_id == "old")
            .values(received_at=homeroom.clock.now() - timedelta(minutes=20))
        )
    other = Homeroom(homeroom.settings, clock=homeroom.clock)  # a replica: no memory
    try:
        taken = await asyncio.gather(
            other.dedupe.claim("slack", "old"), other.dedupe.claim("slack", "new")
        )
    finally:
        await other.db.close()
    assert taken == [True, False]


async def test_the_same_id_twice_in_one_batch_is_new_once(homeroom: Homeroom) -> None:
    at = homeroom.clock.now()
    rows = [("slack", "Twice", at), ("slack", "Other", at), ("slack", "Twice", at)]
    async with homeroom.db.engine.begin() as conn:
        taken = await homeroom.dedupe._write_claims(conn, rows)
    assert taken == [True, True, False]


async def test_fifty_members_locales_are_one_statement(homeroom: Homeroom) -> None:
    directory = homeroom.directory
    members = [MemberRef("fake", "school", f"m{n}") for n in range(50)]
    for member in members:  # cached first, so that only the locales are written below
        await directory.profile(member)
    await directory.flush()
    with statements(homeroom) as counted:
        for n, member in enumerate(members):
            await directory.remember_locale(member, "es" if n % 2 else "en")
        await directory.flush()
    assert counted == Counter({"INSERT member_locales": 1})
    with statements(homeroom) as counted:
        await directory.remember_locale(members[0], "fr")  # a change, and a change back:
        await directory.remember_locale(members[0], "en")  # the last word counts
        await directory.remember_locale(members[1], "pt")
        await directory.flush()
    assert counted == Counter({"INSERT member_locales": 1})
    async with homeroom.db.engine.connect() as conn:
        rows = (await conn.execute(select(member_locales.c.user_id, member_locales.c.locale))).all()
    expected = {f"m{n}": "es" if n % 2 else "en" for n in range(50)} | {"m1": "pt"}
    assert dict(rows) == expected


async def test_fifty_rows_in_flight_and_their_outcomes_are_one_statement_each(
    homeroom: Homeroom,
) -> None:
    app = homeroom
    intents = [
        Ephemeral(
            to=ConversationRef("fake", "school", "parents"),
            member=MemberRef("fake", "school", f"m{n}"),
            message=Message(text=f"hi {n}"),
        )
        for n in range(50)
    ]
    async with app.db.engine.begin() as conn:
        items = await app.outbox.stage(conn, intents)
    ids = [item.id for item in items]
    now = app.clock.now()
    later = now + timedelta(seconds=30)
    marks = [
        _Mark(i.id, i.intent, 1, "sent", now, delivered_id=f"D{n}")
        if n % 5
        else _Mark(i.id, i.intent, 2, "pending", now, next_attempt_at=later, last_error="503")
        for n, i in enumerate(items)
    ]
    with statements(app) as counted:
        async with app.db.engine.begin() as conn:
            await app.outbox._record(conn, list(reversed(ids)))
    assert counted == Counter({"UPDATE outbox": 1})
    with statements(app) as counted:
        async with app.db.engine.begin() as conn:
            await app.outbox._record(conn, list(reversed(marks)))
    # and the lanes left empty let go (bot.lanes), in one statement too
    assert counted == Counter({"UPDATE outbox": 1, "DELETE outbox_lanes": 1})
    c = outbox.c
    async with app.db.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(
                    c.id,
                    c.status,
                    c.attempts,
                    c.sent_at,
                    c.delivered_id,
                    c.next_attempt_at,
                    c.last_error,
                    c.sending_since,
                ).order_by(c.id)
            )
        ).all()
    expected = [
        (row_id, "sent", 1, now, f"D{n}", now, None, now)
        if n % 5
        else (row_id, "pending", 2, None, None, later, "503", now)
        for n, row_id in enumerate(ids)
    ]
    assert [tuple(r) for r in rows] == expected


async def test_fifty_kept_events_are_one_statement_and_a_redelivery_is_told(
    homeroom: Homeroom,
) -> None:
    dedupe = homeroom.dedupe
    with statements(homeroom) as counted:
        kept = await asyncio.gather(
            *(dedupe.keep("slack", f"Ev{n}", f'{{"n": {n}}}') for n in range(50))
        )
    assert kept == [True] * 50
    assert counted == Counter({"INSERT processed_events": 1})
    other = Homeroom(homeroom.settings, clock=homeroom.clock)  # a replica: no memory
    try:
        again = await asyncio.gather(
            *(other.dedupe.keep("slack", f"Ev{n}", "{}") for n in range(45, 55))
        )
    finally:
        await other.db.close()
    assert again == [False] * 5 + [True] * 5
    c = processed_events.c
    async with homeroom.db.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(c.event_id, c.payload, c.handled_at, c.attempts).where(
                    c.event_id.in_(["Ev7", "Ev49", "Ev50"])
                )
            )
        ).all()
    assert sorted(tuple(r) for r in rows) == [
        ("Ev49", '{"n": 49}', None, 1),
        ("Ev50", "{}", None, 1),
        ("Ev7", '{"n": 7}', None, 1),
    ]


async def test_a_single_statement_batch_runs_in_autocommit_and_an_eager_one_never_lingers(
    homeroom: Homeroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`single`: no BEGIN or COMMIT round trips (the statement is atomic by itself);
    `eager`: a batch that finds the batcher idle goes without the group-commit window."""
    lingered: list[float] = []
    clock = homeroom.clock

    async def linger(seconds: float) -> None:
        lingered.append(seconds)

    monkeypatch.setattr(clock, "linger", linger)

    async def isolation(conn: AsyncConnection, items: Sequence[int]) -> list[bool]:
        """Whether the server holds a transaction open for this batch (asyncpg's word)."""
        await conn.execute(select(1))  # the driver begins (or not) with the first statement
        raw = await conn.get_raw_connection()
        return [raw.driver_connection.is_in_transaction()] * len(items)  # type: ignore[union-attr]

    engine = homeroom.db.engine
    single = Batcher(engine, isolation, "single", clock, eager=True, single=True)
    plain = Batcher(engine, isolation, "plain", clock)
    assert await asyncio.gather(single.write(1), single.write(2)) == [False, False]
    assert lingered == []
    assert await plain.write(3) is True
    assert lingered == [WINDOW]


async def test_fifty_outbox_rows_are_one_insert_with_their_ids_in_order(
    homeroom: Homeroom,
) -> None:
    intents = [
        Ephemeral(
            to=ConversationRef("fake", "school", "parents"),
            member=MemberRef("fake", "school", f"m{n % 7}"),
            message=Message(text=f"hi {n}"),
        )
        for n in range(50)
    ]
    with statements(homeroom) as counted:
        async with homeroom.db.engine.begin() as conn:
            items = await homeroom.outbox.stage(conn, intents)
    # the rows and the lanes they are leased in (bot.lanes), one statement each
    assert counted == Counter({"INSERT outbox": 1, "INSERT outbox_lanes": 1})
    async with homeroom.db.engine.connect() as conn:
        rows = (await conn.execute(select(outbox.c.id, outbox.c.payload))).all()
    stored = {row_id: payload for row_id, payload in rows}
    assert [item.intent for item in items] == intents
    assert [intent_from_json(stored[item.id]) for item in items] == intents
    assert [item.id for item in items] == sorted(stored)


async def test_fifty_handled_events_are_one_statement(homeroom: Homeroom) -> None:
    dedupe = homeroom.dedupe
    assert await asyncio.gather(*(dedupe.keep("slack", f"Ev{n}", "{}") for n in range(60)))
    keys = [("slack", f"Ev{n}") for n in reversed(range(50))]
    with statements(homeroom) as counted:
        async with homeroom.db.engine.begin() as conn:
            await mark_handled(conn, keys, homeroom.clock.now())
    assert counted == Counter({"UPDATE processed_events": 1})
    c = processed_events.c
    async with homeroom.db.engine.connect() as conn:
        rows = (await conn.execute(select(c.event_id, c.payload, c.handled_at))).all()
    now = homeroom.clock.now()
    assert sorted((int(e[2:]), p, h) for e, p, h in rows) == [
        (n, None, now) if n < 50 else (n, "{}", None) for n in range(60)
    ]


async def test_outcomes_lock_their_lanes_before_rows_so_a_lease_renewal_never_deadlocks(
    homeroom: Homeroom,
) -> None:
    """The renewal locks lanes, then rows; recording an outcome updates the row, then
    lets its lane go. Were the row locked first, the two would wait for each other."""
    app = homeroom
    intent = Ephemeral(
        to=ConversationRef("fake", "school", "parents"),
        member=MemberRef("fake", "school", "m1"),
        message=Message(text="hi"),
    )
    async with app.db.engine.begin() as conn:
        (item,) = await app.outbox.stage(conn, [intent])
    until = app.clock.now() + timedelta(minutes=1)
    mark = _Mark(item.id, intent, 1, "sent", app.clock.now(), delivered_id="D1")
    async with app.db.engine.begin() as renewal:
        await lanes.renew(renewal, app.outbox.owner, until)  # the lane, locked

        async def record() -> None:
            async with app.db.engine.begin() as conn:
                await app.outbox._record(conn, [mark])

        recording = asyncio.ensure_future(record())
        async with app.db.engine.connect() as watch:  # until the outcome waits on a lock
            waiting = text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            # Each look in a transaction of its own: PostgreSQL shows one transaction the
            # same snapshot of pg_stat_activity throughout, so a look taken before the
            # outcome began to wait would be seen again forever (the test hung so).
            deadline = asyncio.get_running_loop().time() + 30
            while not (await watch.execute(waiting)).scalar():
                await watch.rollback()
                assert not recording.done()
                assert asyncio.get_running_loop().time() < deadline, "the outcome never waited"
                await asyncio.sleep(0.01)
        await renewal.execute(  # the renewal's rows, as `renew_leases` locks them
            update(outbox)
            .where(
                outbox.c.id.in_(
                    select(outbox.c.id)
                    .where(outbox.c.lease_owner == app.outbox.owner)
                    .order_by(outbox.c.id)
                    .with_for_update()
                )
            )
            .values(lease_until=until)
        )
    await recording
    async with app.db.engine.connect() as conn:
        status = (await conn.execute(select(outbox.c.status))).scalars().all()
        held = (await conn.execute(select(outbox_lanes.c.lane))).scalars().all()
    assert (status, held) == (["sent"], [])
