"""Schedules as organizers change them: create, pause, resume, cancel, skip the next
prompt, post one now, and say truly what each has done and will do.

Each schedule persists its next slot (`next_date`, `next_due`): weekly, every N weeks
or monthly, as `bot/recurrence.py` computes it. Which prompt a slot carries is not
stored: it is the first prompt of the series that the channel has not had (from any
schedule, post-now included) and that this schedule did not drop at a break, so a prompt
never repeats in a group, whatever schedules come and go. An active schedule owns a
timer (bot/timers.py) due at its next slot; every change here moves or cancels it in the
same transaction, and the timer's handler (`occurrences.py`) posts the slot's prompt.
The tables are read and written through `schedules.py`; the post is drawn by
`rendering.py`.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock
from bot.directory import Directory
from bot.features.prompts import schedules as repo
from bot.features.prompts.library import Library, SeriesModel
from bot.features.prompts.occurrences import Occurrences
from bot.features.prompts.own import OwnPrompts
from bot.features.prompts.rendering import prompt_post
from bot.features.prompts.schedules import Outlook, Schedule
from bot.outbox import Outbox
from bot.recurrence import Recurrence
from bot.refs import ConversationRef, MemberRef
from bot.storage.places import at_place, place_columns
from bot.storage.tables import schedules
from bot.timers import Timers

__all__ = ["Outlook", "PromptScheduler", "Schedule"]


class PromptScheduler:
    """The schedules of every community; built once, used by the prompt commands."""

    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        library: Library,
        directory: Directory,
        outbox: Outbox,
        own: OwnPrompts,
        timers: Timers,
    ) -> None:
        self._own = own
        self._engine = engine
        self._clock = clock
        self._library = library
        self._directory = directory
        self._outbox = outbox
        self._timers = timers
        # The "schedule" timer's handler (occurrences.schedules_due) reaches it here.
        self.occurrences = Occurrences(clock, library, directory, own, timers)

    # -- creating and changing schedules ---------------------------------------------------
    async def create(
        self,
        *,
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
            **place_columns(channel),
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
            await repo.sync_timer(conn, self._timers, new_id)
        self._timers.wake()
        return await self.get(new_id)  # type: ignore[return-value]

    async def get(
        self, schedule_id: int, community: ConversationRef | None = None
    ) -> Schedule | None:
        query = repo.schedule_rows().where(schedules.c.id == schedule_id)
        if community is not None:
            query = query.where(at_place(schedules, community.community_ref))
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return Schedule.from_row(row) if row else None

    async def in_community(self, community: ConversationRef) -> list[Schedule]:
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                repo.schedule_rows()
                .where(at_place(schedules, community.community_ref))
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
            series = await self._series_of(schedule)
            async with self._engine.connect() as conn:
                history = await repo.history(conn, [schedule])
            if (
                series is None
                or repo.next_post(schedule, day, history.remaining(schedule, series)) is None
            ):
                values["status"] = "finished"
        async with self._engine.begin() as conn:
            await conn.execute(
                update(schedules).where(schedules.c.id == schedule.id).values(**values)
            )
            await repo.sync_timer(conn, self._timers, schedule.id)
        self._timers.wake()
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
        series = await self._series_of(schedule)
        async with self._engine.begin() as conn:
            history = await repo.history(conn, [schedule])
            await repo.claim_many(
                conn, [(schedule.id, skipped.isoformat(), None, "skipped")], self._clock.now()
            )
            remaining = history.remaining(schedule, series) if series else []
            finished = repo.next_post(schedule, day, remaining) is None
            await repo.advance(conn, schedule, day, schedule.next_index, finished)
            await repo.sync_timer(conn, self._timers, schedule.id)
        self._timers.wake()
        return skipped

    async def post_now(self, schedule: Schedule) -> int | None:
        """Post the next prompt the group has not had, at once; the weekly slot then
        carries the one after. Returns its week in the series, or None when every prompt
        has already gone out in this channel (the schedule is then finished)."""
        series = await self._series_of(schedule)
        if series is None:
            return None
        languages = (await self._directory.community(schedule.channel.community_ref)).languages
        async with self._engine.begin() as conn:
            history = await repo.history(conn, [schedule])
            remaining = history.remaining(schedule, series)
            if not remaining:
                await repo.advance(conn, schedule, schedule.next_date, schedule.next_index, True)
                await repo.sync_timer(conn, self._timers, schedule.id)
                return None
            position = remaining[0]
            # One claim per post-now of this schedule: two presses at once post once.
            occurrence = f"now:{len(history.mine.get(schedule.id, ())) + 1}"
            won = await repo.claim_many(
                conn,
                [(schedule.id, occurrence, series.prompts[position].id, "posted")],
                self._clock.now(),
            )
            if not won:
                return None
            staged = await self._outbox.stage(
                conn, [prompt_post(self._library, schedule, series, position, languages)]
            )
            finished = repo.next_post(schedule, schedule.next_date, remaining[1:]) is None
            await repo.advance(
                conn, schedule, schedule.next_date, schedule.next_index + 1, finished
            )
            history.posted.setdefault((schedule.channel, series.id), set()).add(
                series.prompts[position].id
            )
            await repo.sync_timer(conn, self._timers, schedule.id)
            await repo.finish_twins(conn, self._timers, [(schedule, series)], history)
        self._outbox.release(staged)
        self._timers.wake()
        return position + 1

    async def posted_in(self, channel: ConversationRef, series_id: str) -> set[str]:
        """The prompts of a series a channel has already had (from any schedule)."""
        async with self._engine.connect() as conn:
            history = await repo.history_at(conn, channel)
        return history.posted.get((channel, series_id), set())

    async def outlooks(self, found: list[Schedule]) -> dict[int, Outlook]:
        """What each schedule has done and will do, as members should read it."""
        async with self._engine.connect() as conn:
            history = await repo.history(conn, found)
        result: dict[int, Outlook] = {}
        for schedule in found:
            series = await self._series_of(schedule)
            next_post = (
                repo.next_post(schedule, schedule.next_date, history.remaining(schedule, series))
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

    async def soonest_due(self) -> datetime | None:
        """When the next prompt really goes out in any group (break weeks and schedules
        past their end pass over), if one will."""
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(repo.schedule_rows().where(schedules.c.status == "active"))
            ).all()
        outlooks = await self.outlooks([Schedule.from_row(r) for r in rows])
        times = [o.next_post for o in outlooks.values() if o.next_post is not None]
        return min(times, default=None)

    async def _series_of(self, schedule: Schedule) -> SeriesModel | None:
        return await repo.series_of(schedule, self._library, self._directory, self._own)
