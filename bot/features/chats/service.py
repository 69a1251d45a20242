"""What a live chat does, shared by the commands and the timer: announce it, post its
next question (each opening a thread), end it. Every step writes in the caller's
transaction and returns the intents to stage with it, so a question posted by the timer
commits with the timer's advance and is never posted twice.

A question due while the bot was down is caught up by the chat's `missed` policy, never
silently: `post` posts it now with a note saying it is late; `skip` leaves out the
questions whose whole time passed and says which ones."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.directory import CommunitySettings, Directory
from bot.features.chats import store
from bot.features.chats.store import (
    FEATURE,
    REPEAT,
    STEP,
    Chat,
    Question,
    occurrence,
    recurrence_of,
)
from bot.i18n import Translator
from bot.intents import Button, Intent, Message, OpenThread, Post, Tag
from bot.kernel import Kernel
from bot.refs import ConversationRef
from bot.render import in_languages

LATE = timedelta(minutes=2)  # a step this late says the bot was offline when it was due
WHEN = "chats.when"  # the announcement's button: the start time in the reader's zone
ANSWERED = "✅"  # the reaction that says an answer was filed

# Told when a chat ends, in the transaction that ends it: the digests feature's draft.
EndHook = Callable[[Kernel, AsyncConnection, int], Awaitable[list[Intent]]]


@dataclass(frozen=True, slots=True)
class QuestionPosted(Tag):
    """On a question's post: which chat and question, so its receipt records the thread."""

    chat_id: int
    number: int


@dataclass(frozen=True, slots=True)
class SeriesStopped:
    """What stopping a recurring chat did: how many chats to come it called off (None:
    it had no last date, so every later one), the last that took place (or is taking
    place), and the notices to the group."""

    upcoming: int | None
    last_held: Chat | None
    intents: list[Intent]


class ChatService:
    """The chats feature's state (`ctx.own`)."""

    def __init__(self, kernel: Kernel, on_end: EndHook | None = None) -> None:
        self.kernel = kernel
        self.directory: Directory = kernel.directory
        self.on_end = on_end

    # -- receipts ----------------------------------------------------------------------
    async def receipt(
        self, conn: AsyncConnection, intent: Intent, tag: QuestionPosted, delivered: str | None
    ) -> list[Intent]:
        """A question is in: its message is the thread answers may hang from; where the
        platform opens threads by a call of its own, that call follows as its own step."""
        if not isinstance(intent, Post) or not delivered:
            return []
        await store.thread_root(conn, tag.chat_id, tag.number, delivered)
        if self.kernel.outbox.capabilities(intent.to.platform).explicit_threads:
            return [OpenThread(to=replace(intent.to, message=delivered), name=f"Q{tag.number}")]
        return []

    # -- steps -------------------------------------------------------------------------
    async def community(self, chat: Chat) -> CommunitySettings:
        return await self.directory.community(chat.where.community_ref)

    async def announce(self, chat: Chat, questions: Sequence[str]) -> Post:
        """The post that tells the group a chat is coming, with its questions and time."""
        community = await self.community(chat)
        zone = community.timezone

        def compose(t: Translator) -> Message:
            lines = [
                t._(
                    "A live chat starts here {when} ({zone}). The questions:",
                    when=t.when(chat.starts_at, zone),
                    zone=zone,
                )
            ]
            lines += [f"Q{n}: {text}" for n, text in enumerate(questions, 1)]
            return Message(
                title=chat.title or t._("Live chat"),
                text="\n".join(lines),
                footer=t.ngettext(
                    "A new question every minute. Answer with A1, A2 … or in the question's "
                    "thread.",
                    "A new question every {n} minutes. Answer with A1, A2 … or in the "
                    "question's thread.",
                    round(chat.interval.total_seconds() / 60),
                ),
                buttons=(Button(t._("Show the time in my zone"), WHEN, str(chat.id)),),
            )

        return Post(to=chat.where, message=in_languages(community.languages, compose))

    async def step(
        self, conn: AsyncConnection, chat: Chat, now: datetime, *, due: datetime | None = None
    ) -> list[Intent]:
        """The chat's next step: its opening and first question, the next question, or
        its end once every question has had its time. `due`: when the timer meant it
        (late when the bot was down then). Sets the chat's timer for the step after."""
        if chat.status not in ("scheduled", "running") or not await store.hold(conn, chat):
            return []
        community = await self.community(chat)
        intents: list[Intent] = []
        if chat.status == "scheduled":
            await store.save(conn, chat.id, status="running")
            chat = replace(chat, status="running")
            intents.append(self._opening(chat, community))
        late = due is not None and now - due > LATE
        found = await store.questions(conn, chat.id)
        if late and due is not None and chat.missed == "skip":
            # Whole question windows that passed while the bot was down are left out.
            behind = int((now - due) / chat.interval)
            skipped = found[chat.posted : min(chat.total, chat.posted + behind)]
            for question in skipped:
                await store.question_skipped(conn, chat.id, question.number)
            if skipped:
                chat = replace(chat, posted=chat.posted + len(skipped))
                intents.append(self._skipped_note(chat, community, skipped, due))
            late = False
        if chat.posted >= chat.total:
            await store.save(conn, chat.id, posted=chat.posted)
            return intents + await self.end(conn, chat, now)
        question = found[chat.posted]
        intents.append(self._question(chat, community, question, due if late else None))
        await store.question_posted(conn, chat.id, question.number, now)
        next_at = now + chat.interval
        await store.save(conn, chat.id, posted=chat.posted + 1, next_at=next_at)
        await self.kernel.timers.set(conn, FEATURE, STEP, str(chat.id), next_at)
        return intents

    async def end(self, conn: AsyncConnection, chat: Chat, now: datetime) -> list[Intent]:
        """End the chat: its wrap-up and thanks posted, its timer gone, and the digests
        feature told so that the chat's draft is ready at once."""
        if chat.status != "running" or not await store.hold(conn, chat):
            return []
        community = await self.community(chat)
        await store.save(conn, chat.id, status="ended", ended_at=now, next_at=None)
        await self.kernel.timers.cancel(conn, FEATURE, STEP, str(chat.id))
        await store.drop_unfiled(conn, chat.id)
        answers, people = await store.counts(conn, chat.id)

        def compose(t: Translator) -> Message:
            thanks = t.ngettext(
                "That's the end of our live chat. Thank you! One answer was filed.",
                "That's the end of our live chat. Thank you! {n} answers were filed.",
                answers,
            )
            if answers > 1:  # one answer came from one person: no need to say so
                thanks += " " + t.ngettext(
                    "They came from one person.", "They came from {n} people.", people
                )
            return Message(text="\n\n".join(p for p in (chat.wrap_up, thanks) if p))

        intents: list[Intent] = [
            Post(to=chat.where, message=in_languages(community.languages, compose))
        ]
        if self.on_end is not None:
            intents += await self.on_end(self.kernel, conn, chat.id)
        return intents

    async def cancel(self, conn: AsyncConnection, chat: Chat, now: datetime) -> list[Intent] | None:
        """Call off a chat that has not begun, and say so where it was announced; with a
        recurring chat, its later times too. None when it has begun (or is gone)."""
        if chat.status != "scheduled" or not await store.hold(conn, chat):
            return None
        await store.save(conn, chat.id, status="cancelled", ended_at=now, next_at=None)
        await self.kernel.timers.cancel(conn, FEATURE, STEP, str(chat.id))
        if chat.series_id is not None:
            await store.stop_series(conn, chat.series_id)
            await self.kernel.timers.cancel(conn, FEATURE, REPEAT, str(chat.series_id))
        community = await self.community(chat)
        zone = community.timezone

        def compose(t: Translator) -> Message:
            return Message(
                text=t._(
                    "The live chat planned here for {when} is called off.",
                    when=t.when(chat.starts_at, zone),
                )
            )

        return [Post(to=chat.where, message=in_languages(community.languages, compose))]

    async def stop_series(
        self, conn: AsyncConnection, series: Any, where: ConversationRef
    ) -> SeriesStopped | None:
        """Stop a recurring chat for good, between its dates or during one: its next
        chat called off (the group told, if it was announced) and no later one made; a
        chat running now ends as planned. None when it had already stopped or run out."""
        if series.status == "stopped":
            return None
        made = await store.of_series(conn, series.id, where)
        planned = [c for c in made if c.status == "scheduled"]
        recurrence = recurrence_of(series)
        zone = recurrence.timezone
        if planned:
            next_day: date | None = planned[0].starts_at.astimezone(ZoneInfo(zone)).date()
        else:
            announce_at = await store.announce_due(conn, series.id)
            next_day = None if announce_at is None else occurrence(recurrence, announce_at)
        if next_day is None:
            return None
        until = date.fromisoformat(series.end_date) if series.end_date else None
        upcoming = None if until is None else recurrence.count_through(next_day, until)
        intents: list[Intent] = []
        for chat in planned:
            intents += await self.cancel(conn, chat, self.kernel.clock.now()) or []
        await store.stop_series(conn, series.id)
        await self.kernel.timers.cancel(conn, FEATURE, REPEAT, str(series.id))
        held = [c for c in made if c.status in ("running", "ended")]
        return SeriesStopped(upcoming, held[-1] if held else None, intents)

    # -- what the group reads ----------------------------------------------------------
    def _opening(self, chat: Chat, community: CommunitySettings) -> Post:
        def compose(t: Translator) -> Message:
            hello = t.ngettext(
                "Our live chat starts now: one question, and you answer as you like.",
                "Our live chat starts now: {n} questions, one every {minutes} minutes.",
                chat.total,
                minutes=round(chat.interval.total_seconds() / 60),
            )
            how = t._(
                "Answer with the question's number, like “A1: …”, or reply in the "
                "question's thread. I'll react {emoji} when I've filed your answer.",
                emoji=ANSWERED,
            )
            return Message(
                title=chat.title or t._("Live chat"),
                text="\n\n".join(p for p in (chat.intro, hello, how) if p),
            )

        return Post(to=chat.where, message=in_languages(community.languages, compose))

    def _question(
        self,
        chat: Chat,
        community: CommunitySettings,
        question: Question,
        late_since: datetime | None,
    ) -> Post:
        zone = community.timezone

        def compose(t: Translator) -> Message:
            footer = t._("Answer with A{n}: … or reply in this thread.", n=question.number)
            if late_since is not None:
                footer = (
                    t._(
                        "I was offline when this question was due ({when}), so it comes now.",
                        when=t.when(late_since, zone),
                    )
                    + " "
                    + footer
                )
            return Message(text=f"Q{question.number}: {question.text}", footer=footer)

        return Post(
            to=chat.where,
            message=in_languages(community.languages, compose),
            opens_thread=True,
            tag=QuestionPosted(chat.id, question.number),
        )

    def _skipped_note(
        self,
        chat: Chat,
        community: CommunitySettings,
        skipped: Sequence[Question],
        due: datetime,
    ) -> Post:
        zone = community.timezone
        labels = ", ".join(f"Q{q.number}" for q in skipped)

        def compose(t: Translator) -> Message:
            return Message(
                text=t.ngettext(
                    "I was offline from {when}, so I skipped question {labels}, as the "
                    "moderator chose.",
                    "I was offline from {when}, so I skipped questions {labels}, as the "
                    "moderator chose.",
                    len(skipped),
                    when=t.when(due, zone),
                    labels=labels,
                )
            )

        return Post(to=chat.where, message=in_languages(community.languages, compose))
