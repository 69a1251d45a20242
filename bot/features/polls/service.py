"""What polls do, shared by commands, buttons, replies and timers: post a poll, count
a vote, show its card again, close it and say the results."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.directory import CommunitySettings, Directory
from bot.features.polls.ballots import BallotBox
from bot.features.polls.chart import chart_png
from bot.features.polls.model import Poll, Tally
from bot.features.polls.rendering import card, results_text, winner_line
from bot.features.polls.store import PollStore
from bot.i18n import Translator, translator
from bot.intents import Image, Intent, Message, Post, Tag, Update
from bot.kernel import Kernel
from bot.render import in_languages

LATE = timedelta(minutes=2)  # a close this late says the bot was offline at the deadline
# The visibilities whose full results go to the channel at the close.
SHOWN_AT_CLOSE = ("live", "after-vote", "after-close")


@dataclass(frozen=True, slots=True)
class PollPosted(Tag):
    """On a poll's card: which poll, so its receipt records the card's message."""

    poll_id: int


class PollService:
    """The polls feature's state (`ctx.own`): its store and the kernel's services."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.store = PollStore(kernel.engine, kernel.clock, kernel.timers, kernel.anonymity)
        self.directory: Directory = kernel.directory
        self.ballots = BallotBox(kernel, self)

    async def receipt(
        self, conn: AsyncConnection, intent: Intent, tag: PollPosted, delivered: str | None
    ) -> list[Intent]:
        """The card is in: note its message, so votes update it in place. Votes cast (or
        a close) before the receipt came back could not edit it then: the card is shown
        again with them now, so it never stays behind."""
        if not isinstance(intent, Post) or not delivered:
            return []
        await self.store.posted(conn, tag.poll_id, delivered)
        poll = await self.store.get_in(conn, tag.poll_id, intent.to)
        if poll is None:
            return []
        tally = await self.store.tally(conn, poll)
        if poll.is_open and not tally.voters:
            return []  # as it was posted
        return await self.card_update(conn, poll, await self.community(poll), tally=tally)

    async def community(self, poll: Poll) -> CommunitySettings:
        return await self.directory.community(poll.where.community_ref)

    def render(self, poll: Poll, tally: Tally, community: CommunitySettings) -> Message:
        caps = self.kernel.outbox.capabilities(poll.where.platform)
        return card(
            poll, tally, community.languages, community.timezone, caps, self.kernel.clock.now()
        )

    async def card_post(
        self, conn: AsyncConnection, poll: Poll, community: CommunitySettings
    ) -> Post:
        tally = await self.store.tally(conn, poll)
        return Post(
            to=poll.where.channel_only(),
            message=self.render(poll, tally, community),
            tag=PollPosted(poll.id),
        )

    async def card_update(
        self,
        conn: AsyncConnection,
        poll: Poll,
        community: CommunitySettings,
        *,
        tally: Tally | None = None,
    ) -> list[Intent]:
        """The card shown again with the counts now (`tally`, when the caller has just
        counted them), where it was posted and the platform edits messages; nothing
        before its receipt came back. The card's message is read here, in the caller's
        transaction, not taken from `poll` as it was loaded: a vote counted while the
        receipt was being written would otherwise see no card, and the receipt no vote
        (`card_message` orders the two)."""
        message = await self.store.card_message(conn, poll.id)
        if message is None:
            return []
        poll = replace(poll, where=replace(poll.where, message=message))
        if not self.kernel.outbox.capabilities(poll.where.platform).updates:
            return []
        if tally is None:
            tally = await self.store.tally(conn, poll)
        return [Update(to=poll.where, message=self.render(poll, tally, community))]

    async def close(
        self,
        conn: AsyncConnection,
        poll: Poll,
        community: CommunitySettings,
        *,
        due: datetime | None = None,
    ) -> list[Intent]:
        """Close the poll in the caller's transaction: the card without its buttons, and
        the results posted in the channel as the poll's visibility allows. `due`: the
        deadline a timer closed it for (late when the bot was down then)."""
        now = self.kernel.clock.now()
        if not await self.store.mark_closed(conn, poll, now):
            return []
        closed = replace(poll, status="closed", closed_at=now)
        tally = await self.store.tally(conn, closed, names=True)
        late = due is not None and now - due > LATE

        def compose(t: Translator) -> Message:
            lines = []
            if late and due is not None:
                lines.append(
                    t._(
                        "I was offline when this poll was due to close ({when}), so it "
                        "closes now. Only votes from before the deadline were counted.",
                        when=t.when(due, community.timezone),
                    )
                )
            lines.append(closing_text(t, closed, tally))
            return Message(text="\n".join(lines))

        intents: list[Intent] = await self.card_update(conn, closed, community, tally=tally)
        post = in_languages(community.languages, compose)
        caps = self.kernel.outbox.capabilities(poll.where.platform)
        if caps.images and poll.visibility in SHOWN_AT_CLOSE:
            # Drawn in a thread: a chart of 25 options may take tens of milliseconds.
            png = await asyncio.to_thread(chart_png, closed, tally)
            alt = results_text(
                translator(community.default_language), closed, tally, "all", names=False
            )
            post = replace(
                post, image=Image(png_base64=png, alt=alt, filename=f"poll-{poll.id}.png")
            )
        intents.append(Post(to=poll.where.channel_only(), message=post))
        return intents


def closing_text(t: Translator, poll: Poll, tally: Tally) -> str:
    """What the channel reads when a poll closes, as its visibility allows."""
    head = t._("Poll #{id} is closed: {question}", id=poll.id, question=poll.question)
    if poll.visibility == "organizers":
        return (
            head
            + "\n"
            + t.ngettext("{n} person voted.", "{n} people voted.", tally.voters)
            + " "
            + t._("The results are for the organizers and the poll's creator.")
        )
    if poll.visibility == "winner-only":
        return head + "\n" + winner_line(t, poll, tally)
    return (
        t._("Poll #{id} is closed.", id=poll.id)
        + "\n"
        + results_text(t, poll, tally, "all", names=True)
    )
