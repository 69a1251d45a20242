"""Schedules that never miss or double-post.

Each schedule persists its next occurrence (`next_date`, `next_due`) and the prompt it
will carry (`next_index`). When an occurrence is due, one transaction claims it in
`postings` under the unique key (schedule, occurrence), advances the schedule, and
stages the post in the outbox; a restart, a retry or a second scheduler on the same
database loses the claim and does nothing. Policies, explicit:

- a skip date (a school break) posts nothing; `after_break="shift"` keeps the prompt for
  the next week, `"skip"` drops it;
- an occurrence found more than CATCH_UP late (the bot was down) is recorded as missed,
  keeps its prompt for the next week, and the organizers are told by DM; within
  CATCH_UP it is posted late rather than not at all.

Timing is this module's own loop (not APScheduler): one pass handles every due schedule,
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
from bot.features.prompts.own import OWN_SERIES, OwnPrompts
from bot.features.prompts.timing import WEEK, due_at, next_slot
from bot.i18n import Translator
from bot.intents import Intent, Message, Post
from bot.notify import tell_organizers
from bot.outbox import Outbox
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
        )


class PromptScheduler:
    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        library: Library,
        directory: Directory,
        outbox: Outbox,
        own: OwnPrompts,
    ) -> None:
        self._own = own
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
    ) -> Schedule:
        first = next_slot(self._clock.now(), weekday, at, timezone, start)
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
            "end_date": end.isoformat() if end else None,
            "skip_dates": ",".join(sorted(d.isoformat() for d in skips)),
            "after_break": after_break,
            "status": "active",
            "next_date": first.isoformat(),
            "next_index": 0,
            "next_due": due_at(first, at, timezone),
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
        """Pause, resume or cancel. Resuming picks the next slot still ahead; no prompt is lost."""
        values: dict[str, object] = {"status": status}
        if status == "active":
            day = next_slot(
                self._clock.now(),
                schedule.weekday,
                schedule.at,
                schedule.timezone,
                schedule.next_date,
            )
            values |= {
                "next_date": day.isoformat(),
                "next_due": due_at(day, schedule.at, schedule.timezone),
            }
        async with self._engine.begin() as conn:
            await conn.execute(
                update(schedules).where(schedules.c.id == schedule.id).values(**values)
            )
        self._changed.set()
        return await self.get(schedule.id)  # type: ignore[return-value]

    async def skip_next(self, schedule: Schedule) -> Schedule:
        """Move the next prompt one week later (the series shifts)."""
        day = schedule.next_date + WEEK
        async with self._engine.begin() as conn:
            await self._claim(conn, schedule.id, schedule.next_date.isoformat(), None, "skipped")
            await conn.execute(
                update(schedules)
                .where(schedules.c.id == schedule.id)
                .values(
                    next_date=day.isoformat(), next_due=due_at(day, schedule.at, schedule.timezone)
                )
            )
        return await self.get(schedule.id)  # type: ignore[return-value]

    async def post_now(self, schedule: Schedule) -> bool:
        """Post the next prompt at once; the weekly slot then carries the one after."""
        series = await self._series(schedule)
        if series is None or schedule.next_index >= len(series.prompts):
            return False
        languages = (await self._directory.community(schedule.channel.community_ref)).languages
        async with self._engine.begin() as conn:
            prompt = series.prompts[schedule.next_index]
            await self._claim(
                conn, schedule.id, f"now:{self._clock.now().isoformat()}", prompt.id, "posted"
            )
            staged = await self._outbox.stage(
                conn, [self._post(schedule, series, schedule.next_index, languages)]
            )
            await self._advance(
                conn, schedule, schedule.next_date, schedule.next_index + 1, len(series.prompts)
            )
        self._outbox.release(staged)
        return True

    async def soonest_due(self) -> datetime | None:
        """When the next scheduled prompt is due, if any is."""
        async with self._engine.connect() as conn:
            return (
                await conn.execute(
                    select(schedules.c.next_due)
                    .where(schedules.c.status == "active")
                    .order_by(schedules.c.next_due)
                    .limit(1)
                )
            ).scalar()

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
        seen = await self._already_posted(due)
        plans: dict[int, tuple[Schedule, SeriesModel | None, str, str | None, int]] = {}
        for schedule in due:
            series = await self._series(schedule)
            index = schedule.next_index
            if series is None:
                outcome, prompt_id = "broken", None
            elif schedule.next_date in schedule.skips:
                outcome = "break"
                dropped = schedule.after_break == "skip"
                prompt_id = series.prompts[index].id if dropped else None
                index += 1 if dropped else 0
            elif now - schedule.next_due > CATCH_UP:
                outcome, prompt_id = "missed", None
            else:
                # A prompt never repeats in a group: pass over any it has already had.
                done = seen.get((schedule.channel, series.id), set())
                while index < len(series.prompts) and series.prompts[index].id in done:
                    index += 1
                if index >= len(series.prompts):
                    outcome, prompt_id = "exhausted", None
                else:
                    outcome, prompt_id = "posted", series.prompts[index].id
                    index += 1
            plans[schedule.id] = (schedule, series, outcome, prompt_id, index)
        intents: list[Intent] = []
        async with self._engine.begin() as conn:
            won = await self._claim_many(
                conn, [(s.id, s.next_date.isoformat(), plans[s.id][3], plans[s.id][2]) for s in due]
            )
            if not won:
                return None
            for schedule_id in won:
                schedule, series, outcome, _, index = plans[schedule_id]
                if series is None:
                    log.error(
                        "event=schedule_series_missing schedule_id=%d series=%s",
                        schedule_id,
                        schedule.series_id,
                    )
                    await conn.execute(
                        update(schedules)
                        .where(schedules.c.id == schedule_id)
                        .values(status="broken")
                    )
                    continue
                readers = languages[schedule.channel.community_ref]
                if outcome == "posted":
                    posted_index = next(
                        i for i, p in enumerate(series.prompts) if p.id == plans[schedule_id][3]
                    )
                    intents.append(self._post(schedule, series, posted_index, readers))
                elif outcome == "missed":
                    intents += await self._tell_organizers(schedule, series, readers[0])
                log.info(
                    "event=schedule_occurrence schedule_id=%d occurrence=%s outcome=%s",
                    schedule_id,
                    schedule.next_date,
                    outcome,
                )
            await self._advance_many(conn, [plans[i] for i in won])
            staged = await self._outbox.stage(conn, intents)
        self._outbox.release(staged)
        return sum(1 for i in won if plans[i][2] == "posted")

    async def _already_posted(
        self, due: list[Schedule]
    ) -> dict[tuple[ConversationRef, str], set[str]]:
        """The prompts each due schedule's channel has already had, by (channel, series)."""
        channels = {s.channel.channel for s in due}
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                select(
                    schedules.c.platform,
                    schedules.c.community,
                    schedules.c.channel,
                    schedules.c.series_id,
                    postings.c.prompt_id,
                )
                .join(postings, postings.c.schedule_id == schedules.c.id)
                .where((postings.c.outcome == "posted") & schedules.c.channel.in_(channels))
            )
            seen: dict[tuple[ConversationRef, str], set[str]] = {}
            for platform, community, channel, series_id, prompt_id in rows:
                seen.setdefault(
                    (ConversationRef(platform, community, channel), series_id), set()
                ).add(prompt_id)
        return seen

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

    async def _advance_many(
        self,
        conn: AsyncConnection,
        plans: list[tuple[Schedule, SeriesModel | None, str, str | None, int]],
    ) -> None:
        for schedule, series, _, _, index in plans:
            if series is not None:
                await self._advance(
                    conn, schedule, schedule.next_date + WEEK, index, len(series.prompts)
                )

    async def _advance(
        self, conn: AsyncConnection, schedule: Schedule, day: date, index: int, count: int
    ) -> None:
        finished = index >= count or (schedule.end is not None and day > schedule.end)
        await conn.execute(
            update(schedules)
            .where(schedules.c.id == schedule.id)
            .values(
                next_date=day.isoformat(),
                next_index=index,
                next_due=due_at(day, schedule.at, schedule.timezone),
                status="finished" if finished else schedule.status,
            )
        )

    async def _claim(
        self,
        conn: AsyncConnection,
        schedule_id: int,
        occurrence: str,
        prompt_id: str | None,
        outcome: str,
    ) -> None:
        await conn.execute(
            insert(postings).values(
                schedule_id=schedule_id,
                occurrence=occurrence,
                prompt_id=prompt_id,
                outcome=outcome,
                at=self._clock.now(),
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
            return Message(
                title=t._(
                    "{series} · week {n} of {total}",
                    series=localized.title,
                    n=index + 1,
                    total=len(localized.prompts),
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
            key=discussion_key(schedule.id, series.id, series.prompts[index].id),
        )

    async def _tell_organizers(
        self, schedule: Schedule, series: SeriesModel, language: str
    ) -> list[Intent]:
        def missed(t: Translator) -> str:
            return t._(
                "I couldn't post this week's “{series}” prompt in {channel} on time ({when}), so "
                "I kept it for next week. Nothing else needs doing.",
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
