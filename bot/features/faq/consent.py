"""The asker's answer to a proposed FAQ entry: "Agree" publishes it (searchable at once,
and posted in the FAQ channel where one is set); "No thanks" publishes nothing. Either
way the liaison who proposed it is told privately. Only the asker may answer: a named
asker by their ID, an anonymous one by the one-way token made when it was proposed."""

from __future__ import annotations

from bot.commands import record_id
from bot.context import Context
from bot.features.faq import rendering
from bot.features.faq.api import CONSENT
from bot.features.faq.state import faq_of
from bot.features.faq.store import Entry, FaqPosted, Proposal
from bot.intents import Intent, Message, Post
from bot.notify import reader
from bot.refs import NO_COMMUNITY, ConversationRef, MemberRef, channel_link
from bot.storage.places import community_ref


def _is_asker(ctx: Context, proposal: Proposal) -> bool:
    if proposal.community_id != ctx.community.id:
        return False
    if proposal.asker_id is not None:
        return proposal.asker_id == ctx.member.id
    token = ctx.kernel.anonymity.token(CONSENT, str(proposal.id), ctx.member)
    return proposal.asker_token is not None and token == proposal.asker_token


def _not_yours(ctx: Context) -> Intent:
    return ctx.reply(
        ctx.t._(
            "Only the person who asked this question can decide whether it goes in the "
            "FAQ, so I can't take your answer on it. Nothing was changed."
        )
    )


async def agree(ctx: Context, value: str) -> list[Intent]:
    return await _answer(ctx, value, agreed=True)


async def decline(ctx: Context, value: str) -> list[Intent]:
    return await _answer(ctx, value, agreed=False)


async def _where_asked(ctx: Context, proposal_id: int) -> Context:
    """The context in the proposal's community: a button pressed in a DM that belongs
    to no community (Discord's) is about the community the question was asked in."""
    if ctx.member.community != NO_COMMUNITY:
        return ctx
    faq = faq_of(ctx)
    async with faq.store.engine.connect() as conn:
        proposal = await faq.store.proposal(conn, proposal_id)
        place = await community_ref(conn, proposal.community_id) if proposal else None
    return await ctx.seen_in(place) if place else ctx


async def _answer(ctx: Context, value: str, *, agreed: bool) -> list[Intent]:
    ctx = await _where_asked(ctx, record_id(value) or -1)
    faq = faq_of(ctx)
    entry: Entry | None = None
    async with faq.store.engine.begin() as conn:
        proposal = await faq.store.proposal(conn, record_id(value) or -1)
        if proposal is None or not _is_asker(ctx, proposal):
            return [_not_yours(ctx)]
        if not await faq.store.decide(conn, proposal.id, "agreed" if agreed else "declined"):
            return [ctx.reply(ctx.t._("You already answered this one. Thank you!"))]
        if agreed:
            entry = await faq.store.add(
                conn,
                proposal.community_id,
                question=proposal.question,
                answer=proposal.answer,
                topic=proposal.topic,
                grade=proposal.grade,
                language=proposal.language,
                created_by=proposal.proposed_by,
                question_id=proposal.question_id,
            )
            await faq.store.link(conn, proposal.id, entry.id)
    anonymous = proposal.asker_id is None
    thanks = (
        ctx.t._("Thank you for sharing! Your question is now in the FAQ, without your name.")
        if agreed
        else ctx.t._("Thank you for telling us. Nothing will be shared.")
    )
    # An anonymous asker's answer says, by whom it is delivered to, who asked: not kept.
    intents: list[Intent] = [ctx.reply(Message(text=thanks, keep_copy=not anonymous))]
    if entry is not None:
        intents.extend(await publish(ctx, entry))
    intents.append(await _tell_proposer(ctx, proposal, entry))
    return intents


async def publish(ctx: Context, entry: Entry) -> list[Intent]:
    """The entry's post in the community's FAQ channel; none where no channel is set."""
    channel = await faq_of(ctx).store.channel(ctx.community.id)
    if channel is None:
        return []
    where = ConversationRef(ctx.member.platform, ctx.member.community, channel)
    message = rendering.entry_post(
        entry.question, entry.answer, entry.topic, entry.grade, entry.language
    )
    return [Post(to=where, message=message, tag=FaqPosted(entry.id))]


async def _tell_proposer(ctx: Context, proposal: Proposal, entry: Entry | None) -> Intent:
    proposer = MemberRef(ctx.member.platform, ctx.member.community, proposal.proposed_by)
    t = await reader(ctx.kernel.directory, proposer, default=ctx.community.default_language)
    if entry is None:
        text = t._(
            "The person who asked would rather not share “{question}” in the FAQ, so "
            "nothing was published. Thank you for asking them.",
            question=proposal.question,
        )
    else:
        channel = await faq_of(ctx).store.channel(ctx.community.id)
        text = (
            t._(
                "Good news: the person who asked agreed. FAQ entry #{id} “{question}” is "
                "published in {channel} and found by “faq search”.",
                id=entry.id,
                question=entry.question,
                channel=channel_link(
                    ConversationRef(proposer.platform, proposer.community, channel)
                ),
            )
            if channel
            else t._(
                "Good news: the person who asked agreed. FAQ entry #{id} “{question}” is found "
                "by “faq search”. No FAQ channel is set, so it was not posted; an organizer can "
                "choose one with “faq channel”.",
                id=entry.id,
                question=entry.question,
            )
        )
    return ctx.dm(proposer, Message(text=text))
