"""Many rows in one statement, their IDs in order (bot.storage.bulk)."""

from __future__ import annotations

from sqlalchemy import delete, event, select

from bot.app import Homeroom
from bot.storage.bulk import insert_with_ids
from bot.storage.tables import outbox


def row(n: int, now: object) -> dict[str, object]:
    return {
        "platform": "fake",
        "lane": "l",
        "payload": f"p{n}",
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


async def test_rows_get_their_own_ids_in_order_from_one_statement(homeroom: Homeroom) -> None:
    now = homeroom.clock.now()
    engine = homeroom.db.engine
    async with engine.begin() as conn:
        first = await insert_with_ids(conn, outbox, [row(n, now) for n in range(5)])
        await conn.execute(delete(outbox).where(outbox.c.id.in_([first[1], first[4]])))
    inserts: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            inserts.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        async with engine.begin() as conn:
            ids = await insert_with_ids(conn, outbox, [row(n, now) for n in range(100, 350)])
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
    assert len(inserts) == 1  # the batch in one statement, not one per row
    async with engine.connect() as conn:
        stored = dict((await conn.execute(select(outbox.c.id, outbox.c.payload))).all())
    assert [stored[i] for i in ids] == [f"p{n}" for n in range(100, 350)]
    assert len(set(ids) | set(first) - {first[1], first[4]}) == 253
    async with engine.begin() as conn:
        assert await insert_with_ids(conn, outbox, []) == []
