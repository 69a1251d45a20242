"""`digest build/show/drop/publish/latest/export`: the commands of digests.

Drafts are the organizers' (the core checks the role before a handler runs, for the
commands and the Publish button alike); everyone reads what is published."""

from __future__ import annotations

import base64
import re
from dataclasses import replace
from datetime import date
from typing import cast

from bot.commands import Args, CommandError, CommandSpec, Option, excerpt
from bot.context import Context
from bot.directory import Role
from bot.features.chats import api as chats_api
from bot.features.digests import export, sources, store, words
from bot.features.digests.api import ready_note
from bot.features.digests.service import Digests
from bot.i18n import N_, NP_
from bot.intents import Attachment, Button, DirectMessage, Intent, Message


def digests_of(ctx: Context) -> Digests:
    assert isinstance(ctx.own, Digests), "a digests handler runs with the digests state"
    return ctx.own


PUBLISH = "digests.publish"  # the button under a draft: its value is the digest's ID


async def find(ctx: Context, args: Args) -> store.Digest:
    return await _find(ctx, args.values.get("id"))


async def _find(ctx: Context, raw: object) -> store.Digest:
    digest = None
    if isinstance(raw, int) and 0 < raw < 2**31:
        async with ctx.kernel.engine.connect() as conn:
            digest = await store.get(conn, raw, ctx.conversation.community_ref)
    if digest is None:
        raise CommandError(
            N_("There's no digest #{id} here. “digest show” lists the drafts waiting."),
            {"id": excerpt(str(raw), 20)},
            "id",
        )
    return digest


async def build(ctx: Context, args: Args) -> list[Intent]:
    where = args.channel("channel") or ctx.conversation.channel_only()
    day = args.date("date")
    source = args.text("source") or "prompt"
    kernel = ctx.kernel
    async with kernel.engine.begin() as conn:
        if source == "chat":
            chat = args.values.get("chat")
            material = await chats_api.material_in(
                conn, where, chat if isinstance(chat, int) and 0 < chat < 2**31 else None
            )
            if material is None:
                raise _no_chat(chat, where.channel)
        elif source == "week":
            material = await sources.week(kernel, conn, where, ctx.community, day)
        else:
            material = await sources.discussion(kernel, conn, where, ctx.community, day)
        if material is None:
            raise _nothing_found(ctx, source, where.channel, day)
        digest_id = await store.insert_draft(
            conn,
            material,
            now=kernel.clock.now(),
            created_by=ctx.member.id,
            credit=cast(store.Credit, args.text("credit") or "names"),
            group_by=cast(store.GroupBy, args.text("group-by") or "question"),
        )
        digest = await store.get(conn, digest_id, where.community_ref)
        assert digest is not None
        questions, kept = await store.counts(conn, digest_id)
    return [ctx.reply(ready_note(ctx.t, digest, kept, questions))]


def _no_chat(chat: object, channel: str) -> CommandError:
    if chat is not None:
        return CommandError(
            N_("There's no live chat #{chat} here that has begun. “chat list” shows them."),
            {"chat": excerpt(str(chat), 20)},
            "chat",
        )
    return CommandError(
        N_("No live chat has run in {channel} yet. “chat list” shows the chats planned."),
        {"channel": f"<#{channel}>"},
    )


def _nothing_found(ctx: Context, source: str, channel: str, day: date | None) -> CommandError:
    where = {"channel": f"<#{channel}>"}
    if source == "week" and day is not None:
        return CommandError(
            N_("I found no prompt discussion in {channel} in the week of {day}."),
            {**where, "day": ctx.t.day(day)},
            "date",
        )
    if source == "week":
        return CommandError(
            N_("I found no prompt discussion in {channel} in the last 7 days."), where
        )
    if day is not None:
        return CommandError(
            N_("I found no prompt discussion in {channel} posted on {day}."),
            {**where, "day": ctx.t.day(day)},
            "date",
        )
    return CommandError(
        N_(
            "I found no prompt discussion in {channel} yet. Once a prompt is posted there and "
            "people reply, “digest build” can gather it."
        ),
        where,
    )


async def show(ctx: Context, args: Args) -> list[Intent]:
    if args.values.get("id") is None:
        return await _list(ctx)
    digest = await find(ctx, args)
    ts = [ctx.t]
    async with ctx.kernel.engine.connect() as conn:
        parts = await digests_of(ctx).texts(conn, digest, ts, ctx.timezone, draft=digest.is_draft)
    shown = [Message(text=part, keep_copy=False) for part in parts]
    if digest.is_draft:  # under the last part, a button to publish it as it stands
        button = Button(
            ctx.t._("Publish digest #{id}", id=digest.id), PUBLISH, str(digest.id), "primary"
        )
        shown[-1] = replace(shown[-1], buttons=(button,))
    return [ctx.reply(message) for message in shown]


async def _list(ctx: Context) -> list[Intent]:
    async with ctx.kernel.engine.connect() as conn:
        drafts = await store.drafts_in(conn, ctx.conversation.community_ref)
    if not drafts:
        return [ctx.reply(ctx.t._("No draft digest is waiting. “digest build” makes one."))]
    lines = [f"#{d.id} {words.title_in(ctx.t, d)} · <#{d.where.channel}>" for d in drafts]
    return [ctx.reply(Message(title=ctx.t._("Draft digests"), text="\n".join(lines)))]


async def drop(ctx: Context, args: Args) -> list[Intent]:
    digest = await find(ctx, args)
    item = args.values.get("item")
    number = item if isinstance(item, int) and 0 < item < 2**31 else -1
    values = {"id": str(digest.id), "item": excerpt(str(item), 20)}
    if not digest.is_draft:
        raise CommandError(
            N_("Digest #{id} is already published, so its items stay as they are."), values
        )
    async with ctx.kernel.engine.begin() as conn:
        if not await store.has_item(conn, digest.id, number):
            raise CommandError(
                N_("Digest #{id} has no item {item}. “digest show {id}” shows each item's number."),
                values,
                "item",
            )
        if not await store.drop(conn, digest.id, number):
            raise CommandError(
                N_("Item {item} of digest #{id} is already left out. Nothing was changed."),
                values,
                "item",
            )
    return [
        ctx.reply(
            ctx.t._(
                "Item {item} is left out of digest #{id}. “digest publish {id}” posts the rest.",
                item=number,
                id=digest.id,
            )
        )
    ]


async def publish(ctx: Context, args: Args) -> list[Intent]:
    return await _publish(ctx, await find(ctx, args))


async def press_publish(ctx: Context, value: str) -> list[Intent]:
    """The button under a draft: publish it, as `digest publish` does."""
    return await _publish(ctx, await _find(ctx, int(value) if value.isdigit() else value))


async def _publish(ctx: Context, digest: store.Digest) -> list[Intent]:
    published = CommandError(
        N_("Digest #{id} is already published. Nothing was changed."), {"id": str(digest.id)}
    )
    if not digest.is_draft:
        raise published
    if not await ctx.kernel.channels.can_post(digest.where.channel_only()):
        raise CommandError(
            N_(
                "I can't post in {channel} yet. Please invite me there, or let me send "
                "messages in it, then try again."
            ),
            {"channel": f"<#{digest.where.channel}>"},
        )
    outbox = ctx.kernel.outbox
    async with ctx.kernel.engine.begin() as conn:
        posts = await digests_of(ctx).publish(conn, digest, ctx.community)
        if not posts:  # a second press, a moment after the first published it
            raise published
        staged = await outbox.stage(conn, posts)
    outbox.release(staged)
    return [
        ctx.reply(
            ctx.t._(
                "Digest #{id} is posted in {channel}.",
                id=digest.id,
                channel=f"<#{digest.where.channel}>",
            )
        )
    ]


async def latest(ctx: Context, args: Args) -> list[Intent]:
    where = args.channel("channel") or ctx.conversation.channel_only()
    async with ctx.kernel.engine.connect() as conn:
        digest = await store.latest(conn, where)
        if digest is None:
            raise CommandError(
                N_("No digest has been published in {channel} yet."),
                {"channel": f"<#{where.channel}>"},
            )
        parts = await digests_of(ctx).texts(conn, digest, [ctx.t], ctx.timezone)
    return [ctx.reply(part) for part in parts]


async def export_archive(ctx: Context, args: Args) -> list[Intent]:
    """The archive as a file by direct message, as `me export` sends a member's data: a
    page pasted into the reply box was unreadable (the whole HTML in the console) and had
    to be copied back together from its parts."""
    where = args.channel("channel") or ctx.conversation.channel_only()
    kind = args.text("format") or "html"
    async with ctx.kernel.engine.connect() as conn:
        page = await digests_of(ctx).archive(conn, where, ctx.community)
    if not page.digests:
        raise CommandError(
            N_("No digest has been published in {channel} yet, so there is nothing to export."),
            {"channel": f"<#{where.channel}>"},
        )
    markdown = kind == "markdown"
    body = export.markdown(page) if markdown else export.html(page)
    now = ctx.kernel.clock.now()
    channel = re.sub(r"[^A-Za-z0-9_-]+", "-", where.channel).strip("-") or "group"
    name = f"digests-{channel}-{now:%Y%m%d}.{'md' if markdown else 'html'}"
    t = ctx.t
    about = (
        t.ngettext(
            "{n} digest of {channel}, as a Markdown file.",
            "{n} digests of {channel}, as a Markdown file.",
            len(page.digests),
            channel=f"<#{where.channel}>",
        )
        if markdown
        else t.ngettext(
            "{n} digest of {channel}, as a web page any browser opens.",
            "{n} digests of {channel}, as a web page any browser opens.",
            len(page.digests),
            channel=f"<#{where.channel}>",
        )
    )
    title = t._("Digest archive")
    file = Attachment(base64.b64encode(body.encode()).decode(), name, title)
    return [
        DirectMessage(
            member=ctx.member,
            message=Message(title=title, text=about, attachment=file, keep_copy=False),
            asked=True,
        ),
        ctx.reply(
            Message(
                t._("I've sent the digest archive to you in a direct message."), keep_copy=False
            )
        ),
    ]


ID = Option(
    NP_("option", "id"), "int", N_("The digest's number, from “digest show”"), required=True
)
CHANNEL = Option(NP_("option", "channel"), "channel", N_("The group (here if left out)"))

COMMANDS = (
    CommandSpec(
        path="digest build",
        description=N_("Gather a prompt discussion, a week or a live chat into a draft digest"),
        options=(
            Option(
                NP_("option", "source"),
                "choice",
                N_(
                    "prompt (the latest prompt discussion), week (every prompt of a week) "
                    "or chat (a live chat)"
                ),
                choices=(NP_("choice", "prompt"), NP_("choice", "week"), NP_("choice", "chat")),
            ),
            Option(
                NP_("option", "chat"),
                "int",
                N_("With source=chat: the live chat's number (the latest here if left out)"),
            ),
            Option(
                NP_("option", "date"),
                "date",
                N_("The day the prompt was posted, or a day in the week (latest if left out)"),
            ),
            Option(
                NP_("option", "credit"),
                "choice",
                N_("Credit answers by names, initials or none (members' own choices still hold)"),
                choices=(NP_("choice", "names"), NP_("choice", "initials"), NP_("choice", "none")),
            ),
            Option(
                NP_("option", "group-by"),
                "choice",
                N_("question, or role (parents' and the school's answers apart)"),
                choices=(NP_("choice", "question"), NP_("choice", "role")),
            ),
            CHANNEL,
        ),
        role=Role.ORGANIZER,
        handler=build,
    ),
    CommandSpec(
        path="digest show",
        description=N_("See a digest, or the drafts waiting"),
        options=(
            Option(NP_("option", "id"), "int", N_("The digest's number (the drafts if left out)")),
        ),
        role=Role.ORGANIZER,
        handler=show,
    ),
    CommandSpec(
        path="digest drop",
        description=N_("Leave an item out of a draft digest"),
        options=(
            ID,
            Option(
                NP_("option", "item"),
                "int",
                N_("The item's number, from “digest show”"),
                required=True,
            ),
        ),
        role=Role.ORGANIZER,
        handler=drop,
    ),
    CommandSpec(
        path="digest publish",
        description=N_("Post a draft digest in its group"),
        options=(ID,),
        role=Role.ORGANIZER,
        handler=publish,
        shares_content=True,
    ),
    CommandSpec(
        path="digest latest",
        description=N_("Read the group's latest digest"),
        options=(CHANNEL,),
        handler=latest,
    ),
    CommandSpec(
        path="digest export",
        description=N_("A group's digests as one HTML page or Markdown, to keep"),
        options=(
            Option(
                NP_("option", "format"),
                "choice",
                N_("html or markdown (html if left out)"),
                choices=(NP_("choice", "html"), NP_("choice", "markdown")),
            ),
            CHANNEL,
        ),
        role=Role.ORGANIZER,
        handler=export_archive,
    ),
)
