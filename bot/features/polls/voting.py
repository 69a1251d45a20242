"""Voting: buttons (or a menu) on the card, and replies to the card where a platform
has no buttons ("2", "1 3", or an option's words). Votes are counted in group commits
(bot.features.polls.ballots); the voter gets a private confirmation of their own
choice, and the card an `Update`."""

from __future__ import annotations

import re
from datetime import datetime

from bot.commands import CommandError, fold, record_id
from bot.context import Context
from bot.events import Event, MessagePosted
from bot.features.polls.ballots import Counted, Vote
from bot.features.polls.commands import polls_of, runs
from bot.features.polls.model import Poll, sees_results
from bot.features.polls.rendering import results_text
from bot.i18n import N_
from bot.intents import Intent, Message


def _parse(value: str) -> tuple[int, int] | None:
    """A button's or menu choice's "poll:option" value."""
    poll, _, option = value.partition(":")
    number = record_id(poll)
    if number is None or not option.isdigit() or len(option) > 3:
        return None
    return number, int(option)


_STALE = N_("That button is no longer in use. Nothing was changed.")


async def _poll(ctx: Context, poll_id: int) -> Poll:
    poll = await polls_of(ctx).store.get(poll_id, ctx.conversation)
    if poll is None:
        raise CommandError(_STALE)
    return poll


async def vote(ctx: Context, value: str) -> list[Intent]:
    """A button: one option; pressed again on a multi-choice poll, it is taken back."""
    parsed = _parse(value)
    if parsed is None:
        raise CommandError(_STALE)
    poll = await _poll(ctx, parsed[0])
    return await cast(ctx, poll, toggle=parsed[1])


async def pick(ctx: Context, value: str) -> list[Intent]:
    """A menu: the options chosen, all at once (replacing the voter's earlier choice)."""
    picks = [_parse(v) for v in value.split("\n") if v.strip()]
    if not picks or any(p is None for p in picks):
        raise CommandError(_STALE)
    ids = {p[0] for p in picks if p}
    if len(ids) != 1:
        raise CommandError(_STALE)
    poll = await _poll(ctx, ids.pop())
    return await cast(ctx, poll, exactly={p[1] for p in picks if p})


async def retract(ctx: Context, value: str) -> list[Intent]:
    number = record_id(value)
    if number is None:
        raise CommandError(_STALE)
    poll = await _poll(ctx, number)
    return await cast(ctx, poll, exactly=set())


async def cast(
    ctx: Context, poll: Poll, *, toggle: int | None = None, exactly: set[int] | None = None
) -> list[Intent]:
    """Count the member's vote and answer them privately; the card is updated. The vote
    waits for the group commit it shares with the others of its few milliseconds
    (bot.features.polls.ballots), never for a transaction of its own."""
    service = polls_of(ctx)
    now = ctx.kernel.clock.now()
    chosen = frozenset(exactly or ())
    if toggle is not None:
        chosen = frozenset({toggle})
    if any(not 0 <= c < len(poll.options) for c in chosen):
        raise CommandError(_STALE)
    if not poll.open_at(now):
        return [ctx.reply(_private(_closed(ctx, poll)))]
    vote = Vote(
        poll=poll,
        voter=service.store.voter_key(poll, ctx.member),
        community=ctx.community,
        toggle=toggle,
        exactly=chosen,
        wants_tally=poll.visibility == "after-vote",
    )
    counted = await service.ballots.cast(vote)
    return [ctx.reply(_private(_said(ctx, poll, counted, now)))]


def _closed(ctx: Context, poll: Poll) -> str:
    return ctx.t._(
        "Poll #{id} is closed, so votes can't change any more. “poll results "
        "{id}” shows what you may see of the results.",
        id=poll.id,
    )


def _said(ctx: Context, poll: Poll, counted: Counted, now: datetime) -> str:
    """The voter's private answer: what their vote is now, or why it is unchanged."""
    t = ctx.t

    def listed(choices: frozenset[int]) -> str:
        return ", ".join(poll.options[c] for c in sorted(choices))

    if counted.outcome == "closed":
        return _closed(ctx, poll)
    if counted.outcome == "too_many":
        return t._(
            "You can choose up to {n} options in poll #{id}, and you have "
            "chosen {chosen}. Press one of them again to take it back first.",
            n=poll.max_choices,
            id=poll.id,
            chosen=listed(counted.before),
        )
    if counted.outcome == "same":
        if not counted.chosen:
            return t._(
                "You haven't voted in poll #{id}, so there's nothing to take back.", id=poll.id
            )
        return t._(
            "That is already your vote in poll #{id}: {chosen}.",
            id=poll.id,
            chosen=listed(counted.chosen),
        )
    if not counted.chosen:
        return t._("Your vote in poll #{id} is taken back.", id=poll.id)
    said = t._(
        "Your vote in poll #{id}: {chosen}. You can change it until the poll closes.",
        id=poll.id,
        chosen=listed(counted.chosen),
    )
    if counted.tally is not None and poll.visibility == "after-vote":
        seen = sees_results(poll, runs_it=runs(ctx, poll), voted=True, now=now)
        said += "\n\n" + results_text(t, poll, counted.tally, seen, names=True)
    return said


def _private(text: str) -> Message:
    """An answer about the member's own vote: its copy is not kept once delivered, so
    nothing stored ties a member to a poll they voted in, or to their choice."""
    return Message(text=text, keep_copy=False)


_NUMBERS = re.compile(r"^[0-9]{1,2}(?:[\s,;]+[0-9]{1,2})*$")


async def hear(ctx: Context, event: Event) -> list[Intent]:
    """A reply to a poll's card is a vote: "2", "1 3" (on a multi-choice poll), or an
    option's words; on an anonymous poll with buttons, a private word instead (a reply
    shows whose it is). Any other reply is conversation, and left alone."""
    if not isinstance(event, MessagePosted) or event.is_direct:
        return []
    where = event.conversation
    store = polls_of(ctx).store
    poll: Poll | None = None
    if where.thread:
        async with ctx.kernel.engine.connect() as conn:
            poll = await store.by_card(conn, where, where.thread)
    elif not ctx.kernel.outbox.capabilities(where.platform).threads:
        # No threads to reply in: a number or an option's words in the channel votes in
        # its newest open poll.
        found = await store.open_in(where.channel_only())
        poll = found[-1] if found else None
    if poll is None:
        return []
    text = event.text.strip()
    chosen: set[int] | None = None
    if text == "0":
        chosen = set()
    elif _NUMBERS.match(text):
        numbers = {int(n) for n in re.findall(r"[0-9]+", text)}
        if all(1 <= n <= len(poll.options) for n in numbers):
            chosen = {n - 1 for n in numbers}
    else:
        words = fold(" ".join(text.split()))
        chosen = {i for i, o in enumerate(poll.options) if fold(o) == words} or None
    if chosen is None:
        return []
    if poll.anonymous and ctx.kernel.outbox.capabilities(where.platform).buttons:
        # The reply shows in the thread under the member's name, so it is not counted:
        # on an anonymous poll only a button keeps a vote unseen (its card says so).
        said = ctx.t._(
            "Poll #{id} is anonymous, so I didn't count your reply: everyone in the thread "
            "can see it with your name. Vote with the poll's buttons instead; you may "
            "want to delete your reply.",
            id=poll.id,
        )
        return [ctx.reply(_private(said))]
    if not chosen:
        return await cast(ctx, poll, exactly=set())
    if poll.max_choices == 1 and len(chosen) > 1:
        said = ctx.t._("Poll #{id} takes one option; please reply with one number.", id=poll.id)
        return [ctx.reply(_private(said))]
    return await cast(ctx, poll, exactly=chosen)
