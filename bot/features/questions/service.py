"""The questions feature's own state: routing a question to a present liaison, its
promised time, its card in the liaisons' queue, and reaching its asker (by ID, or
through the sealed address of an anonymous asker)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, false, or_
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.context import Context
from bot.directory import CommunitySettings, Role
from bot.features.questions import store, timing
from bot.features.questions.book import Book, Books
from bot.features.questions.model import Question, status_word
from bot.features.questions.tables import questions
from bot.i18n import Translator, translator
from bot.intents import Button, DirectMessage, Intent, Message, OpenThread, Post, Tag, Update
from bot.kernel import Kernel
from bot.notify import reader
from bot.refs import NO_COMMUNITY, CommunityRef, ConversationRef, MemberRef, mention
from bot.storage.batcher import Batcher
from bot.storage.bulk import insert_with_ids

FEATURE = "questions"
DEADLINE = "deadline"
CLAIM, ANSWER = "questions.claim", "questions.answer"
REMIND_AT = 0.75  # of the working time to the promise: the liaison's reminder
ESCALATE_AFTER = timedelta(hours=4)  # working time from the backup to the organizers


@dataclass(frozen=True, slots=True)
class QuestionCard(Tag):
    """On a question's card in the queue channel: its platform message is recorded."""

    question_id: int


@dataclass(frozen=True, slots=True)
class Assignment:
    route_id: int | None
    liaison_id: str | None
    backup_id: str | None
    within: timedelta


class Questions:
    """Built once from the kernel; handed to the feature's handlers as `ctx.own`."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.engine = kernel.engine
        self.clock = kernel.clock
        self.books = Books(
            kernel.engine, kernel.directory, kernel.clock, kernel.settings.cache_ttl_seconds
        )
        # New questions are written in group commits: a burst of a hundred a second is
        # a few transactions (each with its questions' timers), not a hundred queueing
        # for SQLite's one writer.
        self._new: Batcher[dict[str, Any], int] = kernel.group_commit(
            self._write_new, "questions_new"
        )

    async def keep_new(self, place: MemberRef, **values: Any) -> Question:
        """Write a new question (and, once routed, its deadline timer) and wait for the
        commit: only then may its asker be told it was received."""
        row: dict[str, Any] = {c.name: None for c in questions.c if c.name != "id"}
        row.update(paused_seconds=0, escalation=0, reminded=False)
        row.update(values)
        question_id = await self._new.write(row)
        return Question(id=question_id, platform=place.platform, community=place.community, **row)

    async def _write_new(self, conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> list[int]:
        ids = await insert_with_ids(conn, questions, rows)
        due = [
            (str(question_id), row["remind_at"])
            for question_id, row in zip(ids, rows, strict=True)
            if row["status"] == "received" and row["remind_at"] is not None
        ]
        await self.kernel.timers.set_many(conn, FEATURE, DEADLINE, due)
        return ids

    # -- who --------------------------------------------------------------------------
    async def present(self, member: MemberRef) -> bool:
        """Still a liaison (or organizer) here, and still a member of the community.
        Platforms tell us of no one leaving, so this is asked when it matters."""
        profile = await self.kernel.directory.profile(member)
        found = await self.kernel.directory.people.find(member)
        if found is None:
            return False
        return bool(profile.roles & {Role.LIAISON, Role.ORGANIZER}) or found.is_admin

    def token(self, community_id: int, member: MemberRef) -> str:
        return self.kernel.anonymity.token("asker", str(community_id), member)

    async def mine(self, conn: AsyncConnection, ctx: Context) -> ColumnElement[bool]:
        """The member's own questions: named ones by ID, anonymous ones by token. A direct
        message that belongs to no community (Discord's carry no server) finds them in
        every community of the platform, each with the token made there; a Slack DM
        belongs to its workspace, and looks only there."""
        member = ctx.member
        if member.community != NO_COMMUNITY:
            return store.askers(ctx.community.id, member.id, self.token(ctx.community.id, member))
        places = await store.communities_on(conn, member.platform)
        return or_(
            false(),
            *(
                store.askers(cid, member.id, self.token(cid, replace(member, community=ext)))
                for cid, ext in places
            ),
        )

    def asker(self, question: Question) -> MemberRef | None:
        if question.asker_id:
            return question.member(question.asker_id)
        return self.kernel.anonymity.unseal(question.asker_sealed or "")

    async def asker_reader(self, question: Question) -> Translator:
        return translator(question.asker_language)

    def is_asker(self, ctx: Context, question: Question) -> bool:
        if question.asker_id is not None:
            return question.asker_id == ctx.member.id
        return question.asker_token == self.token(question.community_id, ctx.member)

    # -- routing ------------------------------------------------------------------------
    async def assign(
        self,
        book: Book,
        place: MemberRef,
        topic: str,
        grade: str | None,
        language: str,
        *,
        skip: frozenset[str] = frozenset(),
    ) -> Assignment:
        """The most specific rule whose liaison (or backup) is present; an away liaison's
        question goes to the backup they named, else the rule's backup; then the next
        rule, down to the fallback. Nobody present: the question waits unassigned in the
        queue (and escalates to the organizers). Reads no rows: the rules and time away
        are the community's `book`, who is present the directory's cache."""
        rules = store.matching(book.routes, topic, grade, language)
        within = next(
            (timedelta(minutes=r.reply_within_minutes) for r in rules if r.reply_within_minutes),
            timing.DEFAULT_REPLY_WITHIN,
        )
        now = self.clock.now()
        for rule in rules:
            for candidate in (rule.liaison_id, rule.backup_id):
                if not candidate or candidate in skip:
                    continue
                who = await self._available(book, place, candidate, rule, now)
                if who is not None and who not in skip:
                    backup = rule.backup_id if rule.backup_id != who else None
                    return Assignment(rule.id, who, backup, within)
        return Assignment(rules[0].id if rules else None, None, None, within)

    async def _available(
        self,
        book: Book,
        place: MemberRef,
        candidate: str,
        rule: store.Route,
        now: datetime,
    ) -> str | None:
        if not await self.present(replace(place, id=candidate)):
            return None
        away = book.away_backup(candidate, now)
        if away is None:
            return candidate
        for stand_in in (away, rule.backup_id):
            if (
                stand_in
                and stand_in != candidate
                and await self.present(replace(place, id=stand_in))
            ):
                return stand_in
        return None

    def promise(
        self, book: Book, liaison: str | None, within: timedelta, zone: str
    ) -> tuple[datetime, datetime]:
        """(due, remind): `within` of the liaison's working time from now (school hours
        in `zone` when they set none, or nobody holds it), and the reminder when three
        quarters of it has passed."""
        now = self.clock.now()
        hours = book.hours.get(liaison) if liaison else None
        away = book.away.get(liaison, ()) if liaison else ()
        due, remind = timing.add_working_in(hours, away, now, within, within * REMIND_AT, zone=zone)
        return due, remind

    async def schedule(self, conn: AsyncConnection, question_id: int, at: datetime) -> None:
        await self.kernel.timers.set(conn, FEATURE, DEADLINE, str(question_id), at)

    async def unschedule(self, conn: AsyncConnection, question_id: int) -> None:
        await self.kernel.timers.cancel(conn, FEATURE, DEADLINE, str(question_id))

    # -- the card ---------------------------------------------------------------------------
    def card(self, question: Question, t: Translator, zone: str) -> Message:
        """What liaisons see: never the asker of an anonymous question."""
        where = " · ".join(
            filter(
                None,
                (t.choice(question.topic), question.grade and t._("grade {g}", g=question.grade)),
            )
        )
        who = (
            t._("From: {asker}", asker=mention(question.member(question.asker_id)))
            if question.asker_id
            else t._("From: a parent who asked not to be named")
        )
        liaison = (
            mention(question.member(question.liaison_id))
            if question.liaison_id
            else t._("None yet: an organizer will find someone")
        )
        fields = [
            (t._("Status"), status_word(t, question.status, liaison=True)),
            (t._("Liaison"), liaison),
        ]
        if question.due_at and question.status in ("received", "claimed"):
            fields.append((t._("Answer due"), t.when(question.due_at, zone)))
        buttons: tuple[Button, ...] = ()
        if question.status in ("received", "claimed", "waiting"):
            buttons = (
                (Button(t._("Claim"), CLAIM, str(question.id)),)
                if question.status == "received"
                else ()
            ) + (Button(t._("Answer"), ANSWER, str(question.id), "primary"),)
        return Message(
            title=t._("Question #{id}", id=question.id) + (f" · {where}" if where else ""),
            text=f"“{question.text}”\n{who}",
            fields=tuple(fields),
            buttons=buttons,
            footer=t._("Language: {language}", language=t.language_name(question.language)),
        )

    async def community_of(self, question: Question) -> CommunitySettings:
        return await self.kernel.directory.community(
            CommunityRef(question.platform, question.community)
        )

    async def queue_translator(self, question: Question) -> Translator:
        """The queue channel's language: the community's first."""
        return translator((await self.community_of(question)).default_language)

    async def new_card(self, question: Question) -> list[Intent]:
        """The question's card in the queue channel (its ID comes back by receipt), or,
        where no queue channel is set, a DM to its liaison."""
        community = await self.community_of(question)
        message = self.card(question, translator(community.default_language), community.timezone)
        if community.queue_channel:
            to = ConversationRef(question.platform, question.community, community.queue_channel)
            return [Post(to=to, message=message, opens_thread=True, tag=QuestionCard(question.id))]
        if question.liaison_id:
            return [DirectMessage(member=question.member(question.liaison_id), message=message)]
        return []

    async def refresh(self, conn: AsyncConnection, question_id: int) -> list[Intent]:
        """The card updated in place, if the platform has made it."""
        question = await store.by_id(conn, question_id)
        if question is None or question.card is None:
            return []
        community = await self.community_of(question)
        t = translator(community.default_language)
        return [Update(to=question.card, message=self.card(question, t, community.timezone))]

    async def to_thread(
        self, question: Question, text: str, *, by: MemberRef | None = None
    ) -> list[Intent]:
        """A line in the card's thread (for the liaisons), else a DM to the liaison,
        unless the liaison is `by`, who did what it says and was just told so."""
        if question.card_thread is not None:
            return [Post(to=question.card_thread, message=Message(text=text))]
        if question.liaison_id and (by is None or by.id != question.liaison_id):
            return [
                DirectMessage(member=question.member(question.liaison_id), message=Message(text))
            ]
        return []

    async def card_posted(
        self, conn: AsyncConnection, intent: Intent, tag: QuestionCard, delivered: str | None
    ) -> list[Intent]:
        """Receipt: note the card's message, and open its thread where that is a step."""
        if not isinstance(intent, Post) or not delivered:
            return []
        await store.change(
            conn, tag.question_id, card_channel=intent.to.channel, card_message=delivered
        )
        steps: list[Intent] = []
        if self.kernel.outbox.capabilities(intent.to.platform).explicit_threads:
            name = intent.message.title or "#" + str(tag.question_id)
            steps.append(OpenThread(to=replace(intent.to, message=delivered), name=name))
        return steps

    async def tell(self, member: MemberRef, compose: Any, default: str) -> DirectMessage:
        """A DM to a liaison or organizer, in their language."""
        t = await reader(self.kernel.directory, member, default=default)
        return DirectMessage(member=member, message=Message(text=compose(t)))


def questions_of(ctx: Context) -> Questions:
    assert isinstance(ctx.own, Questions), "a questions handler runs with its state"
    return ctx.own


async def plan_route(
    qs: Questions,
    place: MemberRef,
    topic: str,
    grade: str | None,
    language: str,
    skip: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Where a question goes and by when, as the columns that say so, from the
    community's routing book: no rows read, so a new question is routed (and its
    acknowledgement written) without waiting on the database."""
    book = await qs.books.of(place.community_ref)
    assignment = await qs.assign(book, place, topic, grade, language, skip=skip)
    zone = (await qs.kernel.directory.community(place.community_ref)).timezone
    due, remind = qs.promise(book, assignment.liaison_id, assignment.within, zone)
    return {
        "status": "received",
        "route_id": assignment.route_id,
        "liaison_id": assignment.liaison_id,
        "backup_id": assignment.backup_id,
        "reply_within_minutes": int(assignment.within.total_seconds() // 60),
        "due_at": due,
        "remind_at": remind,
        "claimed_at": None,
        "reminded": False,
        "escalation": 0,
    }


async def route_stored(
    qs: Questions, conn: AsyncConnection, question: Question, skip: frozenset[str] = frozenset()
) -> Question:
    """Give a stored question its liaison, promise and timer; it is "received" now."""
    plan = await plan_route(
        qs,
        question.member(""),
        question.topic,
        question.grade,
        question.language,
        skip,
    )
    await store.change(conn, question.id, **plan)
    await qs.schedule(conn, question.id, plan["remind_at"])
    routed = await store.by_id(conn, question.id)
    assert routed is not None
    return routed
