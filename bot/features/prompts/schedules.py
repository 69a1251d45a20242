"""The schedules and postings tables: what a schedule is, what it has posted, and the
writes that move it on.

Kept apart from the timer handler and the commands so that each reads the same rows
the same way: which prompts a channel has had (from any schedule, post-now included),
which a schedule dropped at a break, and when its next prompt really goes out. Every
function takes the caller's connection, so the caller decides the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import ColumnElement, Select, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.directory import Directory
from bot.features.prompts.library import Library, SeriesModel
from bot.features.prompts.own import OWN_SERIES, OwnPrompts
from bot.recurrence import Recurrence
from bot.refs import ConversationRef
from bot.storage.places import at_place, at_places, with_names
from bot.storage.tables import UTCDateTime, communities, postings, schedules
from bot.storage.upsert import dialect_module
from bot.timers import Timers

# A schedule's timer (bot/timers.py): feature "prompts", this kind, keyed by its ID.
FEATURE = "prompts"
KIND = "schedule"


@dataclass(frozen=True, slots=True)
class Schedule:
    id: int
    community_id: int  # its community's key (communities.id)
    channel: ConversationRef
    series_id: str
    weekday: int
    at: time
    timezone: str
    start: date
    end: date | None
    skips: frozenset[date]
    after_break: str
    status: str
    next_date: date
    next_index: int
    next_due: datetime
    every_weeks: int = 1
    month_week: int | None = None  # 1-4 or LAST (-1): monthly on that weekday

    @property
    def recurrence(self) -> Recurrence:
        """When it posts: its weeks count from its start date, so they never drift."""
        return Recurrence(
            self.weekday, self.at, self.timezone, self.start, self.every_weeks, self.month_week
        )

    @property
    def place(self) -> tuple[int, str]:
        """Where it posts, as its rows name it: (community key, channel)."""
        return self.community_id, self.channel.channel

    @classmethod
    def from_row(cls, row: object) -> Schedule:
        """A row of `schedule_rows()` (the schedule with its community's names)."""
        r = row._mapping  # type: ignore[attr-defined]
        hours, minutes = (int(x) for x in r["at_time"].split(":"))
        return cls(
            id=r["id"],
            community_id=r["community_id"],
            channel=ConversationRef(r["platform"], r["community"], r["channel"]),
            series_id=r["series_id"],
            weekday=r["weekday"],
            at=time(hours, minutes),
            timezone=r["timezone"],
            start=date.fromisoformat(r["start_date"]),
            end=date.fromisoformat(r["end_date"]) if r["end_date"] else None,
            skips=frozenset(date.fromisoformat(d) for d in r["skip_dates"].split(",") if d),
            after_break=r["after_break"],
            status=r["status"],
            next_date=date.fromisoformat(r["next_date"]),
            next_index=r["next_index"],
            next_due=r["next_due"],
            every_weeks=r["every_weeks"],
            month_week=r["month_week"],
        )


@dataclass(frozen=True, slots=True)
class Outlook:
    """What a schedule has done and will do: every count and date a member reads."""

    posted: int  # prompts this schedule has posted
    total: int  # prompts in its series now
    next_post: datetime | None  # when its next prompt really goes out; None when none will


@dataclass(slots=True)
class History:
    posted: dict[tuple[ConversationRef, str], set[str]]  # prompts a channel has had
    dropped: dict[int, set[str]]  # prompts a schedule dropped at a break
    mine: dict[int, set[str]]  # prompts a schedule posted

    def remaining(self, schedule: Schedule, series: SeriesModel) -> list[int]:
        """Places in `series` of the prompts `schedule` may still post, in order."""
        done = self.posted.get((schedule.channel, series.id), set()) | self.dropped.get(
            schedule.id, set()
        )
        return [i for i, prompt in enumerate(series.prompts) if prompt.id not in done]


def next_post(schedule: Schedule, day: date, remaining: list[int]) -> datetime | None:
    """When the next prompt really goes out from the slot `day` on: past break weeks
    (which drop a prompt each under the "skip" policy), never after the end date;
    None when no prompt will."""
    found = schedule.recurrence.first_free(day, schedule.skips, schedule.end)
    if found is None:
        return None
    slot, breaks = found
    left = remaining[breaks:] if schedule.after_break == "skip" else remaining
    return schedule.recurrence.due(slot) if left else None


async def series_of(
    schedule: Schedule, library: Library, directory: Directory, own: OwnPrompts
) -> SeriesModel | None:
    """The series a schedule posts from; the group's own as it stands now."""
    if schedule.series_id == OWN_SERIES:
        community = await directory.community(schedule.channel.community_ref)
        return await own.series(community.id, community.default_language)
    return library.get(schedule.series_id, "en")


def schedule_rows() -> Select[tuple[object, ...]]:
    """Schedules as `Schedule.from_row` reads them: with their community's names (the
    platform's, which only `communities` keeps), to address their posts."""
    return with_names(schedules)


async def load(conn: AsyncConnection, ids: list[int]) -> list[Schedule]:
    """The schedules with these IDs (those that still exist), in ID order."""
    found = await conn.execute(
        schedule_rows().where(schedules.c.id.in_(ids)).order_by(schedules.c.id)
    )
    return [Schedule.from_row(r) for r in found]


async def history(conn: AsyncConnection, found: list[Schedule]) -> History:
    """The prompts the channels of `found` have had, by (channel, series), the prompts
    each schedule dropped at a break, and how many each schedule posted."""
    if not found:
        return History({}, {}, {})
    return await _history(conn, at_places(schedules, {s.place for s in found}))


async def history_at(conn: AsyncConnection, channel: ConversationRef) -> History:
    """`history` of one channel, whatever schedules it has (or none)."""
    return await _history(conn, at_place(schedules, channel))


async def _history(conn: AsyncConnection, where: ColumnElement[bool]) -> History:
    result = History({}, {}, {})
    found = await conn.execute(
        select(
            communities.c.platform,
            communities.c.external_id,
            schedules.c.channel,
            schedules.c.series_id,
            postings.c.schedule_id,
            postings.c.prompt_id,
            postings.c.outcome,
        )
        .select_from(schedules)
        .join(communities, communities.c.id == schedules.c.community_id)
        .join(postings, postings.c.schedule_id == schedules.c.id)
        .where(postings.c.prompt_id.is_not(None) & where)
    )
    for platform, community, channel, series_id, schedule_id, prompt_id, outcome in found:
        if outcome == "posted":
            place = ConversationRef(platform, community, channel)
            result.posted.setdefault((place, series_id), set()).add(prompt_id)
            result.mine.setdefault(schedule_id, set()).add(prompt_id)
        else:
            result.dropped.setdefault(schedule_id, set()).add(prompt_id)
    return result


async def claim_many(
    conn: AsyncConnection, claims: list[tuple[int, str, str | None, str]], at: datetime
) -> list[int]:
    """Record occurrences (schedule, occurrence, prompt, outcome) under their unique key;
    returns the schedules whose record this transaction wrote (a lost one was already
    recorded: the caller posts nothing for it)."""
    dialect = dialect_module(conn.dialect.name)
    statement = dialect.insert(postings).on_conflict_do_nothing().returning(postings.c.schedule_id)
    won: list[int] = []
    for sid, occurrence, prompt_id, outcome in claims:
        # RETURNING with ON CONFLICT needs one row a statement on SQLite.
        row = {
            "schedule_id": sid,
            "occurrence": occurrence,
            "prompt_id": prompt_id,
            "outcome": outcome,
            "at": at,
        }
        won += (await conn.execute(statement.values(**row))).scalars().all()
    return won


async def advance(
    conn: AsyncConnection, schedule: Schedule, day: date, consumed: int, finished: bool
) -> None:
    """Move the schedule to the slot `day`; finished when no prompt will go out again.
    Its timer is the caller's to move (the timer loop moves it from the handler's answer)."""
    await conn.execute(
        update(schedules)
        .where(schedules.c.id == schedule.id)
        .values(
            next_date=day.isoformat(),
            next_index=consumed,
            next_due=schedule.recurrence.due(day),
            status="finished" if finished else schedule.status,
        )
    )


async def advance_many(
    conn: AsyncConnection, moves: list[tuple[Schedule, date, int, bool]]
) -> None:
    """`advance` for a batch (schedule, day, consumed, finished), in one executemany."""
    if not moves:
        return
    await conn.execute(
        update(schedules)
        .where(schedules.c.id == bindparam("schedule_id"))
        .values(
            next_date=bindparam("day"),
            next_index=bindparam("consumed"),
            next_due=bindparam("due", type_=UTCDateTime()),
            status=bindparam("new_status"),
        ),
        [
            {
                "schedule_id": schedule.id,
                "day": day.isoformat(),
                "consumed": consumed,
                "due": schedule.recurrence.due(day),
                "new_status": "finished" if finished else schedule.status,
            }
            for schedule, day, consumed, finished in moves
        ],
    )


async def finish(conn: AsyncConnection, timers: Timers, schedule_id: int, status: str) -> None:
    """Stop a schedule for good (finished, broken) and forget its timer."""
    await conn.execute(update(schedules).where(schedules.c.id == schedule_id).values(status=status))
    await timers.cancel(conn, FEATURE, KIND, str(schedule_id))


async def sync_timer(conn: AsyncConnection, timers: Timers, schedule_id: int) -> None:
    """Make the schedule's timer agree with its row: due at its next slot while it is
    active, gone otherwise."""
    row = (
        await conn.execute(
            select(schedules.c.status, schedules.c.next_due).where(schedules.c.id == schedule_id)
        )
    ).first()
    if row is not None and row.status == "active":
        await timers.set(conn, FEATURE, KIND, str(schedule_id), row.next_due)
    else:
        await timers.cancel(conn, FEATURE, KIND, str(schedule_id))


async def finish_twins(
    conn: AsyncConnection,
    timers: Timers,
    posted: list[tuple[Schedule, SeriesModel | None]],
    found: History,
) -> None:
    """Another schedule of the same series in the same channel may have nothing left
    once these posts went out: it is finished now, so `prompt list`, `resume` and
    `pause` all say so (it would otherwise claim to be running). One query for every
    channel of the batch: a burst of a thousand posts is not a thousand reads."""
    posted = [(s, series) for s, series in posted if series is not None]
    if not posted:
        return
    twins = await conn.execute(
        schedule_rows().where(
            at_places(schedules, {s.place for s, _ in posted})
            & schedules.c.series_id.in_({s.series_id for s, _ in posted})
            & (schedules.c.status.in_(("active", "paused")))
        )
    )
    others: dict[tuple[ConversationRef, str], list[Schedule]] = {}
    for row in twins:
        other = Schedule.from_row(row)
        others.setdefault((other.channel, other.series_id), []).append(other)
    done: set[int] = set()
    for schedule, series in posted:
        assert series is not None
        for twin in others.get((schedule.channel, schedule.series_id), []):
            if twin.id == schedule.id or twin.id in done:
                continue
            left = found.remaining(twin, series)
            if not left or (
                twin.status == "active" and next_post(twin, twin.next_date, left) is None
            ):
                await finish(conn, timers, twin.id, "finished")
                done.add(twin.id)
