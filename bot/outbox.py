"""Every outbound intent is persisted, then delivered at the pace the platform allows.

Order of events for one intent (one outbox row):

1. `submit` queues it and a group commit writes it to the `outbox` table (or `stage`
   writes it in the caller's transaction, and `release` hands it over after the commit).
2. When its lane's head may go, its `sending_since` is committed first, in one group
   commit with the other rows starting together (at most the concurrency cap of them,
   and shared with the outcomes of step 4); only then does it take its pacing tokens.
3. The adapter delivers it with `key="hr<row id>"`, stable across retries and restarts,
   right after the tokens (no write between them, so a slow commit never bunches sends
   past the platform's limits).
4. The platform's answer is kept on the item, and recorded in one transaction that marks
   the row (sent, retry later, failed) and, for a sent row, runs the receipts
   (`add_receipt`) and stages the follow-up intents they return. If the database refuses
   that write (a blip), the answer stays in memory and the write is retried with backoff
   on the clock until the database takes it: the lane waits meanwhile, and nothing is
   sent again. Only a stop gives up on it, leaving the row to step 6.
5. After the commit the follow-ups are released, and the lane's next row may go.
6. A crash or stop at any point resumes from the table, and nothing marked sent is sent
   again. A row still pending with `sending_since` set was in flight when the run ended
   (a kill between the platform's answer and step 4's commit): on resume, an adapter
   that implements `find_delivered` is asked first, and a row it finds is recorded as
   sent (its receipts run) without sending; otherwise it is sent again with the same
   key, which a platform that honours it (Discord's nonce) drops as a repeat, and one
   that does not may show twice. Only such rows are checked, never the whole table.

Leases: a pending row names the process that may send it (`lease_owner`, made at start)
and until when (`lease_until`). Rows a process writes are leased to it at once; it renews
its leases well before they run out (one UPDATE every LEASE/3), and at start and every
LEASE takes only rows with no live lease: those a stopped process released, or whose
process died (its lease ran out). So a second process started while the first still
sends (a deploy) sends none of the first's rows while it lives. A clean stop releases
this process's leases on the rows it did not send, for the next process to take at once.

Replicas (PostgreSQL): one replica at a time owns a lane, by a lease of its own
(bot.lanes), and a row written into a lane another live replica owns is left unleased
for that one's claim pass (`reclaiming`, every `claim_every`). A reply's handle
(response_url, interaction token) is stored on its row by the receiver and handed to
whichever replica's adapter sends it (`ReplyHandles`). Each replica paces the
platforms' overall limits at its share, and shares a platform-wide 429 (bot.budget).

Edits (`Update`): each edited message is a lane of its own, paced at the platform's
edit rate (`RateLimits.per_message_edit`, and `edits` shared per channel or community),
so they never hold back a channel's posts. A new edit of a message replaces the edits of
it still waiting (`_replace_older`): only the newest, which carries the whole content,
is sent, and the others are marked `replaced`.

Pacing: one token bucket per channel ("lane") and one per platform, from the limits the
adapter declares. A 429 pauses what its scope says (see `RetryAfter`) for exactly its
Retry-After: the lane; or every lane of that community in the same class (shared posts
or private answers); or every lane of the platform, both classes. Nothing held by a
pause starts before it ends (sends already under way finish). Other
errors back off exponentially; after MAX_ATTEMPTS the row is marked failed and logged
at ERROR with its IDs, never dropped silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import secrets
import socket
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import bindparam, delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot import lanes
from bot.budget import BEAT, Budget
from bot.capabilities import Capabilities, RateLimits
from bot.clock import Clock, sleep_unless_woken
from bot.delivery import Deliverer, PermanentFailure, ReplyHandles, RetryAfter
from bot.dm_gate import Verdict, unasked
from bot.intents import (
    DirectMessage,
    Intent,
    StoredTag,
    Tag,
    community_of,
    intent_from_json,
    intent_to_json,
    is_edit,
    is_private,
    keeps_copy,
    lane_of,
    platform_of,
    same_tag,
    tag_kind,
)
from bot.pacing import TokenBucket
from bot.storage.backlog import Backlog
from bot.storage.batcher import Batcher
from bot.storage.bulk import ids_step, insert_with_ids
from bot.storage.pgbatch import utc
from bot.storage.sqlite_steps import Step
from bot.storage.tables import outbox
from bot.storage.writer import Plan, UpdateFromValues, among
from bot.unavailable import is_transient

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
MAX_BACKOFF = 300.0
# How often `settled` looks whether delivery waits only for time (real seconds).
SETTLE_CHECK = 0.02
KEEP_SENT = timedelta(days=2)
LEASE = 60.0  # seconds a process holds its pending rows without renewing
RENEW_EVERY = LEASE / 3  # a renewal that fails once still leaves a third of the lease
# How often `homeroom run` on PostgreSQL looks for rows written by other replicas into
# lanes it owns (their writer could not send them: bot.lanes).
CLAIM_EVERY = 1.0


# A row to write: platform, lane, the intent as JSON, and its reply handle with its expiry.
_Row = tuple[str, str, str, tuple[str, datetime] | None]

# What a receipt is given once a row is delivered: the transaction that marks it sent,
# the intent and the platform's ID for it. It returns follow-up intents, staged in the
# same transaction (see `Outbox.add_receipt`).
Receipt = Callable[[AsyncConnection, Intent, str | None], Awaitable[Sequence[Intent]]]
# A feature's receipt for intents carrying its tag: (conn, intent, tag, delivered_id).
TaggedReceipt = Callable[[AsyncConnection, Intent, Any, str | None], Awaitable[Sequence[Intent]]]


@dataclass(slots=True)
class _Item:
    id: int
    intent: Intent
    attempts: int = 0
    not_before: float = 0.0
    in_flight: bool = False  # its `sending_since` is committed
    check: bool = False  # in flight when a previous run ended: ask the platform first
    outcome: _Mark | None = None  # the platform's answer, kept until it is recorded
    # The handle a reply goes through (Slack's response_url, a Discord interaction
    # token) and until when it lives, as stored on the row by the process that received
    # the request: whichever process sends the row answers through it.
    reply: tuple[str, datetime] | None = None
    # Leased to this process when written (False: its lane belongs to another replica,
    # which sends it: bot.lanes).
    mine: bool = True


# What `stage` returns and `release` takes: rows written in a caller's transaction.
Staged = _Item


@dataclass(slots=True)
class _Mark:
    """A delivery's outcome, as it will be recorded."""

    row_id: int
    intent: Intent
    attempts: int
    status: str  # sent, pending (retry later), failed, or replaced (by a newer edit)
    now: datetime
    delivered_id: str | None = None
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    had_reply: bool = False  # its reply handle is cleared once it is settled

    @property
    def settled(self) -> bool:
        return self.status != "pending"


@dataclass(slots=True)
class _Lane:
    key: str
    platform: str
    community: str
    private: bool
    bucket: TokenBucket
    queue: deque[_Item] = field(default_factory=deque)
    busy: bool = False
    slot: bool = False  # its send holds one of its class's `concurrency` slots
    # An edit lane's share of the platform's edit rate (per channel or per community).
    shared: TokenBucket | None = None


class Outbox:
    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        *,
        concurrency: int = 32,
        write_turn: asyncio.Lock | None = None,
        backlog: Backlog | None = None,
    ) -> None:
        self._engine = engine
        self._clock = clock
        # This process among all that share the table: its leases carry this name.
        self.owner = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"
        # True when this process is known to be the only one (`homeroom run` holds the
        # SQLite file's run lock): the rows a killed run left leased are its to take at
        # once, instead of a minute later when their lease runs out.
        self.alone = False
        # Seconds between passes that take over rows no live process holds (`reclaiming`):
        # a dead process's, and on PostgreSQL those other replicas wrote into our lanes.
        self.claim_every = LEASE
        # One of several replicas on PostgreSQL (`share`): the platforms' overall limits
        # are paced at this replica's share, and a platform-wide 429 pauses them all.
        self.replicated = False
        self.budget = Budget(engine, clock, self.owner)
        self._telling: set[asyncio.Task[None]] = set()  # pauses being written for the others
        self._leasing = 0  # lease queries under way (work that `asleep` waits for)
        self._write_turn = write_turn
        self._concurrency = concurrency
        self._deliverers: dict[str, Deliverer] = {}
        self._handles: dict[str, ReplyHandles | None] = {}  # the deliverers that keep some
        self._overall: dict[tuple[str, bool], TokenBucket] = {}  # (platform, private)
        # (platform, community, private): made at a community's first 429, to pause it and
        # then let it start again from one message at the platform's rate (not a burst
        # that earns the next 429). Same rate and burst as the platform's: once refilled
        # it holds nothing back. One per community ever limited: a few, kept.
        self._community: dict[tuple[str, str, bool], TokenBucket] = {}
        self._lanes: dict[str, _Lane] = {}
        # (platform, community, channel or ""): the edit rate every message's edit lane
        # there shares (see `RateLimits.edits_shared_by`).
        self._edits: dict[tuple[str, str, str], TokenBucket] = {}
        self.replaced_count = 0
        # Lanes with work and nothing in flight, in turn (the number each came in at):
        # private answers and shared posts apart, as their sends count against
        # `concurrency` apart.
        self._ready: dict[bool, dict[str, int]] = {True: {}, False: {}}
        self._turns = itertools.count()
        self._in_flight: set[asyncio.Task[None]] = set()  # sends under way
        self._writing = 0  # sends under way that wait for a write of theirs to commit
        # Sends under way per class (private answers, shared posts): each class has its
        # own `concurrency` slots, so a fan-out never makes a member's answer wait.
        self._busy = {True: 0, False: 0}
        # Rows noted in flight that wait for their tokens: with the sends under way they
        # stay within `concurrency`, so a crash leaves at most that many to check.
        self._noted: dict[bool, set[int]] = {True: set(), False: set()}
        self._wake = asyncio.Event()
        self._running = False  # the delivery loop runs (no new send starts once it stops)
        self._napping = False  # the loop waits for the clock (a pace, a Retry-After)
        self._waiting = False  # the loop waits for a send to finish or new work
        # Rows this process holds in a lane or is sending: `resume` and a late `_persisted`
        # callback must never queue one of them a second time.
        self._held: set[int] = set()
        self._outstanding = 0
        self._idle = asyncio.Event()
        self._idle.set()
        # Private answers are written apart from shared posts, so a fan-out of a
        # thousand rows never makes a member's answer wait for its transactions.
        self._inserts: dict[bool, Batcher[_Row, tuple[int, bool]]] = {
            private: Batcher(
                engine,
                self._insert,
                f"outbox_{kind}",
                clock,
                write_turn,
                backlog=backlog,
                sync=self._insert_sqlite,
            )
            for private, kind in ((True, "private"), (False, "shared"))
        }
        # In-flight marks (a row ID) and outcomes (a _Mark) share one group commit, retried
        # through a database blip: a row is never handed to the platform before its
        # in-flight mark commits, nor left unrecorded once the platform answered.
        self._marks: Batcher[int | _Mark, list[_Item]] = Batcher(
            engine,
            self._record,
            "outbox_marks",
            clock,
            write_turn,
            retry=True,
            # On SQLite's writer thread, unless a receipt runs (receipts are async).
            sync=self._record_sqlite,
            sync_when=self._no_receipts,
        )
        # Asked before an unasked DM goes out: now, never, or when (bot.dm_gate). The
        # app sets it; an outbox without one sends every DM at once.
        self.dm_gate: Callable[[DirectMessage, datetime], Awaitable[Verdict]] | None = None
        self._receipts: list[tuple[Callable[[Intent], bool], Receipt]] = []
        self._tagged: dict[str, tuple[type[Tag], TaggedReceipt]] = {}
        self.sent_count = 0

    def add_receipt(self, receipt: Receipt, *, concerns: Callable[[Intent], bool]) -> None:
        """Run `receipt(conn, intent, delivered_id)` for each delivered intent it `concerns`,
        inside the transaction that marks the row sent; the intents it returns are staged
        in that transaction and released after its commit.

        So a receipt's record (a prompt's discussion) and its follow-ups (open the thread,
        pin) stand or fall with the row's `sent`: a database blip retries all of it, and
        none of it is lost or done twice. Each receipt runs in a SAVEPOINT: one that
        raises anything but a database outage (a bug) is logged once at ERROR and its
        writes roll back, while the row is still recorded as sent and its lane moves on,
        because sending the message again would not mend the bug. A database outage in
        a receipt fails the whole transaction, which is retried. `concerns` keeps the
        savepoint off every row the receipt has nothing to do with."""
        self._receipts.append((concerns, receipt))

    def on_tag(self, tag: type[Tag], receipt: TaggedReceipt) -> None:
        """Run `receipt(conn, intent, tag, delivered_id)` for each delivered intent that
        carries a tag of class `tag` (rebuilt as that class after a restart), as
        `add_receipt` runs its receipts: in the marking transaction, in a SAVEPOINT."""
        kind = tag_kind(tag)
        if kind in self._tagged:
            raise ValueError(f"a receipt for {kind} is declared twice")
        self._tagged[kind] = (tag, receipt)

    def _tagged_receipt(self, intent: Intent) -> Receipt | None:
        """The receipt of the tag `intent` carries, bound to the tag as its class."""
        tag = intent.tag
        if tag is None:
            return None
        kind = tag.kind if isinstance(tag, StoredTag) else tag_kind(type(tag))
        found = self._tagged.get(kind)
        if found is None:
            log.warning("event=receipt_unknown kind=%s", kind)
            return None
        cls, receipt = found
        typed = tag.rebuild(cls) if isinstance(tag, StoredTag) else tag

        async def bound(
            conn: AsyncConnection, i: Intent, delivered: str | None
        ) -> Sequence[Intent]:
            return await receipt(conn, i, typed, delivered)

        bound.__qualname__ = getattr(receipt, "__qualname__", kind)
        return bound

    def capabilities(self, platform: str) -> Capabilities:
        """What the adapter delivering `platform`'s rows can do (defaults if none is)."""
        deliverer = self._deliverers.get(platform)
        return deliverer.capabilities if deliverer is not None else Capabilities()

    def share(self) -> None:
        """Run as one of several replicas on this (PostgreSQL) database: look for rows
        written into this replica's lanes every CLAIM_EVERY, and pace each platform's
        overall limits at this replica's share (bot.budget)."""
        self.claim_every = CLAIM_EVERY
        self.replicated = True

    async def join(self) -> None:
        """Before the first send: be counted, take this replica's share, and send nothing
        for one BEAT, by when every other replica has counted this one too (each shrinks
        its share at its next beat): the replicas together never exceed a limit."""
        await self.budget.beat(self._outstanding)
        self.apply_budget()
        for bucket in self._overall.values():
            bucket.pause(BEAT)

    def apply_budget(self) -> None:
        """Pace each platform's overall limits at this replica's share (bot.budget), and
        hold a platform another replica saw a platform-wide 429 from."""
        share = self.budget.share
        now = self._clock.now()
        for (platform, private), bucket in self._overall.items():
            deliverer = self._deliverers.get(platform)
            if deliverer is None:
                continue
            limits = deliverer.limits
            rate, burst = (
                (limits.private, limits.private_burst)
                if private
                else (limits.overall, limits.overall_burst)
            )
            if share > 0:
                bucket.reshape(rate * share, max(1, int(burst * share)))
            else:  # no room yet (the others give some up at their next beats): wait
                bucket.pause(2 * BEAT)  # past the next beat, which pauses again or not
            until = self.budget.pauses.get(platform)
            if until is not None and until > now:
                bucket.pause((until - now).total_seconds())
        self._wake.set()

    async def heartbeat(self) -> None:
        """This replica's heartbeat and share, every BEAT; runs until cancelled (under
        the supervisor)."""
        await self._clock.sleep(BEAT)  # `join` beat once already
        await self.budget.beating(lambda: self._outstanding, self.apply_budget)

    def _tell_replicas(self, platform: str, seconds: float) -> None:
        """Write a platform-wide pause for the other replicas (in the background: the
        send that got the 429 does not wait for it)."""

        async def tell() -> None:
            try:
                await self.budget.pause(platform, seconds)
            except Exception as error:  # they will hear their own 429s instead
                log.warning("event=pause_not_shared platform=%s error=%r", platform, error)

        task = asyncio.get_running_loop().create_task(tell())
        self._telling.add(task)
        task.add_done_callback(self._telling.discard)

    async def told(self) -> None:
        """Until every platform-wide pause seen so far is written for the others."""
        if self._telling:
            await asyncio.gather(*self._telling)

    def register(self, deliverer: Deliverer) -> None:
        self._deliverers[deliverer.platform] = deliverer
        # Asked once here, not per row: a Protocol isinstance check is slow.
        self._handles[deliverer.platform] = (
            deliverer if isinstance(deliverer, ReplyHandles) else None
        )
        limits = deliverer.limits
        shared = TokenBucket(limits.overall, limits.overall_burst, self._clock)
        private = TokenBucket(limits.private, limits.private_burst, self._clock)
        self._overall[(deliverer.platform, False)] = shared
        self._overall[(deliverer.platform, True)] = private

    def submit(self, intents: Sequence[Intent]) -> None:
        """Queue intents for delivery without waiting; they are persisted first."""
        for intent in intents:
            self._outstanding += 1
            self._idle.clear()
            row = self._row(intent)
            self._inserts[is_private(intent)].submit(row, partial(self._persisted, intent, row))

    async def stage(self, conn: AsyncConnection, intents: Sequence[Intent]) -> list[_Item]:
        """Write intents inside the caller's transaction; `release` them after it commits.

        For work whose record and message must stand or fall together (a prompt's claim
        and its post): a crash after the commit leaves the rows for `resume`."""
        rows = [self._row(i) for i in intents]
        ids = await self._insert(conn, rows) if rows else []
        return [
            _Item(row_id, intent, reply=row[3], mine=mine)
            for (row_id, mine), intent, row in zip(ids, intents, rows, strict=True)
        ]

    def _row(self, intent: Intent) -> _Row:
        """What the table keeps of an intent, with the reply handle of the request it
        answers while this process (the one that received it) holds a live one."""
        platform = platform_of(intent)
        reply = None
        event_id = getattr(intent, "in_reply_to", None)
        handles = self._handles.get(platform)
        if event_id and handles is not None:
            found = handles.reply_handle(event_id)
            if found is not None and found[1] > 0:
                reply = (found[0], self._clock.now() + timedelta(seconds=found[1]))
        return (platform, lane_of(intent), intent_to_json(intent), reply)

    def release(self, items: Sequence[_Item]) -> None:
        """Deliver intents staged in a transaction that has now committed."""
        for item in items:
            if not item.mine:
                continue  # its lane's owner, another replica, sends it
            self._outstanding += 1
            self._idle.clear()
            self._enqueue(item)

    def _persisted(
        self, intent: Intent, row: _Row, written: asyncio.Future[tuple[int, bool]]
    ) -> None:
        if written.cancelled() or written.exception() is not None:
            self._finished()  # the batcher logged the failed write with its size
            return
        row_id, mine = written.result()
        if not mine:
            self._finished()  # its lane's owner, another replica, sends it
            return
        self._enqueue(_Item(row_id, intent, reply=row[3]))

    @property
    def _shared_lanes(self) -> bool:
        """Lanes are leased (bot.lanes) where replicas may share the table."""
        return self._engine.dialect.name == "postgresql" and not self.alone

    async def _insert(self, conn: AsyncConnection, rows: Sequence[_Row]) -> list[tuple[int, bool]]:
        """Write rows, leased to this process unless another replica owns their lane;
        each row's ID, and whether it is this process's to send."""
        now = self._clock.now()
        until = now + timedelta(seconds=LEASE)
        owned: set[str] | None = None
        if self._shared_lanes:
            owned = await lanes.take(conn, (lane for _, lane, _, _ in rows), self.owner, now, until)
        mine = [owned is None or lane in owned for _, lane, _, _ in rows]
        # One statement for the batch (bot.storage.bulk).
        ids = await insert_with_ids(conn, outbox, self._table_rows(rows, mine, now, until))
        return list(zip(ids, mine, strict=True))

    def _insert_sqlite(self, rows: Sequence[_Row]) -> Plan:
        """`_insert` planned for SQLite's writer (bot.storage.writer): one process, so
        every row is this one's (no lanes are leased on SQLite)."""
        now = self._clock.now()
        until = now + timedelta(seconds=LEASE)
        mine = [True] * len(rows)
        step = ids_step(outbox, self._table_rows(rows, mine, now, until))
        return [step], lambda results: [(row_id, True) for row_id in results[0]]

    def _table_rows(
        self, rows: Sequence[_Row], mine: Sequence[bool], now: datetime, until: datetime
    ) -> list[dict[str, Any]]:
        """The outbox table's rows for `rows`, leased to this process where `mine`."""
        return [
            {
                "platform": platform,
                "lane": lane,
                "payload": payload,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                # Ours from the start (no one else takes it), unless its lane is
                # another live replica's: then free, for that one to take.
                "lease_owner": self.owner if ours else None,
                "lease_until": until if ours else None,
                "reply_handle": None if reply is None else reply[0],
                "reply_until": None if reply is None else reply[1],
            }
            for (platform, lane, payload, reply), ours in zip(rows, mine, strict=True)
        ]

    def _enqueue(self, item: _Item) -> None:
        if item.id in self._held:
            self._finished()  # `resume` read the row first; it is counted there
            return
        self._held.add(item.id)
        key = lane_of(item.intent)
        lane = self._lanes.get(key)
        if lane is None:
            platform = platform_of(item.intent)
            private = is_private(item.intent)
            limits = self._deliverers[platform].limits if platform in self._deliverers else None
            if limits is None:
                rate, burst = 1.0, 1
            elif is_edit(item.intent):  # one message's edits: one per `per_message_edit`
                edit = limits.per_message_edit
                # No limit (a terminal): a bucket that never runs dry, so no lane ever
                # waits a token's worth of time a fake clock would never pass.
                rate, burst = (1.0 / edit, 1) if edit > 0 else (1e9, 10**9)
            elif private:  # one member's answers: only the platform's private limit applies
                rate, burst = limits.private, limits.private_burst
            else:
                rate, burst = limits.per_channel, limits.per_channel_burst
            bucket = TokenBucket(rate, burst, self._clock)
            community = community_of(item.intent)
            lane = self._lanes[key] = _Lane(key, platform, community, private, bucket)
            if limits is not None and is_edit(item.intent):
                lane.shared = self._edit_bucket(item.intent, limits)
        lane.queue.append(item)
        if is_edit(item.intent):
            self._replace_older(lane, item)
        if not lane.busy:
            self._make_ready(lane)
        self._wake.set()

    def _edit_bucket(self, intent: Intent, limits: RateLimits) -> TokenBucket:
        """The bucket every edit lane of `intent`'s channel (or community) shares."""
        to = intent.to  # type: ignore[union-attr]  # an edit names the message it edits
        channel = to.channel if limits.edits_shared_by == "channel" else ""
        key = (to.platform, to.community, channel)
        if key not in self._edits:
            self._edits[key] = TokenBucket(limits.edits, limits.edits_burst, self._clock)
        return self._edits[key]

    def _replace_older(self, lane: _Lane, arrived: _Item) -> None:
        """Edits of one message still waiting are replaced by the newest (the highest
        row ID: written last, so it carries the whole content), and only it is sent: a
        burst of a thousand votes makes a few edits of the card, not a thousand. A row
        that arrives older than one already queued (a dead process's row, taken over
        late) is itself replaced. A replaced row is marked `replaced`, never sent, its
        receipts not run. Left alone: one being sent now or noted in flight (it goes
        next), one whose answer is not yet recorded, and one carrying another tag (its
        receipt must run). The mark is written in the same group commits, in order, as
        the newest's in-flight note and outcome, so a crash never leaves an older edit
        pending behind a newer one that was sent; until it commits the row stays held,
        so a `resume` meanwhile does not queue it again; and `resume` replaces as it
        queues, so a restart sends only the newest too."""
        alike = {id(i): i for i in lane.queue if same_tag(i.intent, arrived.intent)}
        newest = max(alike.values(), key=lambda i: i.id)
        kept: deque[_Item] = deque()
        for position, older in enumerate(lane.queue):
            # Being sent, or noted in flight and about to be (replacing it would throw
            # that commit away, and a steady stream of votes would starve the card).
            going = (position == 0 and lane.busy) or (older.in_flight and not older.check)
            if older is newest or going or older.outcome is not None or id(older) not in alike:
                kept.append(older)
                continue
            self._noted[lane.private].discard(older.id)
            now = self._clock.now()
            mark = _Mark(older.id, older.intent, older.attempts, "replaced", now)
            mark.next_attempt_at = now
            self._marks.submit(mark, partial(self._replaced, older.id))
            self.replaced_count += 1
            log.debug(
                "event=edit_replaced outbox_id=%d by=%d lane=%s", older.id, newest.id, lane.key
            )
            self._finished()
        lane.queue = kept

    def _replaced(self, row_id: int, marked: asyncio.Future[list[_Item]]) -> None:
        """A replaced row's mark is in (or failed, logged by the batcher: then the row
        stays held here, and pending in the table for the next run to replace again)."""
        if not marked.cancelled() and marked.exception() is None:
            self._held.discard(row_id)

    async def purge_sent(self) -> int:
        """Drop rows delivered, or replaced by a newer edit, more than KEEP_SENT ago;
        returns how many went."""
        cutoff = self._clock.now() - KEEP_SENT
        sent = (outbox.c.status == "sent") & (outbox.c.sent_at < cutoff)
        replaced = (outbox.c.status == "replaced") & (outbox.c.next_attempt_at < cutoff)
        async with self._engine.begin() as conn:
            result = await conn.execute(delete(outbox).where(sent | replaced))
        return int(result.rowcount or 0)

    async def resume(self, *, purge: bool = True, own: bool = True) -> int:
        """Claim and queue the pending rows no live process holds (a previous run left
        them, or a process that died); returns how many. Run at start (which also purges
        old sent rows) and every LEASE. Rows that were in flight when their run ended are
        checked with the platform before any resend."""
        if purge:
            await self.purge_sent()
        now = self._clock.now()
        rows = await self._claim(own)
        resumed = in_flight = 0
        for row_id, payload, attempts, next_at, sending_since, handle, until in rows:
            if row_id in self._held:
                continue  # submitted by this process before start: already queued
            self._outstanding += 1
            self._idle.clear()
            wait = max(0.0, (next_at - now).total_seconds())
            was_sending = sending_since is not None
            item = _Item(
                row_id,
                intent_from_json(payload),
                attempts,
                self._clock.monotonic() + wait,
                in_flight=was_sending,
                check=was_sending,
                reply=None if handle is None or until is None else (handle, until),
            )
            self._enqueue(item)
            resumed += 1
            in_flight += was_sending
        if resumed:
            log.info("event=outbox_resumed pending=%d in_flight=%d", resumed, in_flight)
        return resumed

    async def _claim(self, own: bool = True) -> list[Any]:
        """Lease to this process every pending row whose lease is gone (or, if `own`,
        already ours), in one UPDATE; the rows, oldest first. On PostgreSQL, rows another
        process is claiming or renewing at this moment are skipped, not waited for."""
        now = self._clock.now()
        free = outbox.c.status == "pending"
        if not self.alone:
            gone = outbox.c.lease_owner.is_(None) | (outbox.c.lease_until <= now)
            free = free & (gone | (outbox.c.lease_owner == self.owner) if own else gone)
        until = now + timedelta(seconds=LEASE)
        shared = self._shared_lanes
        claimable = select(outbox.c.id).where(free).with_for_update(skip_locked=True)
        if shared:  # only rows of the lanes this process owns (taken first, if free)
            claimable = claimable.where(lanes.owned_by(self.owner, now)).order_by(outbox.c.id)
        claim = (
            update(outbox)
            .where(outbox.c.id.in_(claimable) & free)
            .values(lease_owner=self.owner, lease_until=until)
            .returning(
                outbox.c.id,
                outbox.c.payload,
                outbox.c.attempts,
                outbox.c.next_attempt_at,
                outbox.c.sending_since,
                outbox.c.reply_handle,
                outbox.c.reply_until,
            )
        )
        async with self._lease_query() as conn:
            if shared:
                await lanes.take_waiting(conn, free, self.owner, now, until)
            rows = (await conn.execute(claim)).all()
        return sorted(rows, key=lambda row: int(row[0]))

    async def renew_leases(self) -> int:
        """Extend this process's leases on its pending rows (one UPDATE); how many."""
        until = self._clock.now() + timedelta(seconds=LEASE)
        mine = (outbox.c.lease_owner == self.owner) & (outbox.c.status == "pending")
        # Locked in ID order, as the marks update them: no deadlock between the two.
        locked = select(outbox.c.id).where(mine).order_by(outbox.c.id).with_for_update()
        async with self._lease_query() as conn:
            if self._shared_lanes:  # lanes before rows, as every writer locks them
                await lanes.renew(conn, self.owner, until)
            result = await conn.execute(
                update(outbox).where(outbox.c.id.in_(locked) & mine).values(lease_until=until)
            )
        return int(result.rowcount or 0)

    async def release_leases(self) -> int:
        """Give up this process's leases on rows it did not send (a clean stop), so the
        next process takes them at once instead of after the lease; how many."""
        async with self._lease_query() as conn:
            if self._shared_lanes:
                await lanes.release(conn, self.owner)
            result = await conn.execute(
                update(outbox)
                .where((outbox.c.lease_owner == self.owner) & (outbox.c.status == "pending"))
                .values(lease_owner=None, lease_until=None)
            )
        released = int(result.rowcount or 0)
        if released:
            log.info("event=outbox_leases_released pending=%d", released)
        return released

    @contextlib.asynccontextmanager
    async def _lease_query(self) -> AsyncIterator[AsyncConnection]:
        self._leasing += 1
        try:
            async with self._write_turn or contextlib.nullcontext(), self._engine.begin() as conn:
                yield conn
        finally:
            self._leasing -= 1

    async def renewing(self) -> None:
        """Renew this process's leases every RENEW_EVERY; runs until cancelled (under
        the supervisor)."""
        while True:
            await self._clock.sleep(RENEW_EVERY)
            await self.renew_leases()

    async def reclaiming(self) -> None:
        """Every `claim_every`, take over the rows whose process died (their lease ran
        out) or stopped (released them), and those other replicas wrote into lanes this
        one owns; runs until cancelled (under the supervisor)."""
        while True:
            await self._clock.sleep(self.claim_every)
            # Not this process's own rows: it holds them already (with replicas this
            # runs every second, and a fan-out's rows need no re-leasing each time).
            await self.resume(purge=False, own=False)  # purging is housekeeping's, hourly

    async def run(self) -> None:
        """The delivery loop; runs until cancelled (under the supervisor)."""
        self._running = True
        try:
            while True:
                self._wake.clear()
                wait = self._start_ready()
                if wait is None:
                    self._waiting = True
                    try:
                        await self._wake.wait()
                    finally:
                        self._waiting = False
                else:
                    self._napping = True
                    try:
                        await self._sleep_or_wake(wait)
                    finally:
                        self._napping = False
        finally:
            self._running = False  # stopping: a row noted now waits for the next run

    def asleep(self) -> bool:
        """True when only time can move delivery on: the loop waits for the clock (or for
        sends that all wait for a write's backoff), and no send, write or newly ready work
        is under way (what a test's clock waits for)."""
        loop_waits = self._napping or (self._waiting and bool(self._in_flight))
        return (
            loop_waits
            and not self._wake.is_set()
            and len(self._in_flight) == self._writing
            and not self._leasing
            and self._marks.asleep()
            and all(inserts.asleep() for inserts in self._inserts.values())
        )

    def quiet(self) -> bool:
        """True when nothing is queued, being sent or being written: a test that moves
        time for something else (votes arriving) may move it now too."""
        return (
            self._idle.is_set()
            and not self._in_flight
            and not self._leasing
            and self._marks.asleep()
            and all(inserts.asleep() for inserts in self._inserts.values())
        )

    async def _sleep_or_wake(self, seconds: float) -> None:
        await sleep_unless_woken(self._clock, seconds, self._wake)

    def _make_ready(self, lane: _Lane) -> None:
        """`lane` waits for its turn to send (keeping its place if it had one)."""
        ready = self._ready[lane.private]
        if lane.key not in ready:
            ready[lane.key] = next(self._turns)

    def _start_ready(self) -> float | None:
        """Start every send the limits allow now, lanes in the order they became ready;
        return how long until the next may go. A class of sends at its `concurrency` is
        not looked through: 2,000 members' answers waiting behind 32 sends were otherwise
        all looked at again each time a send finished."""
        soonest: float | None = None
        now = self._clock.monotonic()
        lanes = {private: iter(ready.items()) for private, ready in self._ready.items()}
        heads = {private: next(found, None) for private, found in lanes.items()}
        started: list[tuple[bool, str]] = []
        while True:  # the two classes' lanes merged in the order they became ready
            waiting = [(turn, private, key) for private, (key, turn) in _present(heads)]
            if not waiting:
                break
            _, private, key = min(waiting)
            heads[private] = next(lanes[private], None)
            taken = self._busy[private]
            if taken >= self._concurrency:
                heads[private] = None  # a finishing send sets _wake
                continue
            lane = self._lanes[key]
            if not lane.queue:
                started.append((private, key))
                continue
            head = lane.queue[0]
            if not head.in_flight and taken + len(self._noted[private]) >= self._concurrency:
                continue
            deliverer = self._deliverers.get(lane.platform)
            if deliverer is None:
                continue  # its adapter is not running; the rows wait in the table
            delay = self._delay(lane, head, now)
            if delay > 0:
                soonest = delay if soonest is None else min(soonest, delay)
                continue
            started.append((private, key))
            self._start(lane, head, deliverer)
        for private, key in started:
            del self._ready[private][key]
        return soonest

    def _start(self, lane: _Lane, head: _Item, deliverer: Deliverer) -> None:
        """Start `lane`'s head on its way, in a task of its own."""
        lane.busy = lane.slot = True
        self._busy[lane.private] += 1
        if head.in_flight or head.outcome is not None:
            # The tokens are taken just before the platform call, with no write between
            # them, so a slow commit never bunches sends past the platform's limits.
            self._take_tokens(lane, head)
            work = self._deliver_and_record(lane, deliverer)
        else:
            # First note the row in flight (one commit for the rows starting together),
            # then it takes its tokens (or comes back here to wait for them).
            work = self._note_in_flight(lane, deliverer)
        send = asyncio.get_running_loop().create_task(work)
        self._in_flight.add(send)
        send.add_done_callback(partial(self._send_done, lane))
        # Whoever cancels a send (a shutdown cancelling every task) cancels only this
        # shielded wrapper: the send itself runs on to the platform's answer and our
        # record of it, and `stop` waits for it, so it is neither lost nor repeated.
        asyncio.get_running_loop().create_task(self._send(send))

    def _delay(self, lane: _Lane, head: _Item, now: float) -> float:
        """Seconds until `lane`'s head may go (0: now), by every limit that holds it."""
        community = self._community.get((lane.platform, lane.community, lane.private))
        return max(
            head.not_before - now,
            lane.bucket.delay(now),
            self._overall[(lane.platform, lane.private)].delay(now),
            0.0 if community is None else community.delay(now),
            0.0 if lane.shared is None else lane.shared.delay(now),
        )

    def _take_tokens(self, lane: _Lane, head: _Item) -> None:
        now = self._clock.monotonic()
        lane.bucket.take(now)
        self._overall[(lane.platform, lane.private)].take(now)
        community = self._community.get((lane.platform, lane.community, lane.private))
        if community is not None:
            community.take(now)
        if lane.shared is not None:
            lane.shared.take(now)
        self._noted[lane.private].discard(head.id)

    def _free_slot(self, lane: _Lane) -> None:
        """The lane's send no longer counts against its class's `concurrency`."""
        if lane.slot:
            lane.slot = False
            self._busy[lane.private] -= 1
            self._wake.set()

    def _send_done(self, lane: _Lane, send: asyncio.Task[None]) -> None:
        # The lane is free, and the loop woken, only once the send is recorded and counted
        # out: waking it earlier lets it see itself still at the concurrency limit and
        # sleep for good, and freeing the lane earlier would send its head row again.
        self._in_flight.discard(send)
        self._free_slot(lane)
        lane.busy = False
        if lane.queue:
            self._make_ready(lane)
        self._wake.set()
        if not send.cancelled() and (error := send.exception()) is not None:
            # A bug, not a platform's or database's answer (those are handled within):
            # logged here once, and the lane goes on.
            log.error("event=send_task_failed lane=%s", lane.key, exc_info=error)

    @staticmethod
    async def _send(send: asyncio.Task[None]) -> None:
        with contextlib.suppress(Exception):  # `_send_done` logs a failed send, once
            await asyncio.shield(send)

    async def _write(self, batcher: Batcher[Any, Any], value: Any) -> Any:
        """A group-committed write that a send waits for (retried through a blip)."""
        self._writing += 1
        try:
            return await batcher.write(value)
        finally:
            self._writing -= 1

    async def _note_in_flight(self, lane: _Lane, deliverer: Deliverer) -> None:
        item = lane.queue[0]
        try:
            await self._write(self._marks, item.id)
        except Exception:
            # Stopping with the database gone, or a bug (logged by the batcher; an outage
            # is retried within): nothing was sent, and the lane tries again later.
            item.not_before = self._clock.monotonic() + MAX_BACKOFF
            return
        item.in_flight = True
        if self._running and self._delay(lane, item, self._clock.monotonic()) <= 0:
            # Its tokens are there now: taken and sent in this task, just as the loop's
            # next pass would (same checks, no write between tokens and send), without a
            # second task and a pass of the loop for every row.
            self._take_tokens(lane, item)
            await self._deliver_and_record(lane, deliverer)
            return
        self._noted[lane.private].add(item.id)  # back to the loop, to wait for its tokens

    async def _deliver_and_record(self, lane: _Lane, deliverer: Deliverer) -> None:
        item = lane.queue[0]
        if item.outcome is None:
            item.outcome = await self._attempt(lane, deliverer, item)
            if item.outcome is None:
                return  # told to wait: nothing to record
        mark = item.outcome
        # The platform has answered: the slot goes to the next row now, while the lane
        # stays busy until the record commits. The record joins the marks' queue before
        # this task yields, so a row noted from now on commits in this record's
        # transaction or a later one: the rows in flight in the table stay within
        # `concurrency`, and the next rows' notes share this record's commit instead of
        # taking one of their own.
        self._free_slot(lane)
        try:
            follow_ups = await self._write(self._marks, mark)
        except Exception as error:
            # Stopping with the database gone, or a bug (an outage is retried within):
            # the answer stays on the item and the record is tried again later, never the
            # send. Meanwhile the row stays pending and in flight, so a next run asks the
            # platform before sending it again.
            item.not_before = self._clock.monotonic() + MAX_BACKOFF
            log.error(
                "event=delivery_unrecorded outbox_id=%d lane=%s status=%s error=%s",
                item.id,
                lane.key,
                mark.status,
                type(error).__name__,
            )
            return
        item.outcome = None
        if not mark.settled:
            return  # retried after its backoff, from the head of its lane
        lane.queue.popleft()
        self._held.discard(item.id)
        self.release(follow_ups)
        self._finished()

    async def _attempt(self, lane: _Lane, deliverer: Deliverer, item: _Item) -> _Mark | None:
        """Hand the row to the platform (or, for a row a crash left in flight, first ask
        whether it arrived); the outcome to record, or None when told to wait."""
        item.attempts += 1
        now = self._clock.now()
        mark = _Mark(item.id, item.intent, item.attempts, "sent", now, next_attempt_at=now)
        mark.had_reply = item.reply is not None
        key = f"hr{item.id}"
        self._adopt_reply(deliverer, item)
        try:
            if self.dm_gate is not None and isinstance(item.intent, DirectMessage):
                held = await self._gated(item, now) if unasked(item.intent) else None
                if held is not None:
                    return held
            found = None
            finder = getattr(deliverer, "find_delivered", None)
            if item.check and finder is not None:
                found = await finder(item.intent, key)
                if found is not None:
                    log.info("event=delivery_found outbox_id=%d lane=%s", item.id, lane.key)
            item.check = False
            mark.delivered_id = (
                found if found is not None else await deliverer.deliver(item.intent, key=key)
            )
        except RetryAfter as wait:
            item.attempts -= 1  # being told to wait is not a failure
            self._pause(lane, wait)
            item.not_before = self._clock.monotonic() + wait.seconds
            log.info(
                "event=rate_limited outbox_id=%d lane=%s retry_after=%.3f scope=%s",
                item.id,
                lane.key,
                wait.seconds,
                wait.scope,
            )
            return None
        except PermanentFailure as failure:
            mark.status, mark.last_error = "failed", str(failure)[:500]
            log.error(
                "event=delivery_failed outbox_id=%d lane=%s kind=%s permanent=true error=%s",
                item.id,
                lane.key,
                item.intent.kind,
                failure,
            )
        except Exception as error:
            mark.last_error = repr(error)[:500]
            if item.attempts >= MAX_ATTEMPTS:
                mark.status = "failed"
                log.error(
                    "event=delivery_failed outbox_id=%d lane=%s kind=%s attempts=%d error=%r",
                    item.id,
                    lane.key,
                    item.intent.kind,
                    item.attempts,
                    error,
                )
            else:
                backoff = min(MAX_BACKOFF, 2.0 ** (item.attempts - 1))
                item.not_before = self._clock.monotonic() + backoff
                mark.status = "pending"
                mark.next_attempt_at = now + timedelta(seconds=backoff)
                log.warning(
                    "event=delivery_retry outbox_id=%d lane=%s attempt=%d backoff=%.1f error=%r",
                    item.id,
                    lane.key,
                    item.attempts,
                    backoff,
                    error,
                )
        else:
            self.sent_count += 1
        return mark

    async def _gated(self, item: _Item, now: datetime) -> _Mark | None:
        """The mark of a DM the member's settings hold back (None: send it now). One they
        turned off or paused is withheld for good (its row deleted); one in their quiet
        hours waits, as a pending row, until those end."""
        assert self.dm_gate is not None and isinstance(item.intent, DirectMessage)
        verdict = await self.dm_gate(item.intent, now)
        if verdict is None:
            return None
        item.attempts -= 1  # being held is not a failure
        if verdict == "drop":
            log.info("event=dm_withheld outbox_id=%d", item.id)
            return _Mark(item.id, item.intent, item.attempts, "withheld", now)
        wait = max(0.0, (verdict - now).total_seconds())
        item.not_before = self._clock.monotonic() + wait
        log.info("event=dm_held outbox_id=%d seconds=%.0f", item.id, wait)
        return _Mark(item.id, item.intent, item.attempts, "pending", now, next_attempt_at=verdict)

    def _adopt_reply(self, deliverer: Deliverer, item: _Item) -> None:
        """Hand the adapter the reply handle stored on the row (written by the process
        that received the request, perhaps another one) while it still lives."""
        event_id = getattr(item.intent, "in_reply_to", None)
        if item.reply is None or not event_id or not isinstance(deliverer, ReplyHandles):
            return
        handle, until = item.reply
        left = (until - self._clock.now()).total_seconds()
        if left > 0:
            deliverer.adopt_reply_handle(event_id, handle, left)

    async def _record(
        self, conn: AsyncConnection, writes: Sequence[int | _Mark]
    ) -> list[list[_Item]]:
        """Note rows (by ID) in flight; record outcomes, run the receipts of the rows sent
        and stage what they return. Returns each write's follow-ups, to release once this
        commits (none for an in-flight note)."""
        # Rows are updated in ID order, as the lease renewal locks them, so two
        # transactions on PostgreSQL never wait for each other's rows in a cycle.
        marks = [w for w in writes if not isinstance(w, int)]
        if self._shared_lanes and marks:
            # The lanes this batch may let go of (below) are locked before any row: lanes
            # before rows, as the lease renewal locks them, or the two deadlock.
            await lanes.lock(conn, self.owner, {lane_of(m.intent) for m in marks})
        flights = sorted(w for w in writes if isinstance(w, int))
        postgres = conn.dialect.name == "postgresql"
        if flights and postgres:  # one statement for the batch (bot.storage.pgbatch)
            await conn.execute(_FLIGHT_MANY, {"ids": flights, "since": utc([self._clock.now()])[0]})
        elif flights:
            await conn.execute(
                _FLIGHT, [{"row_id": row_id, "since": self._clock.now()} for row_id in flights]
            )
        # A row whose copy must not outlive its delivery is deleted instead of marked.
        # So is a DM withheld by the member's settings: nothing was sent to keep.
        kept = [m for m in marks if not _drops_row(m)]
        gone = [m.row_id for m in marks if _drops_row(m)]
        if kept and postgres:
            await conn.execute(_MARKS_MANY, _marks_arrays(kept))
        elif kept:
            await _mark_rows(conn, sorted(kept, key=lambda m: m.row_id))
        # A settled row's reply handle is of no more use: it is not kept past its answer.
        spent = sorted(m.row_id for m in kept if m.settled and m.had_reply)
        if spent:
            await conn.execute(
                update(outbox)
                .where(outbox.c.id.in_(spent))
                .values(reply_handle=None, reply_until=None)
            )
        if gone:
            await conn.execute(delete(outbox).where(outbox.c.id.in_(gone)))
        if self._shared_lanes and marks:
            # A lane with nothing left to send is let go at once: a member's private lane
            # names them, and is kept no longer than the rows it ordered.
            await lanes.let_go(conn, self.owner, {lane_of(m.intent) for m in marks})
        follow_ups = [
            await self._run_receipts(conn, m) if m.status == "sent" else [] for m in marks
        ]
        staged = await self.stage(conn, [i for intents in follow_ups for i in intents])
        mine: dict[int, list[_Item]] = {}
        for mark, intents in zip(marks, follow_ups, strict=True):
            mine[id(mark)], staged = staged[: len(intents)], staged[len(intents) :]
        return [[] if isinstance(w, int) else mine[id(w)] for w in writes]

    def _no_receipts(self, write: int | _Mark) -> bool:
        """True when recording `write` runs no receipt (and leases no lane)."""
        if self._shared_lanes:
            return False
        if isinstance(write, int) or write.status != "sent":
            return True
        intent = write.intent
        return intent.tag is None and not any(c(intent) for c, _ in self._receipts)

    def _record_sqlite(self, writes: Sequence[int | _Mark]) -> Plan:
        """`_record` planned for SQLite's writer (bot.storage.writer), for writes that
        run no receipt (`_no_receipts`): the same statements, the "sent" marks of a
        batch merged into one."""
        steps: list[Step] = []
        flights = sorted(w for w in writes if isinstance(w, int))
        if flights:
            now = self._clock.now()
            steps.append(_FLIGHT_ROWS.step([{"id": i, "sending_since": now} for i in flights]))
        marks = [w for w in writes if not isinstance(w, int)]
        kept = [m for m in marks if not _drops_row(m)]
        gone = [m.row_id for m in marks if _drops_row(m)]
        if kept:
            # The batch's marks merged: one statement, each row with its own outcome.
            steps.append(_MARKED_ROWS.step(_marked_rows(sorted(kept, key=lambda m: m.row_id))))
        spent = sorted(m.row_id for m in kept if m.settled and m.had_reply)
        if spent:
            steps.append(("values", _SPENT_REPLIES, [(i,) for i in spent], ()))
        if gone:
            steps.append(("values", _GONE_ROWS, [(i,) for i in gone], ()))
        return steps, lambda _: [[] for _ in writes]

    def _pause(self, lane: _Lane, wait: RetryAfter) -> None:
        """Hold what the 429's scope covers for exactly its Retry-After."""
        if wait.scope == "platform":  # every channel and answer of the platform waits
            for private in (False, True):
                self._overall[(lane.platform, private)].pause(wait.seconds)
            if self.replicated:  # and every replica's
                self._tell_replicas(lane.platform, wait.seconds)
        elif wait.scope == "community":
            key = (lane.platform, lane.community, lane.private)
            if key not in self._community:
                limits = self._deliverers[lane.platform].limits
                rate, burst = (
                    (limits.private, limits.private_burst)
                    if lane.private
                    else (limits.overall, limits.overall_burst)
                )
                self._community[key] = TokenBucket(rate, burst, self._clock)
            self._community[key].pause(wait.seconds)
        else:
            lane.bucket.pause(wait.seconds)

    async def _run_receipts(self, conn: AsyncConnection, mark: _Mark) -> list[Intent]:
        follow_ups: list[Intent] = []
        tagged = self._tagged_receipt(mark.intent)
        chosen = [receipt for concerns, receipt in self._receipts if concerns(mark.intent)]
        for receipt in [*chosen, *([tagged] if tagged else [])]:
            try:
                async with conn.begin_nested():
                    got = await receipt(conn, mark.intent, mark.delivered_id)
            except Exception as error:
                if is_transient(error):
                    raise  # the whole transaction is retried
                log.exception(
                    "event=receipt_failed outbox_id=%d kind=%s receipt=%s",
                    mark.row_id,
                    mark.intent.kind,
                    getattr(receipt, "__qualname__", "?"),
                )
                continue
            follow_ups += got
        return follow_ups

    def _finished(self) -> None:
        self._outstanding -= 1
        if self._outstanding == 0:
            self._idle.set()

    async def persisted(self) -> None:
        """Wait until everything submitted so far is in the table (not yet delivered)."""
        for inserts in self._inserts.values():
            await inserts.drain()

    async def idle(self) -> None:
        """Wait until everything submitted so far is delivered or has failed."""
        await self._idle.wait()

    async def settled(self) -> None:
        """Wait until everything submitted so far is delivered, has failed, or waits for
        a later time: a DM held for its member's quiet hours, a platform's Retry-After.
        What a terminal waits for before it takes the next line (`idle` would wait until
        the quiet hours end). The loop's sleep is looked at every `SETTLE_CHECK` seconds of
        real time: a nap starts without a signal to await."""
        while not self._idle.is_set() and not self.asleep():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), SETTLE_CHECK)

    async def stop(self) -> None:
        """After the loop is cancelled: sends under way finish and are recorded, then the
        rows not sent are released for the next process. A record the database refuses now
        is left to the next run's resume (no endless retry)."""
        await self.persisted()
        self._marks.give_up()
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)
        await self._marks.drain()
        try:
            await self.told()
            if self.replicated:
                await self.budget.leave()
            await self.release_leases()
        except Exception as error:  # the database went away: the leases run out alone
            log.warning(
                "event=outbox_leases_not_released error=%r; another process takes the "
                "rows when they run out (within %.0fs)",
                error,
                LEASE,
            )


def _present(
    heads: dict[bool, tuple[str, int] | None],
) -> list[tuple[bool, tuple[str, int]]]:
    """The classes whose next ready lane is still to be looked at, with that lane."""
    return [(private, head) for private, head in heads.items() if head is not None]


def _drops_row(mark: _Mark) -> bool:
    return mark.settled and (mark.status == "withheld" or not keeps_copy(mark.intent))


_FLIGHT = (
    update(outbox)
    .where(outbox.c.id == bindparam("row_id"))
    .values(sending_since=bindparam("since"))
)
# Bound names may not repeat column names in an UPDATE's SET clause.
_MARK = (
    update(outbox)
    .where(outbox.c.id == bindparam("row_id"))
    .values(
        status=bindparam("new_status"),
        attempts=bindparam("new_attempts"),
        sent_at=bindparam("new_sent_at"),
        delivered_id=bindparam("new_delivered_id"),
        next_attempt_at=bindparam("new_next_attempt_at"),
        last_error=bindparam("new_last_error"),
    )
)


# PostgreSQL: a batch's in-flight notes and its outcomes, one statement each (arrays,
# bot.storage.pgbatch). The rows are locked first in ID order, as the lease renewal locks
# them, so two transactions never wait for each other's rows in a cycle.
_LOCKED = "SELECT id FROM outbox WHERE id = ANY(CAST(:ids AS INTEGER[])) ORDER BY id FOR UPDATE"
_FLIGHT_MANY = text(
    f"UPDATE outbox SET sending_since = CAST(:since AS TIMESTAMP) WHERE id IN ({_LOCKED})"
)
_MARKS_MANY = text(
    "UPDATE outbox SET status = v.status, attempts = v.attempts, sent_at = v.sent_at, "
    "delivered_id = v.delivered_id, next_attempt_at = v.next_attempt_at, "
    "last_error = v.last_error "
    "FROM unnest(CAST(:ids AS INTEGER[]), CAST(:statuses AS VARCHAR[]), "
    "CAST(:attempts AS INTEGER[]), CAST(:sent_ats AS TIMESTAMP[]), "
    "CAST(:delivered_ids AS VARCHAR[]), CAST(:next_attempt_ats AS TIMESTAMP[]), "
    "CAST(:last_errors AS VARCHAR[])) "
    "AS v(id, status, attempts, sent_at, delivered_id, next_attempt_at, last_error) "
    f"WHERE outbox.id = v.id AND outbox.id IN ({_LOCKED})"
)


def _marks_arrays(marks: Sequence[_Mark]) -> dict[str, list[Any]]:
    """`_MARKS_MANY`'s arrays: each row's outcome, the last one given for a row counting
    (as one UPDATE per mark, in order, would leave it)."""
    last = {m.row_id: m for m in marks}
    rows = [last[row_id] for row_id in sorted(last)]
    sent = [m.status == "sent" for m in rows]
    return {
        "ids": [m.row_id for m in rows],
        "statuses": [m.status for m in rows],
        "attempts": [m.attempts for m in rows],
        "sent_ats": utc([m.now if s else None for m, s in zip(rows, sent, strict=True)]),
        "delivered_ids": [m.delivered_id if s else None for m, s in zip(rows, sent, strict=True)],
        "next_attempt_ats": utc([m.next_attempt_at or m.now for m in rows]),
        "last_errors": [m.last_error for m in rows],
    }


_FLIGHT_ROWS = UpdateFromValues(outbox, "id", ["sending_since"])
_MARKED = ("status", "attempts", "sent_at", "delivered_id", "next_attempt_at", "last_error")
_MARKED_ROWS = UpdateFromValues(outbox, "id", _MARKED)
_SPENT_REPLIES = among("UPDATE outbox SET reply_handle = NULL, reply_until = NULL WHERE id IN (")
_GONE_ROWS = among("DELETE FROM outbox WHERE id IN (")


def _marked_rows(marks: Sequence[_Mark]) -> list[dict[str, Any]]:
    """`_mark_params` keyed by column, for the writer thread's merged update."""
    return [
        {
            "id": m.row_id,
            "status": m.status,
            "attempts": m.attempts,
            "sent_at": m.now if m.status == "sent" else None,
            "delivered_id": m.delivered_id if m.status == "sent" else None,
            "next_attempt_at": m.next_attempt_at or m.now,
            "last_error": m.last_error,
        }
        for m in marks
    ]


def _mark_params(marks: Sequence[_Mark]) -> list[dict[str, Any]]:
    """The same values as `_marked_rows`, under the bound names of the async update."""
    return [
        {("row_id" if column == "id" else f"new_{column}"): value for column, value in row.items()}
        for row in _marked_rows(marks)
    ]


async def _mark_rows(conn: AsyncConnection, marks: Sequence[_Mark]) -> None:
    await conn.execute(_MARK, _mark_params(marks))
