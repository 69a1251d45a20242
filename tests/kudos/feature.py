"""Kudos: a feature that lives only here, to prove a feature wires itself.

Members thank each other (`kudos give @name words`, or the `kudos:note` form); the
thank-you is posted with a `KudosPosted` tag, whose receipt records the message the
platform made and reacts to it; organizers may press "Feature it"; each member's App
Home says how many thanks they received; the `kudos` table is created from the feature's
declaration, and its export and delete hooks cover every member column in it; the first
thank-you in a channel sets a timer, and at the start of the next week the shared timer
loop runs the feature's handler, which posts how many thanks the channel shared.

Nothing outside this folder knows it exists: the app is given `build` in its list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.commands import Args, CommandSpec, Option, record_id
from bot.context import Context
from bot.directory import Role
from bot.features import Action, Feature, FormAction, Privacy
from bot.intents import Button, Form, FormField, Intent, Message, Post, React, Tag
from bot.kernel import Kernel
from bot.refs import ConversationRef, MemberRef, mention
from bot.timers import Timed, TimerResult, TimerRun, Timers

# A feature from outside Homeroom's tree keeps its tables on a metadata of its own: the
# app creates them from this declaration (the shared metadata is what the migrations own).
METADATA = MetaData()
MEMBER = {"member": True}
kudos = Table(
    "kudos",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform", String(16), nullable=False),
    Column("community", String(64), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("giver", String(64), nullable=False, info=MEMBER),
    Column("receiver", String(64), nullable=False, info=MEMBER),
    Column("words", Text, nullable=False, info=MEMBER),
    Column("message_id", String(128), nullable=True),
    Column("featured", Integer, nullable=False, default=0),
)

FEATURE_IT = "kudos.feature"
NOTE_FORM = "kudos:note"


@dataclass(frozen=True, slots=True)
class KudosPosted(Tag):
    """On a thank-you's post: which kudos row it is."""

    kudos_id: int


class Kudos:
    """The feature's own state: its store, built from the kernel's engine."""

    def __init__(self, engine: AsyncEngine, timers: Timers) -> None:
        self.engine = engine
        self.timers = timers

    async def give(self, ctx: Context, receiver: MemberRef, words: str) -> list[Intent]:
        where = ctx.conversation
        async with self.engine.begin() as conn:
            # The week's summary: one timer per channel, due next Monday 09:00 UTC
            # (setting it again this week changes nothing).
            await self.timers.set(
                conn, "kudos", WEEKLY, _channel_key(where), _next_monday(ctx.kernel.clock.now())
            )
            kudos_id = (
                await conn.execute(
                    insert(kudos).values(
                        platform=where.platform,
                        community=where.community,
                        channel=where.channel,
                        giver=ctx.member.id,
                        receiver=receiver.id,
                        words=words,
                    )
                )
            ).inserted_primary_key[0]
        self.timers.wake()
        text = ctx.t._(
            "{giver} thanks {receiver}: {words}",
            giver=mention(ctx.member),
            receiver=mention(receiver),
            words=words,
        )
        button = Button(ctx.t._("Feature it"), FEATURE_IT, str(kudos_id))
        message = Message(text=text, buttons=(button,), mentions=(receiver,))
        channel = replace(where, thread=None, message=None)
        return [Post(to=channel, message=message, tag=KudosPosted(int(kudos_id)))]

    async def posted(
        self, conn: AsyncConnection, intent: Intent, tag: KudosPosted, delivered: str | None
    ) -> list[Intent]:
        """Receipt: note the platform's message, and react to it (a follow-up step)."""
        await conn.execute(
            update(kudos).where(kudos.c.id == tag.kudos_id).values(message_id=delivered)
        )
        assert isinstance(intent, Post)
        return [React(to=replace(intent.to, message=delivered), emoji="tada")]

    async def received(self, member: MemberRef) -> int:
        async with self.engine.connect() as conn:
            return int(
                (
                    await conn.execute(
                        select(func.count()).select_from(kudos).where(_of(member, "receiver"))
                    )
                ).scalar_one()
            )


def _of(member: MemberRef, column: str) -> Any:
    return (
        (kudos.c.platform == member.platform)
        & (kudos.c.community == member.community)
        & (kudos.c[column] == member.id)
    )


def state(ctx: Context) -> Kudos:
    assert isinstance(ctx.own, Kudos)
    return ctx.own


async def give(ctx: Context, args: Args) -> list[Intent]:
    receiver, words = args.member("member"), args.text("words")
    assert receiver is not None and words is not None
    return await state(ctx).give(ctx, receiver, words)


async def note(ctx: Context, args: Args) -> list[Intent]:
    """Opens the feature's own form (not a command's)."""
    form = Form(
        form_id=NOTE_FORM,
        title=ctx.t._("A longer thank-you"),
        fields=(
            FormField("member", ctx.t._("Who"), kind="member"),
            FormField("words", ctx.t._("What you want to say"), kind="long_text"),
        ),
        submit_label=ctx.t._("Send"),
    )
    return [ctx.form(form)]


async def note_sent(ctx: Context, form_id: str, values: Mapping[str, str]) -> list[Intent]:
    who = values.get("member", "").strip().lstrip("@")
    receiver = MemberRef(ctx.member.platform, ctx.member.community, who)
    return await state(ctx).give(ctx, receiver, values.get("words", "").strip())


async def feature_it(ctx: Context, value: str) -> list[Intent]:
    kudos_id = record_id(value)
    async with state(ctx).engine.begin() as conn:
        await conn.execute(update(kudos).where(kudos.c.id == kudos_id).values(featured=1))
    return [ctx.reply(ctx.t._("Featured."))]


async def home(ctx: Context) -> str | None:
    n = await state(ctx).received(ctx.member)
    return ctx.t._("Thanks you received: {n}", n=n) if n else None


async def export_member(
    conn: AsyncConnection, member: MemberRef
) -> dict[str, list[dict[str, Any]]]:
    given = await conn.execute(
        select(kudos.c.receiver, kudos.c.words).where(_of(member, "giver")).order_by(kudos.c.id)
    )
    got = await conn.execute(
        select(kudos.c.giver, kudos.c.words).where(_of(member, "receiver")).order_by(kudos.c.id)
    )
    return {
        "kudos_given": [dict(r._mapping) for r in given],
        "kudos_received": [dict(r._mapping) for r in got],
    }


async def delete_member(conn: AsyncConnection, member: MemberRef) -> int:
    """Thanks they gave and thanks about them both name them: both go."""
    mine = _of(member, "giver") | _of(member, "receiver")
    return int((await conn.execute(delete(kudos).where(mine))).rowcount)


WEEKLY = "weekly"


def _channel_key(where: ConversationRef) -> str:
    return f"{where.platform}|{where.community}|{where.channel}"


def _next_monday(now: datetime) -> datetime:
    monday = (now + timedelta(days=7 - now.weekday())).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    return monday


async def weekly_thanks(run: TimerRun) -> Mapping[str, TimerResult]:
    """The timer's handler: in the claiming transaction, count each channel's thanks and
    post the count there; done until the next thank-you sets the timer again."""
    results: dict[str, TimerResult] = {}
    for timer in run.due:
        platform, community, channel = timer.key.split("|", 2)
        where = ConversationRef(platform, community, channel)
        count = (
            await run.conn.execute(
                select(func.count())
                .select_from(kudos)
                .where(
                    (kudos.c.platform == platform)
                    & (kudos.c.community == community)
                    & (kudos.c.channel == channel)
                )
            )
        ).scalar_one()
        text = f"This channel shared {count} thank-you(s) so far. Keep them coming!"
        results[timer.key] = TimerResult(intents=[Post(to=where, message=Message(text=text))])
    return results


def build(kernel: Kernel) -> Feature:
    store = Kudos(kernel.engine, kernel.timers)
    return Feature(
        name="kudos",
        commands=(
            CommandSpec(
                path="kudos give",
                description="Thank someone in the group",
                options=(
                    Option("member", "member", "Who to thank", required=True),
                    Option("words", "text", "What you want to say", required=True, rest=True),
                ),
                handler=give,
                shares_content=True,
            ),
            CommandSpec(path="kudos note", description="Write a longer thank-you", handler=note),
        ),
        actions={FEATURE_IT: Action(feature_it, Role.ORGANIZER)},
        forms={NOTE_FORM: FormAction(note_sent)},
        receipts={KudosPosted: store.posted},
        timers={WEEKLY: Timed(weekly_thanks)},
        home=home,
        tables=(kudos,),
        privacy=Privacy(
            covers=(("kudos", "giver"), ("kudos", "receiver"), ("kudos", "words")),
            export=export_member,
            delete=delete_member,
        ),
        state=store,
    )
