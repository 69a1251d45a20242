"""One `homeroom run` per SQLite file.

Two processes on one SQLite file would each resume the other's outbox rows and send
them twice, and each run the other's timers. SQLite cannot say who else has the file
open, so the run holds an OS lock on `<database>.lock` beside it for the life of the
process: the OS releases it when the process ends, even by `kill -9`, so a crash never
leaves a stale lock. The file itself stays (removing it would let a third process lock
a file the second is about to replace); it holds the PID of the last holder, for the
message. PostgreSQL needs none of this: replicas share its database by design.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import IO

from bot.storage.db import DatabaseUnavailable

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(file: IO[str]) -> None:
        file.seek(0)
        msvcrt.locking(file.fileno(), msvcrt.LK_NBLCK, 1)  # raises OSError when held

else:
    import fcntl

    def _try_lock(file: IO[str]) -> None:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises OSError when held


class AlreadyRunning(DatabaseUnavailable):
    """Another process holds the database; the message is the line a person reads."""


class RunLock:
    """The lock on `<database>.lock`, taken by `acquire` and given back by `release`."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".lock")
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock, or raise AlreadyRunning naming the process that holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        file = self.path.open("a+", encoding="utf-8")
        try:
            _try_lock(file)
        except OSError:
            holder = _holder(file)
            file.close()
            who = f" (process {holder})" if holder else ""
            raise AlreadyRunning(
                f"Homeroom is already running on this database{who}; stop it first"
            ) from None
        file.seek(0)
        file.truncate()
        file.write(f"{os.getpid()}\n")
        file.flush()
        self._file = file

    def release(self) -> None:
        """Give the lock back (closing the file releases it)."""
        if self._file is not None:
            self._file.close()
            self._file = None


def _holder(file: IO[str]) -> str:
    """The PID the holder wrote, or "" (not written yet, or unreadable while locked)."""
    with contextlib.suppress(OSError):
        file.seek(0)
        text = file.read().strip()
        return text if text.isdigit() else ""
    return ""
