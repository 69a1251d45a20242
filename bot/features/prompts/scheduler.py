"""Schedules that never miss, double-post or repeat a prompt in a group.

Each schedule persists its next slot (`next_date`, `next_due`): weekly, every N weeks
or monthly, as `bot/recurrence.py` computes it. Which prompt a
slot carries is not stored: it is the first prompt of the series that the channel has
not had (from any schedule, post-now included) and that this schedule did not drop at a
break, so a prompt never repeats in a group, whatever schedules come and go. When a
slot is due, one transaction claims it in `postings` under the unique key (schedule,
occurrence), advances the schedule, and stages the post in the outbox; a restart, a
retry or a second scheduler on the same database loses the claim and does nothing.
Policies, explicit:

- a skip date (a school break) posts nothing; `after_break="shift"` keeps the prompt for
  the next occurrence, `"skip"` drops it;
- an occurrence found more than CATCH_UP late (the bot was down) is recorded as missed,
  keeps its prompt for the next occurrence, and the organizers are told by DM; within
  CATCH_UP it is posted late rather than not at all;
- a schedule is finished as soon as no prompt will go out again (none left, or no slot
  before its end date that is not a break), so what `prompt list` says is what happens.

Timing is this module's own loop (APScheduler's triggers compute the calendar, nothing
more): one pass handles every due schedule,
then it sleeps until the next due time, at most MAX_NAP, on the injected clock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.clock import Clock
from bot.directory import Directory
from bot.features.prompts.discussions import discussion_key
from bot.features.prompts.library import Library, SeriesModel
from bot.features.prompts.notices import IdeaNotices
from bot.features.prompts.own import OWN_SERIES, OwnPrompts
from bot.i18n import N_, Translator
from bot.intents import Intent, Message, Post
from bot.notify import tell_organizers
from bot.outbox import Outbox
from bot.recurrence import Recurrence
from bot.refs import ConversationRef, MemberRef
from bot.render import in_languages
from bot.storage.tables import postings, schedules

log = logging.getLogger(__name__)

CATCH_UP = timedelta(hours=12)
BATCH = 200
MAX_NAP = 60.0


@dataclass(frozen=True, slots=True)
class Schedule:
    id: int
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

    @classmethod
    def from_row(cls, row: object) -> Schedule:
        r = row._mapping  # type: ignore[attr-defined]
        hours, minutes = (int(x) for x in r["at_time"].split(":"))
        return cls(
            id=r["id"],
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


@dataclass(frozen=True, slots=True)
class _Plan:
    schedule: Schedule
    series: SeriesModel | None
    outcome: str
    prompt_id: str | None  # posted, or dropped at a break
    position: int | None  # the prompt's place in its series, when one is posted
    finished: bool


@dataclass(slots=True)
class _History:
    posted: dict[tuple[ConversationRef, str], set[str]]  # prompts a channel has had
    dropped: dict[int, set[str]]  # prompts a schedule dropped at a break
    mine: dict[int, set[str]]  # prompts a schedule posted

    def remaining(self, schedule: Schedule, series: SeriesModel) -> list[int]:
        """Places in `series` of the prompts `schedule` may still post, in order."""
        done = self.posted.get((schedule.channel, series.id), set()) | self.dropped.get(
            schedule.id, set()
        )
        return [i for i, prompt in enumerate(series.prompts) if prompt.id not in done]


class PromptScheduler:
    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        library: Library,
        directory: Directory,
        outbox: Outbox,
        own: OwnPrompts,
        notices: IdeaNotices | None = None,
    ) -> None:
        self._own = own
        self._notices = notices
        self._engine = engine
        self._clock = clock
        self._library = library
        self._directory = directory
        self._outbox = outbox
        self._changed = asyncio.Event()

    # -- creating and changing schedules ---------------------------------------------------
    async def create(
        self,
        *,
        community_id: int,
        channel: ConversationRef,
        series_id: str,
        weekday: int,
        at: time,
        timezone: str,
        start: date,
        end: date | None,
        skips: frozenset[date],
        after_break: str,
        created_by: MemberRef,
        every_weeks: int = 1,
        month_week: int | None = None,
    ) -> Schedule:
        recurrence = Recurrence(weekday, at, timezone, start, every_weeks, month_week)
        first = recurrence.next_slot(self._clock.now(), start)
        values = {
            "community_id": community_id,
            "platform": channel.platform,
            "community": channel.community,
            "channel": channel.channel,
            "series_id": series_id,
            "weekday": weekday,
            "at_time": at.strftime("%H:%M"),
            "timezone": timezone,
            "start_date": start.isoformat(),
            "every_weeks": every_weeks,
            "month_week": month_week,
            "end_date": end.isoformat() if end else None,
            "skip_dates": ",".join(sorted(d.isoformat() for d in skips)),
            "after_break": after_break,
            "status": "active",
            "next_date": first.isoformat(),
            "next_index": 0,
            "next_due": recurrence.due(first),
            "created_by": created_by.id,
            "created_at": self._clock.now(),
        }
        async with self._engine.begin() as conn:
            new_id = (
                await conn.execute(insert(schedules).values(**values).returning(schedules.c.id))
            ).scalar_one()
        self._changed.set()
        return await self.get(new_id)  # type: ignore[return-value]

    async def get(
        self, schedule_id: int, community: ConversationRef | None = None
    ) -> Schedule | None:
        query = select(schedules).where(schedules.c.id == schedule_id)
        if community is not None:
            query = query.where(
                (schedules.c.platform == community.platform)
                & (schedules.c.community == community.community)
            )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return Schedule.from_row(row) if row else None

    async def in_community(self, community: ConversationRef) -> list[Schedule]:
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                select(schedules)
                .where(
                    (schedules.c.platform == community.platform)
                    & (schedules.c.community == community.community)
                )
                .order_by(schedules.c.id)
            )
            return [Schedule.from_row(r) for r in rows]

    async def set_status(self, schedule: Schedule, status: str) -> Schedule:
        """Pause, resume or cancel (the caller has checked the move makes sense).

        Resuming picks the next slot still ahead, and no prompt is lost; a schedule with
        no prompt left to post before its end date is finished instead."""
        values: dict[str, object] = {"status": status}
        if status == "active":
            day = schedule.recurrence.next_slot(self._clock.now(), schedule.next_date)
            values |= {"next_date": day.isoformat(), "next_due": schedule.recurrence.due(day)}
            series = await self._series(schedule)
            async with self._engine.connect() as conn:
                history = await self._history(conn, [schedule])
            if (
                series is None
                or self._next_post(schedule, day, history.remaining(schedule, series)) is None
            ):
                values["status"] = "finished"
        async with self._engine.begin() as conn:
            await conn.execute(
                update(schedules).where(schedules.c.id == schedule.id).values(**values)
            )
        self._changed.set()
        return await self.get(schedule.id)  # type: ignore[return-value]

    async def skip_next(self, schedule: Schedule) -> date | None:
        """Move the next prompt to the occurrence after it (the series shifts), whatever
        the rhythm; returns the date that was skipped, or None when no date is left to
        skip. Break dates before it pass with nothing posted, as they would have."""
        recurrence = schedule.recurrence
        start = schedule.next_date
        if schedule.status == "paused":  # its slot may lie in the past: skip one ahead
            start = recurrence.next_slot(self._clock.now(), start)
        found = recurrence.first_free(start, schedule.skips, schedule.end)
        if found is None:
            return None
        skipped = found[0]
        day = recurrence.following(skipped)
        series = await self._series(schedule)
        async with self._engine.begin() as conn:
            history = await self._history(conn, [schedule])
            await self._claim_many(conn, [(schedule.id, skipped.isoformat(), None, "skipped")])
            remaining = history.remaining(schedule, series) if series else []
            finished = self._next_post(schedule, day, remaining) is None
            await self._advance(conn, schedule, day, schedule.next_index, finished)
        self._changed.set()
        return skipped

    async def post_now(self, schedule: Schedule) -> int | None:
        """Post the next prompt the group has not had, at once; the weekly slot then
        carries the one after. Returns its week in the series, or None when every prompt
        has already gone out in this channel (the schedule is then finished)."""
        series = await self._series(schedule)
        if series is None:
            return None
        languages = (await self._directory.community(schedule.channel.community_ref)).languages
        async with self._engine.begin() as conn:
            history = await self._history(conn, [schedule])
            remaining = history.remaining(schedule, series)
            if not remaining:
                await self._advance(conn, schedule, schedule.next_date, schedule.next_index, True)
                return None
            position = remaining[0]
            # One claim per post-now of this schedule: two presses at once post once.
            occurrence = f"now:{len(history.mine.get(schedule.id, ())) + 1}"
            won = await self._claim_many(
                conn, [(schedule.id, occurrence, series.prompts[position].id, "posted")]
            )
            if not won:
                return None
            staged = await self._outbox.stage(
                conn, [self._post(schedule, series, position, languages)]
            )
            finished = self._next_post(schedule, schedule.next_date, remaining[1:]) is None
            await self._advance(
                conn, schedule, schedule.next_date, schedule.next_index + 1, finished
            )
            history.posted.setdefault((schedule.channel, series.id), set()).add(
                series.prompts[position].id
            )
            await self._finish_twins(conn, [(schedule, series)], history)
        self._outbox.release(staged)
        self._changed.set()
        return position + 1

    async def posted_in(self, channel: ConversationRef, series_id: str) -> set[str]:
        """The prompts of a series a channel has already had (from any schedule)."""
        probe = Schedule(
            id=0,
            channel=channel,
            series_id=series_id,
            weekday=0,
            at=time(0, 0),
            timezone="UTC",
            start=date.min,
            end=None,
            skips=frozenset(),
            after_break="shift",
            status="active",
            next_date=date.min,
            next_index=0,
            next_due=self._clock.now(),
        )
        async with self._engine.connect() as conn:
            history = await self._history(conn, [probe])
        return history.posted.get((channel, series_id), set())

    async def outlooks(self, found: list[Schedule]) -> dict[int, Outlook]:
        """What each schedule has done and will do, as members should read it."""
        async with self._engine.connect() as conn:
            history = await self._history(conn, found)
        result: dict[int, Outlook] = {}
        for schedule in found:
            series = await self._series(schedule)
            next_post = (
                self._next_post(schedule, schedule.next_date, history.remaining(schedule, series))
                if series is not None and schedule.status == "active"
                else None
            )
            # Counted against the series as it stands (a prompt of the group's own series
            # may have been removed since it went out).
            ids = {p.id for p in series.prompts} if series else set()
            result[schedule.id] = Outlook(
                posted=len(history.mine.get(schedule.id, set()) & ids),
                total=len(series.prompts) if series else 0,
                next_post=next_post,
            )
        return result

    def _next_post(self, schedule: Schedule, day: date, remaining: list[int]) -> datetime | None:
        """When the next prompt really goes out from the slot `day` on: past break weeks
        (which drop a prompt each under the "skip" policy), never after the end date;
        None when no prompt will."""
        found = schedule.recurrence.first_free(day, schedule.skips, schedule.end)
        if found is None:
            return None
        slot, breaks = found
        left = remaining[breaks:] if schedule.after_break == "skip" else remaining
        return schedule.recurrence.due(slot) if left else None

    async def soonest_due(self) -> datetime | None:
        """When the next prompt really goes out in any group (break weeks and schedules
        past their end pass over), if one will."""
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(select(schedules).where(schedules.c.status == "active"))
            ).all()
        outlooks = await self.outlooks([Schedule.from_row(r) for r in rows])
        times = [o.next_post for o in outlooks.values() if o.next_post is not None]
        return min(times, default=None)

    # -- the loop ------------------------------------------------------------------------
    async def run(self) -> None:
        """Handle what is due, sleep until the next due time; forever (supervised)."""
        while True:
            self._changed.clear()
            await self.run_due()
            async with self._engine.connect() as conn:
                soonest = (
                    await conn.execute(
                        select(schedules.c.next_due)
                        .where(schedules.c.status == "active")
                        .order_by(schedules.c.next_due)
                        .limit(1)
                    )
                ).scalar()
            nap = (
                MAX_NAP
                if soonest is None
                else min(MAX_NAP, max(0.0, (soonest - self._clock.now()).total_seconds()))
            )
            sleeper = asyncio.ensure_future(self._clock.sleep(nap))
            waker = asyncio.ensure_future(self._changed.wait())
            try:
                await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeper.cancel()
                waker.cancel()

    async def run_due(self) -> int:
        """Handle every occurrence due by now, in batches; returns how many were posted.

        A burst (a thousand groups due the same minute) costs one transaction per
        BATCH occurrences, not several queries each."""
        posted = 0
        while True:
            async with self._engine.connect() as conn:
                rows = (
                    await conn.execute(
                        select(schedules)
                        .where(
                            (schedules.c.status == "active")
                            & (schedules.c.next_due <= self._clock.now())
                        )
                        .order_by(schedules.c.next_due, schedules.c.id)
                        .limit(BATCH)
                    )
                ).all()
            if not rows:
                if self._notices is not None:  # ideas waiting since yesterday's notice
                    await self._notices.send_due()
                return posted
            handled = await self._handle_batch([Schedule.from_row(r) for r in rows])
            if handled is None:
                continue  # another scheduler won these claims; look again
            posted += handled

    async def _handle_batch(self, due: list[Schedule]) -> int | None:
        now = self._clock.now()
        languages = {
            ref: (await self._directory.community(ref)).languages
            for ref in {s.channel.community_ref for s in due}
        }
        async with self._engine.connect() as conn:
            history = await self._history(conn, due)
        plans: dict[int, _Plan] = {}
        for schedule in due:
            series = await self._series(schedule)
            if series is None:
                # The group's own series with every prompt removed has simply run out.
                gone = "exhausted" if schedule.series_id == OWN_SERIES else "broken"
                plans[schedule.id] = _Plan(schedule, None, gone, None, None, True)
                continue
            # A prompt never repeats in a group: only prompts this channel has not had,
            # and the history grows as we go, so two schedules due together differ.
            remaining = history.remaining(schedule, series)
            prompt_id, position = None, None
            if schedule.next_date in schedule.skips:
                outcome = "break"
                if schedule.after_break == "skip" and remaining:
                    prompt_id = series.prompts[remaining.pop(0)].id
                    history.dropped.setdefault(schedule.id, set()).add(prompt_id)
            elif now - schedule.next_due > CATCH_UP:
                outcome = "missed"
            elif not remaining:
                outcome = "exhausted"
            else:
                outcome, position = "posted", remaining.pop(0)
                prompt_id = series.prompts[position].id
                history.posted.setdefault((schedule.channel, series.id), set()).add(prompt_id)
            following = schedule.recurrence.following(schedule.next_date)
            finished = self._next_post(schedule, following, remaining) is None
            plans[schedule.id] = _Plan(schedule, series, outcome, prompt_id, position, finished)
        intents: list[Intent] = []
        async with self._engine.begin() as conn:
            won = await self._claim_many(
                conn,
                [
                    (s.id, s.next_date.isoformat(), plans[s.id].prompt_id, plans[s.id].outcome)
                    for s in due
                ],
            )
            if not won:
                return None
            for schedule_id in won:
                plan = plans[schedule_id]
                schedule, series = plan.schedule, plan.series
                if series is None:
                    if plan.outcome == "broken":
                        log.error(
                            "event=schedule_series_missing schedule_id=%d series=%s",
                            schedule_id,
                            schedule.series_id,
                        )
                    await conn.execute(
                        update(schedules)
                        .where(schedules.c.id == schedule_id)
                        .values(status="broken" if plan.outcome == "broken" else "finished")
                    )
                    continue
                readers = languages[schedule.channel.community_ref]
                if plan.position is not None:
                    intents.append(self._post(schedule, series, plan.position, readers))
                elif plan.outcome == "missed":
                    intents += await self._tell_organizers(schedule, series, readers[0])
                log.info(
                    "event=schedule_occurrence schedule_id=%d occurrence=%s outcome=%s",
                    schedule_id,
                    schedule.next_date,
                    plan.outcome,
                )
                consumed = schedule.next_index + (1 if plan.prompt_id else 0)
                await self._advance(
                    conn,
                    schedule,
                    schedule.recurrence.following(schedule.next_date),
                    consumed,
                    plan.finished,
                )
            await self._finish_twins(
                conn,
                [
                    (plans[i].schedule, plans[i].series)
                    for i in won
                    if plans[i].outcome == "posted" and plans[i].series is not None
                ],
                history,
            )
            staged = await self._outbox.stage(conn, intents)
        self._outbox.release(staged)
        return sum(1 for i in won if plans[i].outcome == "posted")

    async def _finish_twins(
        self,
        conn: AsyncConnection,
        posted: list[tuple[Schedule, SeriesModel | None]],
        history: _History,
    ) -> None:
        """Another schedule of the same series in the same channel may have nothing left
        once these posts went out: it is finished now, so `prompt list`, `resume` and
        `pause` all say so (it would otherwise claim to be running)."""
        for schedule, series in posted:
            if series is None:
                continue
            rows = await conn.execute(
                select(schedules).where(
                    (schedules.c.platform == schedule.channel.platform)
                    & (schedules.c.community == schedule.channel.community)
                    & (schedules.c.channel == schedule.channel.channel)
                    & (schedules.c.series_id == schedule.series_id)
                    & (schedules.c.status.in_(("active", "paused")))
                    & (schedules.c.id != schedule.id)
                )
            )
            for twin in [Schedule.from_row(r) for r in rows]:
                left = history.remaining(twin, series)
                if not left or (
                    twin.status == "active" and self._next_post(twin, twin.next_date, left) is None
                ):
                    await conn.execute(
                        update(schedules).where(schedules.c.id == twin.id).values(status="finished")
                    )

    async def _history(self, conn: AsyncConnection, found: list[Schedule]) -> _History:
        """The prompts the channels of `found` have had, by (channel, series), the prompts
        each schedule dropped at a break, and how many each schedule posted."""
        history = _History({}, {}, {})  # posted, dropped, mine
        channels = {s.channel.channel for s in found}
        if not channels:
            return history
        rows = await conn.execute(
            select(
                schedules.c.platform,
                schedules.c.community,
                schedules.c.channel,
                schedules.c.series_id,
                postings.c.schedule_id,
                postings.c.prompt_id,
                postings.c.outcome,
            )
            .join(postings, postings.c.schedule_id == schedules.c.id)
            .where(postings.c.prompt_id.is_not(None) & schedules.c.channel.in_(channels))
        )
        for platform, community, channel, series_id, schedule_id, prompt_id, outcome in rows:
            if outcome == "posted":
                where = ConversationRef(platform, community, channel)
                history.posted.setdefault((where, series_id), set()).add(prompt_id)
                history.mine.setdefault(schedule_id, set()).add(prompt_id)
            else:
                history.dropped.setdefault(schedule_id, set()).add(prompt_id)
        return history

    async def _claim_many(
        self, conn: AsyncConnection, claims: list[tuple[int, str, str | None, str]]
    ) -> list[int]:
        """Claim occurrences; returns the schedules whose claim this scheduler won."""
        rows = [
            {
                "schedule_id": sid,
                "occurrence": occ,
                "prompt_id": pid,
                "outcome": outcome,
                "at": self._clock.now(),
            }
            for sid, occ, pid, outcome in claims
        ]
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(postings).on_conflict_do_nothing().returning(postings.c.schedule_id)
        )
        won: list[int] = []
        for row in rows:  # RETURNING with ON CONFLICT needs one row a statement on SQLite
            won += (await conn.execute(statement.values(**row))).scalars().all()
        return won

    async def _advance(
        self, conn: AsyncConnection, schedule: Schedule, day: date, consumed: int, finished: bool
    ) -> None:
        """Move the schedule to the slot `day`; finished when no prompt will go out again."""
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

    async def _series(self, schedule: Schedule) -> SeriesModel | None:
        if schedule.series_id == OWN_SERIES:  # the group's own, as it stands now
            community = await self._directory.community(schedule.channel.community_ref)
            return await self._own.series(community.id, community.default_language)
        return self._library.get(schedule.series_id, "en")

    def _post(
        self, schedule: Schedule, series: SeriesModel, index: int, languages: Sequence[str]
    ) -> Post:
        """The prompt in each of the group's languages, opening one thread for the replies."""

        def version(t: Translator) -> Message:
            localized = self._library.get(series.id, t.language) or series
            prompt = localized.prompts[index]
            # "Week 3 of 6" would misname the third prompt of a monthly series.
            numbered = N_("{series} · week {n} of {total}")
            if not schedule.recurrence.weekly:
                numbered = N_("{series} · prompt {n} of {total}")
            return Message(
                title=t._(
                    numbered, series=localized.title, n=index + 1, total=len(localized.prompts)
                ),
                text=prompt.text + (f"\n\n{prompt.follow_up}" if prompt.follow_up else ""),
                footer=t._(
                    "Reply in this thread to join the conversation. Every voice is welcome."
                ),
            )

        return Post(
            to=schedule.channel,
            message=in_languages(languages, version),
            opens_thread=True,
            tag=discussion_key(schedule.id, series.id, series.prompts[index].id),
        )

    async def _tell_organizers(
        self, schedule: Schedule, series: SeriesModel, language: str
    ) -> list[Intent]:
        message = (
            N_(
                "I couldn't post this week's “{series}” prompt in {channel} on time ({when}), so "
                "I kept it for next week. Nothing else needs doing."
            )
            if schedule.recurrence.weekly
            else N_(
                "I couldn't post the “{series}” prompt in {channel} on time ({when}), so I kept "
                "it for its next date. Nothing else needs doing."
            )
        )

        def missed(t: Translator) -> str:
            return t._(
                message,
                series=series.title,
                channel=f"<#{schedule.channel.channel}>",
                when=t.when(schedule.next_due, schedule.timezone),
            )

        # No organizer role granted yet: whoever scheduled it hears about it.
        return await tell_organizers(
            self._directory,
            schedule.channel.community_ref,
            language,
            missed,
            fallback=[await self._created_by(schedule.id)],
        )

    async def _created_by(self, schedule_id: int) -> str:
        async with self._engine.connect() as conn:
            return str(
                (
                    await conn.execute(
                        select(schedules.c.created_by).where(schedules.c.id == schedule_id)
                    )
                ).scalar_one()
            )
