"""How a time is written on SQLite: `UTCDateTime`'s one-step processor writes exactly
the text SQLAlchemy's own steps wrote (naive UTC, then SQLite's DATETIME format), so
rows written before and after compare and sort alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import DateTime
from sqlalchemy.dialects import sqlite

from bot.storage.tables import UTCDateTime

TIMES = [
    datetime(2026, 11, 30, 23, 49, 18, tzinfo=UTC),  # no microseconds
    datetime(2026, 11, 30, 23, 49, 18, 7, tzinfo=UTC),
    datetime(2026, 3, 8, 1, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5))),
    datetime(2026, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC),
    datetime.min.replace(tzinfo=UTC),
]


@pytest.mark.parametrize("value", TIMES)
def test_a_time_is_written_as_sqlalchemy_wrote_it(value: datetime) -> None:
    dialect = sqlite.dialect()
    ours = UTCDateTime().bind_processor(dialect)
    two_steps = DateTime().dialect_impl(dialect).bind_processor(dialect)
    assert ours is not None and two_steps is not None
    naive = UTCDateTime().process_bind_param(value, dialect)
    assert ours(value) == two_steps(naive)
    assert ours(None) is None


def test_a_naive_time_is_still_refused() -> None:
    ours = UTCDateTime().bind_processor(sqlite.dialect())
    assert ours is not None
    with pytest.raises(ValueError, match="naive datetimes are ambiguous"):
        ours(datetime(2026, 1, 1))
