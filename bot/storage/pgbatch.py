"""PostgreSQL statements that write a whole batch in one statement, from arrays.

A group commit of N rows sent as `executemany` is N statements (asyncpg pipelines
them, but the server still plans and runs each one, and SQLAlchemy renders every row's
parameters on the event loop's thread); a multi-row `VALUES` is one statement whose SQL
text SQLAlchemy builds anew for every batch size. Here each column of the batch goes as
one array parameter and `unnest` turns the arrays back into rows: the SQL text is the
same for every batch (a `text()` compiled once, and prepared once per connection by
asyncpg), so a batch costs the loop one list per column and the server one statement.

Columns are kept as naive UTC, as `bot.storage.tables.UTCDateTime` stores them: `utc`
converts the batch's datetimes the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime


def utc(values: Sequence[datetime | None]) -> list[datetime | None]:
    """Aware datetimes as the naive UTC that `UTCDateTime` stores (None stays None)."""
    converted: list[datetime | None] = []
    last: datetime | None = None
    naive: datetime | None = None
    for value in values:
        if value is None:
            converted.append(None)
            continue
        if value is not last:  # a batch's rows usually share one `now`: convert it once
            if value.tzinfo is None:
                raise ValueError("naive datetimes are ambiguous; pass an aware one")
            last, naive = value, value.astimezone(UTC).replace(tzinfo=None)
        converted.append(naive)
    return converted
