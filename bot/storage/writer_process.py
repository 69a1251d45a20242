"""SQLite's writer process: group commits on a core of their own.

Started by bot.storage.writer as `python -S bot/storage/writer_process.py DATABASE`, with
the parent's package folder on PYTHONPATH, so it loads the standard library and
bot.storage.sqlite_steps alone (no SQLAlchemy: about 30 ms and 14 MB). It reads
plans from stdin and answers each on stdout, one frame each way per transaction: a
4-byte big-endian length, then a pickle. A plan frame is a list of plans (each a list
of steps, or None); the answer is `(outcomes, committed)` with each error given as
`(module, class name, message)` (SQLite's messages name tables and constraints, never a
row's values), which the parent raises again as SQLAlchemy would have wrapped it.

It has no signal handlers of its own and ignores Ctrl-C (its own session): it stops
when its stdin closes, after answering what it was given. The parent's death closes
stdin too, so it never outlives the bot by more than its last transaction.
"""

from __future__ import annotations

import builtins
import pickle
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO

from bot.storage.sqlite_steps import PRAGMAS, commit_all


class _Connection:
    """The standard library's connection as a Runner (bot.storage.sqlite_steps)."""

    def __init__(self, path: str) -> None:
        # Autocommit at the driver: BEGIN and COMMIT are this class's to say.
        self.raw = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in PRAGMAS:
            self.raw.execute(pragma)

    def run(self, sql: str, params: Any) -> list[Any]:
        return self.raw.execute(sql, tuple(params)).fetchall()

    def run_many(self, sql: str, rows: Any) -> None:
        self.raw.executemany(sql, rows)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN ... COMMIT, rolled back when anything fails, the COMMIT too (unless
        SQLite rolled back already, as after a full disk: its error is the one said)."""
        self.raw.execute("BEGIN")
        try:
            yield
            self.raw.execute("COMMIT")
        except BaseException:
            if self.raw.in_transaction:
                self.raw.execute("ROLLBACK")
            raise


def portable(error: BaseException) -> tuple[str, str, str]:
    """An error as (module, class name, message), to raise again in the parent."""
    kind = type(error)
    if isinstance(error, sqlite3.Error) and getattr(sqlite3, kind.__name__, None) is kind:
        return "sqlite3", kind.__name__, str(error)
    if getattr(builtins, kind.__name__, None) is kind:
        return "builtins", kind.__name__, str(error)
    return "builtins", "RuntimeError", f"{kind.__name__}: {error}"


def serve(path: str, source: BinaryIO, sink: BinaryIO) -> None:
    """Answer each frame of plans until `source` ends."""
    connection: _Connection | None = None
    while len(head := source.read(4)) == 4:
        plans = pickle.loads(source.read(int.from_bytes(head, "big")))
        try:
            if connection is None:
                connection = _Connection(path)
            outcomes, committed = commit_all(connection.transaction, connection, plans)
        except Exception as error:  # could not open the database: every plan fails
            outcomes, committed = [(False, error) for _ in plans], False
        answer = pickle.dumps(
            ([o if o[0] else (False, portable(o[1])) for o in outcomes], committed),
            protocol=pickle.HIGHEST_PROTOCOL,
        )
        sink.write(len(answer).to_bytes(4, "big") + answer)
        sink.flush()
    if connection is not None:
        connection.raw.close()


if __name__ == "__main__":
    serve(sys.argv[1], sys.stdin.buffer, sys.stdout.buffer)
