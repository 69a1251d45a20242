"""Filing answers: members' messages during a chat are read by the pure parser
(bot/features/chats/answers.py) and filed under their questions, with a reaction that
says so; reactions to a filed answer are counted. Organizers re-file or remove an answer
with the message action "File as answer to Q..." (a form asks which question)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.commands import Args, CommandError, CommandSpec, Option
from bot.context import Context
from bot.directory import Role
from bot.events import CommandInvoked, Event, MessagePosted, ReactionAdded
from bot.features.chats import store
from bot.features.chats.answers import in_thread, labelled
from bot.features.chats.service import ANSWERED
from bot.features.chats.store import Chat
from bot.i18n import N_, NP_
from bot.intents import Choice, Form, FormField, Intent, React
from bot.refs import ConversationRef

FILE_FORM = "chats:file:"
NONE = "none"  # the form's choice for "not an answer"
FILE_ACTION = N_("File as answer to Q...")  # the message action's label
_NOT_AN_ANSWER = ("none", "no", "0", "-", "ninguna", "remove", "quitar")


async def hear(ctx: Context, event: Event) -> list[Intent]:
    """File a member's answer in a running chat, or count a reaction to one."""
    if isinstance(event, ReactionAdded):
        # The bot's own "filed" mark is not the group valuing an answer.
        where, message = event.conversation.channel_only(), event.conversation.message
        if not message or event.emoji in (ANSWERED, "white_check_mark"):
            return []
        async with ctx.kernel.engine.connect() as conn:  # a read first: most are no answer
            answered = await store.is_answer(conn, where, message)
        if answered:
            async with ctx.kernel.engine.begin() as conn:
                await store.reacted(conn, where, message)
        return []
    if not isinstance(event, MessagePosted) or event.is_direct or not event.text.strip():
        return []
    where = event.conversation
    async with ctx.kernel.engine.connect() as conn:
        running = await store.in_channel(conn, where.channel_only(), ("running",))
        if not running:
            return []
        chat = running[0]
        asked = (
            await store.question_of_thread(conn, chat.id, where.thread) if where.thread else None
        )
    found = labelled(event.text)
    # Unlabelled words in a question's thread answer that question.
    how = "label" if found else "thread"
    if not found and asked is not None:
        found = in_thread(event.text, asked)
    numbers = sorted({n for answer in found for n in answer.questions if 1 <= n <= chat.posted})
    if not numbers:
        labels = sorted({n for answer in found for n in answer.questions}) if how == "label" else []
        return [ctx.reply(_not_filed(ctx, chat, labels[0]))] if labels else []
    message = where.message or event.event_id
    async with ctx.kernel.engine.begin() as conn:
        for answer in found:
            kept = [n for n in answer.questions if 1 <= n <= chat.posted]
            if kept:
                await store.file(
                    conn,
                    chat.id,
                    kept,
                    message_id=message,
                    thread=where.thread,
                    author_id=event.actor.ref.id,
                    text=answer.text,
                    at=event.at,
                    filed_by=how,
                )
    if where.message is None:
        return []  # nothing to react to where the platform gave no message ID
    return [React(to=where, emoji=ANSWERED)]


def _not_filed(ctx: Context, chat: Chat, number: int) -> str:
    """Why an answer labelled A{number} was not filed, said only to its author: the chat
    has no such question, or it is not posted yet (silence would look like a lost answer)."""
    if number > chat.total or number < 1:
        return ctx.t.ngettext(
            "There's no Q{number} in this live chat: it has {n} question, so I didn't file "
            "your answer.",
            "There's no Q{number} in this live chat: it has {n} questions, so I didn't file "
            "your answer.",
            chat.total,
            number=number,
        )
    return ctx.t._(
        "Q{number} isn't posted yet, so I didn't file your answer. Send it again once Q{number} "
        "is up.",
        number=number,
    )


def _number(raw: str) -> int | None:
    """A question's number as an organizer types it: 2, Q2, A2, R2, P2 (None: remove)."""
    text = raw.strip().lower()
    if text in _NOT_AN_ANSWER:
        return None
    match = re.fullmatch(r"[qarp]?\s*(\d{1,2})", text)
    if match is None:
        raise CommandError(
            N_("“{value}” isn't a question's number. Use a number like 2, or “none”."),
            {"value": raw},
            "question",
        )
    return int(match[1])


async def _chat_of(ctx: Context, target: ConversationRef) -> Chat:
    async with ctx.kernel.engine.connect() as conn:
        chat = await store.latest_in(conn, target.channel_only())
    if chat is None:
        raise CommandError(
            N_("There's no live chat in {channel} to file answers for."),
            {"channel": f"<#{target.channel}>"},
        )
    return chat


async def file_answer(ctx: Context, args: Args) -> list[Intent]:
    """The message action: file the message under a question (asked in a form when the
    question isn't given), or take it out of the chat's answers."""
    event = ctx.event
    if not isinstance(event, CommandInvoked) or event.target is None or not event.target.message:
        raise ctx.on_a_message(FILE_ACTION, "chat file")
    target = event.target
    chat = await _chat_of(ctx, target)
    raw = args.text("question")
    async with ctx.kernel.engine.begin() as conn:
        rows = await store.filed(conn, chat.id, target.message or "")
        if raw is None:
            if not rows:  # kept until a question is chosen, or the chat ends
                await store.file(
                    conn,
                    chat.id,
                    [0],
                    message_id=target.message or "",
                    thread=target.thread,
                    author_id=event.target_author or None,
                    text=event.target_text,
                    at=ctx.kernel.clock.now(),
                    filed_by="organizer",
                )
            current = next((r.number for r in rows if r.number > 0), None)
    if raw is None:
        return [ctx.form(_form(ctx, chat, target, current))]
    return await _refile(ctx, chat, target, _number(raw))


def _form(ctx: Context, chat: Chat, target: ConversationRef, current: int | None) -> Form:
    t = ctx.t
    choices = tuple(Choice(f"Q{n}", f"Q{n}") for n in range(1, chat.total + 1))
    where = f"{target.thread or ''}:{target.message}"
    return Form(
        form_id=f"{FILE_FORM}{chat.id}:{where}",
        title=t._("File as answer to Q..."),
        fields=(
            FormField(
                "question",
                t._("Which question does it answer?"),
                kind="choice",
                choices=(*choices, Choice(NONE, t._("None: it isn't an answer"))),
                default=f"Q{current}" if current else None,
            ),
        ),
        submit_label=t._("File"),
    )


async def file_form(ctx: Context, form_id: str, values: Mapping[str, str]) -> list[Intent]:
    """The form's answer: `chats:file:<chat>:<thread>:<message>`."""
    parts = form_id.removeprefix(FILE_FORM).split(":", 2)
    if len(parts) != 3 or not parts[0].isdigit() or len(parts[0]) > 10:
        raise CommandError(N_("That form is no longer in use. Nothing was changed."))
    async with ctx.kernel.engine.connect() as conn:
        chat = await store.get(conn, int(parts[0]), ctx.conversation)
    if chat is None:
        raise CommandError(N_("That form is no longer in use. Nothing was changed."))
    target = replace(chat.where, thread=parts[1] or None, message=parts[2])
    return await _refile(ctx, chat, target, _number(values.get("question", NONE)))


async def _refile(
    ctx: Context, chat: Chat, target: ConversationRef, number: int | None
) -> list[Intent]:
    if number is not None and not 1 <= number <= chat.total:
        raise CommandError(
            N_("Chat #{id} has questions Q1 to Q{n}; there's no Q{number}."),
            {"id": str(chat.id), "n": str(chat.total), "number": str(number)},
            "question",
        )
    message = target.message or ""
    async with ctx.kernel.engine.begin() as conn:
        rows = await store.filed(conn, chat.id, message)
        if not rows and isinstance(ctx.event, CommandInvoked) and number is not None:
            rows = await _from_target(ctx, conn, chat, target)
        if not rows:
            raise CommandError(
                N_("That message isn't filed in chat #{id}, so there's nothing to remove."),
                {"id": str(chat.id)},
            )
        first = rows[0]
        await store.unfile(conn, chat.id, message)
        if number is not None:
            await store.file(
                conn,
                chat.id,
                [number],
                message_id=message,
                thread=first.thread,
                author_id=first.author_id,
                text=first.text,
                at=first.at,
                filed_by="organizer",
            )
    if number is None:
        return [ctx.reply(ctx.t._("Done: that message is no longer filed as an answer."))]
    return [
        React(to=target, emoji=ANSWERED),
        ctx.reply(ctx.t._("Done: that message is filed as the answer to Q{n}.", n=number)),
    ]


async def _from_target(
    ctx: Context, conn: AsyncConnection, chat: Chat, target: ConversationRef
) -> list[Any]:
    """A message not filed yet, from what the platform said about it with the action."""
    event = ctx.event
    assert isinstance(event, CommandInvoked)
    await store.file(
        conn,
        chat.id,
        [0],
        message_id=target.message or "",
        thread=target.thread,
        author_id=event.target_author or None,
        text=event.target_text,
        at=ctx.kernel.clock.now(),
        filed_by="organizer",
    )
    return await store.filed(conn, chat.id, target.message or "")


FILE_COMMAND = CommandSpec(
    path="chat file",
    description=N_("File a message as the answer to a chat question, or remove it"),
    options=(
        Option(
            NP_("option", "question"),
            "str",
            N_("The question's number, like 2, or “none” to remove it"),
        ),
    ),
    handler=file_answer,
    role=Role.ORGANIZER,
    message_action=FILE_ACTION,
)
