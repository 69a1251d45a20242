"""A failing statement's error never carries the values it was given: those are what
members wrote and who they are, and errors end up in log lines."""

import logging

import pytest
from sqlalchemy import text

from bot.storage.db import Database

WROTE = "My son struggles with reading, please keep this private"
MEMBER = "U0PRIVATE42"


async def test_a_failing_statement_logs_no_parameter_values(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    db = Database(database_url)
    try:
        with caplog.at_level(logging.INFO):  # DEBUG pins: tests/unit/test_logs.py
            try:
                async with db.engine.begin() as conn:
                    await conn.execute(
                        text("INSERT INTO no_such_table (member, body) VALUES (:member, :body)"),
                        {"member": MEMBER, "body": WROTE},
                    )
            except Exception:
                logging.getLogger("homeroom").exception("event=statement_failed")
    finally:
        await db.close()
    [_] = [r for r in caplog.records if r.getMessage() == "event=statement_failed"]
    assert "no_such_table" in caplog.text  # the statement itself is there to debug with
    assert WROTE not in caplog.text
    assert MEMBER not in caplog.text
