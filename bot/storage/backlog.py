"""Backpressure: intake waits while too many rows wait for the database.

Group commits (bot.storage.batcher) let a command be answered before its rows are
written. Nothing else would stop a fast sender: measured once, 5,000 commands left about
9,000 de-duplication and outbox rows queued in memory, work members were already told was
done, lost by a crash at that moment. So the batchers whose rows follow intake (inbound
IDs, outbox rows, inbox finishes, members' remembered locales) count every row from the
moment it is queued until its transaction commits, and intake (`Homeroom.handle`,
`Inbox.work`) first waits for `room`.

The cap counts rows queued plus `per_command` rows (an estimate: its ID, its answer, a
new member's locale) for each command admitted but not yet done dispatching (each adds
its rows as it finishes), so 2,000 commands arriving at once cannot all slip in under
the cap before any of them has queued a row. A command is admitted while its estimate
fits under the cap beside those counted, so the rows queued never pass the cap (they
can only for commands that write more than the estimate, a fan-out, or when the cap is
smaller than one command's rows: one command at a time is then let in).

Waiting commands are let in first come, first served, and only as many as there is room
for: when rows commit, the room they free is handed to the commands at the head of the
queue (each counted as admitted as it is woken), instead of waking every waiter to find
that a few fit (2,000 commands in flight at once woke each other about a thousand times
over).
"""

from __future__ import annotations

import asyncio
from collections import deque


class Backlog:
    """Rows queued for the database but not yet committed, against a cap."""

    def __init__(self, cap: int, *, per_command: int = 3) -> None:
        if cap < 1:
            raise ValueError("the cap on queued rows must be at least 1")
        self.cap = cap
        self.per_command = per_command
        self.queued = 0  # rows handed to a batcher, not yet committed (or failed)
        self.admitted = 0  # commands let in, still dispatching
        self.peak = 0  # the most rows ever queued at once
        self.waits = 0  # how many times intake had to wait for room
        self._waiting: deque[asyncio.Future[None]] = deque()  # first come, first in
        self._since_pass = 0  # rows queued since intake last let the loop turn
        self._pass_every = max(1, cap // 16)
        self._per_turn = max(1, self._pass_every // per_command)  # commands let through
        self._turns: deque[asyncio.Future[None]] = deque()  # waiting for a loop's turn
        self._empty = asyncio.Event()
        self._empty.set()

    def add(self, rows: int = 1) -> None:
        """`rows` more are queued for a group commit."""
        self.queued += rows
        self._since_pass += rows
        self.peak = max(self.peak, self.queued)
        self._empty.clear()

    def done(self, rows: int = 1) -> None:
        """`rows` are committed (or failed: either way they no longer wait in memory)."""
        self.queued -= rows
        if self.queued == 0:
            self._empty.set()
        self._let_in()

    def _has_room(self) -> bool:
        """Room for one more command's estimated rows within the cap (one command is
        let in when nothing waits, however small the cap, so intake never stalls)."""
        counted = self.queued + self.admitted * self.per_command
        return counted + self.per_command <= self.cap or counted == 0

    def _let_in(self) -> None:
        """Admit waiting commands, in order, while there is room for them."""
        while self._waiting and self._has_room():
            admission = self._waiting.popleft()
            if not admission.done():  # one cancelled while it waited is passed over
                self.admitted += 1
                admission.set_result(None)

    def room(self) -> Admission:
        """`async with backlog.room():` admits one command once the rows queued (and
        commands admitted) are under the cap, after those that came before it; it counts
        as admitted until the block ends, by when it has queued its rows."""
        return Admission(self)

    async def _enter(self) -> None:
        await self._passing()
        if not self._has_room():  # (room never stays free while some wait: `_let_in`)
            self.waits += 1
            admission = asyncio.get_running_loop().create_future()
            self._waiting.append(admission)
            try:
                await admission  # counted as admitted by `_let_in`
            except asyncio.CancelledError:
                if admission.done() and not admission.cancelled():
                    self.admitted -= 1  # let in, then cancelled before it ran
                    self._let_in()
                raise
        else:
            self.admitted += 1

    async def _passing(self) -> None:
        """Each sixteenth of the cap, intake lets the loop turn before it goes on, so
        the writer (bot.storage.writer) is handed what is queued, and its answers are
        read, while intake goes on. Otherwise it would get rows only once intake waits
        at the cap, and then write while intake waits: commands awaited one after
        another never let the loop turn, and a burst let in at once runs in one long
        turn of it. So commands come through a turn at a time, as many as a sixteenth
        of the cap holds, first come first through."""
        if not self._turns and self._since_pass < self._pass_every:
            return
        loop = asyncio.get_running_loop()
        turn = loop.create_future()
        if not self._turns:
            loop.call_soon(self._next_turn)
        self._turns.append(turn)
        await turn

    def _next_turn(self) -> None:
        """Let the next commands through (one turn of the loop's worth), and come back
        after the loop turned if more wait."""
        self._since_pass = 0
        through = 0
        while self._turns and through < self._per_turn:
            turn = self._turns.popleft()
            if not turn.done():  # one cancelled while it waited is passed over
                turn.set_result(None)
                through += 1
        if self._turns:
            asyncio.get_running_loop().call_soon(self._next_turn)

    def _leave(self) -> None:
        self.admitted -= 1
        self._let_in()

    async def committed(self) -> None:
        """Wait until no counted row is left uncommitted."""
        await self._empty.wait()


class Admission:
    """One command's stay in the backlog (a class, not a generator-based context
    manager: every command enters one; 3 µs a stay here against 7.5 µs)."""

    __slots__ = ("_backlog",)

    def __init__(self, backlog: Backlog) -> None:
        self._backlog = backlog

    async def __aenter__(self) -> None:
        await self._backlog._enter()

    async def __aexit__(self, *_: object) -> None:
        self._backlog._leave()
