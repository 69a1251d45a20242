"""The ballot box: the votes of a short window are counted in one transaction.

A burst of a thousand votes would otherwise be a thousand transactions, each holding
SQLite's one writer while it reads the voter's choices, writes them, tallies the poll
and stages the card's edit: the inbox's commits (which the platform's acknowledgement
waits for) and the outbox's queue behind them (bench/polls.py). Here each vote waits
for the core's group commit instead (`Kernel.group_commit`): one transaction reads
the choices of every voter in the window, applies the votes in the order they came
(so a member's change that follows their first vote in the same window sees it),
writes what changed, and tallies each poll once, staging one edit of its card."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from sqlalchemy import and_, bindparam, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.directory import CommunitySettings
from bot.features.polls.model import Poll, Tally
from bot.features.polls.tables import poll_ballots, polls
from bot.kernel import Kernel
from bot.outbox import Staged
from bot.storage.batcher import Batcher

if TYPE_CHECKING:
    from bot.features.polls.service import PollService

# What became of a vote: counted (its choices changed), the same as before, over the
# poll's limit of choices, or too late (the poll closed before the vote was counted).
Outcome = Literal["counted", "same", "too_many", "closed"]


@dataclass(frozen=True, slots=True)
class Vote:
    """A member's vote: `toggle` one option (a button), or choose `exactly` these."""

    poll: Poll
    voter: str  # the member's ID, or on an anonymous poll their one-way token
    community: CommunitySettings
    toggle: int | None = None
    exactly: frozenset[int] = frozenset()
    wants_tally: bool = False  # the confirmation shows the results (after-vote)


@dataclass(frozen=True, slots=True)
class Counted:
    outcome: Outcome
    before: frozenset[int]
    chosen: frozenset[int]
    tally: Tally | None = None  # when the vote asked for it and was counted
    # The card's edit, staged with the window's votes: released by the one vote that
    # carries it, once the transaction has committed.
    staged: Sequence[Staged] = ()


class BallotBox:
    """Counts votes in group commits shared by every vote within a few milliseconds."""

    def __init__(self, kernel: Kernel, service: PollService) -> None:
        self._kernel = kernel
        self._service = service
        self._batcher: Batcher[Vote, Counted] = kernel.group_commit(self._count, "poll_votes")

    async def cast(self, vote: Vote) -> Counted:
        """Count the vote (with the others of its window); the card's edit is released
        once the window commits, even if the voter's handler was cancelled meanwhile."""
        answer: asyncio.Future[Counted] = asyncio.get_running_loop().create_future()

        def committed(done: asyncio.Future[Counted]) -> None:
            if done.cancelled():
                answer.cancel()
                return
            if (error := done.exception()) is not None:  # logged by the batcher
                if not answer.done():
                    answer.set_exception(error)
                return
            counted = done.result()
            if counted.staged:
                self._kernel.outbox.release(counted.staged)
            if not answer.done():  # its handler was not cancelled meanwhile
                answer.set_result(counted)

        self._batcher.submit(vote, committed)
        return await answer

    async def drain(self) -> None:
        """Until every vote queued so far is counted and committed."""
        await self._batcher.drain()

    async def _count(self, conn: AsyncConnection, votes: Sequence[Vote]) -> list[Counted]:
        store = self._service.store
        ids = sorted({v.poll.id for v in votes})
        still_open = set(
            (
                await conn.execute(
                    select(polls.c.id).where(polls.c.id.in_(ids) & (polls.c.status == "open"))
                )
            ).scalars()
        )
        # The window's voters' choices now (a voter's ballots in another of these polls
        # come along too, and are left alone).
        keys = {(v.poll.id, v.voter) for v in votes}
        current: dict[tuple[int, str], frozenset[int]] = {}
        found = await conn.execute(
            select(poll_ballots.c.poll_id, poll_ballots.c.voter, poll_ballots.c.choice).where(
                poll_ballots.c.poll_id.in_(ids)
                & poll_ballots.c.voter.in_(sorted({v.voter for v in votes}))
            )
        )
        for poll_id, voter, choice in found:
            key = (int(poll_id), str(voter))
            if key in keys:
                current[key] = current.get(key, frozenset()) | {int(choice)}
        changed: dict[tuple[int, str], frozenset[int]] = {}
        outcomes: list[tuple[Outcome, frozenset[int], frozenset[int]]] = []
        for vote in votes:
            key = (vote.poll.id, vote.voter)
            before = current.get(key, frozenset())
            chosen = vote.exactly
            if vote.toggle is not None:
                chosen = (
                    before ^ {vote.toggle}
                    if vote.poll.max_choices > 1
                    else frozenset({vote.toggle})
                )
            if vote.poll.id not in still_open:
                outcomes.append(("closed", before, chosen))
            elif len(chosen) > vote.poll.max_choices:
                outcomes.append(("too_many", before, chosen))
            elif chosen == before:
                outcomes.append(("same", before, chosen))
            else:
                current[key] = changed[key] = chosen
                outcomes.append(("counted", before, chosen))
        if changed:
            await _write(conn, changed)
        # Each poll a vote changed: tallied once, its card's edit staged once.
        tallies: dict[int, Tally] = {}
        edits: dict[int, Sequence[Staged]] = {}
        for vote, (outcome, _, _) in zip(votes, outcomes, strict=True):
            poll = vote.poll
            if outcome != "counted" or poll.id in tallies:
                continue
            names = any(v.wants_tally for v in votes if v.poll.id == poll.id)
            tallies[poll.id] = await store.tally(conn, poll, names=names)
            intents = await self._service.card_update(
                conn, poll, vote.community, tally=tallies[poll.id]
            )
            edits[poll.id] = await self._kernel.outbox.stage(conn, intents)
        results: list[Counted] = []
        for vote, (outcome, before, chosen) in zip(votes, outcomes, strict=True):
            counted = outcome == "counted"
            tally = tallies.get(vote.poll.id) if counted and vote.wants_tally else None
            staged = edits.pop(vote.poll.id, ()) if counted else ()
            results.append(Counted(outcome, before, chosen, tally, staged))
        return results


async def _write(conn: AsyncConnection, changed: dict[tuple[int, str], frozenset[int]]) -> None:
    """Replace each changed voter's choices: one DELETE and one INSERT for the window."""
    await conn.execute(
        delete(poll_ballots).where(
            and_(
                poll_ballots.c.poll_id == bindparam("key_poll"),
                poll_ballots.c.voter == bindparam("key_voter"),
            )
        ),
        [{"key_poll": poll_id, "key_voter": voter} for poll_id, voter in changed],
    )
    rows = [
        {"poll_id": poll_id, "voter": voter, "choice": choice}
        for (poll_id, voter), choices in changed.items()
        for choice in sorted(choices)
    ]
    if rows:
        await conn.execute(insert(poll_ballots), rows)
