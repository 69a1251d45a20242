"""A schedule's slot coming due: the handler of the "schedule" timer (bot/timers.py).

The timer loop has claimed the timers and hands over a batch in its transaction; here
each due schedule is planned (which prompt, or a break, a miss, the end of its series),
its occurrence recorded in `postings` under the unique key (schedule, occurrence), the
schedule advanced, and the post returned for the loop to stage. All of it commits with
the claim, or none of it. Policies, explicit:

- a skip date (a school break) posts nothing; `after_break="shift"` keeps the prompt for
  the next occurrence, `"skip"` drops it;
- an occurrence found more than CATCH_UP late (the bot was down) is recorded as missed,
  keeps its prompt for the next occurrence, and the organizers are told by DM; within
  CATCH_UP it is posted late rather than not at all;
- an occurrence already recorded (a record without its advance: a crash of an older
  build, a hand edit) posts nothing and the schedule still moves on, so the loop can
  never spin on it;
- a schedule is finished as soon as no prompt will go out again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import Clock
from bot.directory import Directory
from bot.features.prompts import schedules as repo
from bot.features.prompts.library import Library, SeriesModel
from bot.features.prompts.missed import tell_missed
from bot.features.prompts.own import OWN_SERIES, OwnPrompts
from bot.features.prompts.rendering import prompt_post
from bot.features.prompts.schedules import Schedule
from bot.intents import Intent
from bot.timers import TimerResult, TimerRun, Timers

log = logging.getLogger(__name__)

CATCH_UP = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class _Plan:
    schedule: Schedule
    series: SeriesModel | None
    outcome: str
    prompt_id: str | None  # posted, or dropped at a break
    position: int | None  # the prompt's place in its series, when one is posted
    finished: bool


class Occurrences:
    """Fires due schedules; built once by the scheduler, called by the timer loop."""

    def __init__(
        self, clock: Clock, library: Library, directory: Directory, own: OwnPrompts, timers: Timers
    ) -> None:
        self._clock = clock
        self._library = library
        self._directory = directory
        self._own = own
        self._timers = timers

    async def fire(self, run: TimerRun) -> dict[str, TimerResult]:
        """Plan, record and advance each due schedule; the posts to stage, by timer key."""
        conn, now = run.conn, run.now
        results: dict[str, TimerResult] = {}
        ready: list[Schedule] = []
        for schedule in await repo.load(conn, [int(t.key) for t in run.due]):
            if schedule.status != "active":
                continue  # no answer: the timer is deleted
            if schedule.next_due > now:  # the timer ran ahead of its schedule
                results[str(schedule.id)] = TimerResult(next_due=schedule.next_due)
                continue
            ready.append(schedule)
        if not ready:
            return results
        plans = await self._plan(conn, ready, now)
        won = set(
            await repo.claim_many(
                conn,
                [
                    (s.id, s.next_date.isoformat(), plans[s.id].prompt_id, plans[s.id].outcome)
                    for s in ready
                ],
                self._clock.now(),  # when it was recorded (the pass may have begun earlier)
            )
        )
        languages = {
            ref: (await self._directory.community(ref)).languages
            for ref in {s.channel.community_ref for s in ready}
        }
        moves: list[tuple[Schedule, date, int, bool]] = []
        for schedule in ready:
            plan = plans[schedule.id]
            if plan.series is None:
                if plan.outcome == "broken":
                    log.error(
                        "event=schedule_series_missing schedule_id=%d series=%s",
                        schedule.id,
                        schedule.series_id,
                    )
                status = "broken" if plan.outcome == "broken" else "finished"
                await repo.finish(conn, self._timers, schedule.id, status)
                continue
            intents: list[Intent] = []
            consumed = schedule.next_index
            if schedule.id in won:
                readers = languages[schedule.channel.community_ref]
                if plan.position is not None:
                    intents.append(
                        prompt_post(self._library, schedule, plan.series, plan.position, readers)
                    )
                elif plan.outcome == "missed":
                    intents += await tell_missed(
                        conn, self._directory, schedule, plan.series, readers[0]
                    )
                consumed += 1 if plan.prompt_id else 0
                log.info(
                    "event=schedule_occurrence schedule_id=%d occurrence=%s outcome=%s",
                    schedule.id,
                    schedule.next_date,
                    plan.outcome,
                )
            else:
                log.warning(
                    "event=schedule_occurrence_already_recorded schedule_id=%d occurrence=%s",
                    schedule.id,
                    schedule.next_date,
                )
            following = schedule.recurrence.following(schedule.next_date)
            moves.append((schedule, following, consumed, plan.finished))
            results[str(schedule.id)] = TimerResult(
                intents, None if plan.finished else schedule.recurrence.due(following)
            )
        await repo.advance_many(conn, moves)
        history = await repo.history(conn, ready)
        await repo.finish_twins(
            conn,
            self._timers,
            [
                (plans[i].schedule, plans[i].series)
                for i in won
                if plans[i].outcome == "posted" and plans[i].series is not None
            ],
            history,
        )
        return results

    async def _plan(
        self, conn: AsyncConnection, due: list[Schedule], now: datetime
    ) -> dict[int, _Plan]:
        """What each due schedule does with this occurrence. A prompt never repeats in a
        group: only prompts its channel has not had, and the history grows as plans are
        made, so two schedules due together differ."""
        history = await repo.history(conn, due)
        plans: dict[int, _Plan] = {}
        for schedule in due:
            series = await repo.series_of(schedule, self._library, self._directory, self._own)
            if series is None:
                # The group's own series with every prompt removed has simply run out.
                gone = "exhausted" if schedule.series_id == OWN_SERIES else "broken"
                plans[schedule.id] = _Plan(schedule, None, gone, None, None, True)
                continue
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
            finished = repo.next_post(schedule, following, remaining) is None
            plans[schedule.id] = _Plan(schedule, series, outcome, prompt_id, position, finished)
        return plans


async def schedules_due(run: TimerRun) -> Mapping[str, TimerResult]:
    """The "schedule" timer's handler, as `Feature.timers` declares it."""
    occurrences: Occurrences = run.state.scheduler.occurrences
    return await occurrences.fire(run)
