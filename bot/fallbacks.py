"""Where an adapter lacks a capability, the core changes the intent, not the adapter.

A card with buttons becomes numbered text ("reply 1 or 2") and the number, when it comes,
becomes the button press; a form becomes a short dialogue, one question per message; an
ephemeral reply becomes a direct message; a thread reply lands in the channel; a long
text is split under the adapter's limit. The state of a dialogue or a numbered choice
is stored, so a restart in the middle loses nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.expression import ColumnElement

from bot.capabilities import Capabilities
from bot.clock import Clock
from bot.commands import (
    COMMAND_FORM,
    CommandError,
    CommandRegistry,
    Option,
    convert_value,
    fold,
    parse_text,
)
from bot.events import ComponentSubmitted, FormSubmitted, MessagePosted
from bot.i18n import Translator
from bot.intents import (
    OFFER,
    Button,
    Choice,
    DirectMessage,
    Ephemeral,
    Form,
    FormField,
    Intent,
    Message,
    OpenForm,
    Pin,
    Post,
    PublishHome,
    React,
    Update,
)
from bot.refs import ConversationRef, MemberRef
from bot.render import field_prompt, message_text, numbered_buttons
from bot.storage.members import Exported
from bot.storage.places import at_place, place_columns
from bot.storage.tables import dialogues, pending_choices

log = logging.getLogger(__name__)

CHOICES_KEPT = timedelta(days=2)
CANCEL_WORDS = {"cancel", "cancelar", "stop", "parar"}
KEEP = "-"
# A line that starts like a command is never an answer: the member is asked to leave.
COMMAND_MARKS = ("/", ":")
# Stored beside the answers (no field has an empty name): what was typed when the member
# was asked whether to leave the form, until they say yes or no.
LEAVING = ""
# The answers to a form's offer of its optional questions (`Form.left_out`): go ahead
# with them as they are, or ask them one by one. Any word of either language.
GO_AHEAD, ONE_BY_ONE = "ok", "more"
_GO_AHEAD_WORDS = {"ok", "okay", "send", "no", "vale", "enviar", "listo", KEEP}
_ONE_BY_ONE_WORDS = {"more", "yes", "más", "mas", "sí", "si"}


@dataclass(frozen=True, slots=True)
class OpenDialogue:
    """A form being answered as a dialogue: where, which form, and the question it is at."""

    channel: str
    form: Form
    step: int
    leaving: bool = False  # asked whether to leave it, and not answered yet


class Fallbacks:
    def __init__(
        self, engine: AsyncEngine, clock: Clock, commands: CommandRegistry | None = None
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._commands = commands or CommandRegistry()

    async def adapt(self, intents: list[Intent], caps: Capabilities, t: Translator) -> list[Intent]:
        """The intents rewritten to what `caps` can show; none is dropped silently."""
        adapted: list[Intent] = []
        for intent in intents:
            for one in await self._adapt_one(intent, caps, t):
                adapted.extend(_split_long(one, caps.max_text))
        return adapted

    async def _adapt_one(self, intent: Intent, caps: Capabilities, t: Translator) -> list[Intent]:
        if isinstance(intent, OpenForm) and not caps.forms:
            return await self._adapt_one(await self._start_dialogue(intent, t), caps, t)
        if isinstance(intent, PublishHome) and not caps.home:
            return []  # a home page is a view of what commands also show, not a message
        if isinstance(intent, Pin) and not caps.pins:
            return []  # pinning only makes the current prompt easy to find
        if isinstance(intent, React) and not caps.reactions:
            log.debug("event=reaction_skipped reason=no_reactions platform=%s", intent.to.platform)
            return []
        if isinstance(intent, Update) and not caps.updates:
            intent = Post(to=intent.to.channel_only(), message=intent.message)
        if isinstance(intent, Ephemeral) and not caps.ephemeral:
            if caps.direct_messages:
                intent = DirectMessage(
                    member=intent.member, message=intent.message, in_reply_to=intent.in_reply_to
                )
            else:
                intent = Post(to=intent.to, message=intent.message, in_reply_to=intent.in_reply_to)
        if isinstance(intent, Post | Ephemeral) and intent.to.thread and not caps.threads:
            intent = replace(intent, to=intent.to.channel_only())
        if (
            isinstance(intent, Post | Ephemeral | DirectMessage)
            and intent.message.buttons
            and not caps.buttons
        ):
            intent = await self._numbered(intent, t)
        return [intent]

    async def _numbered(
        self, intent: Post | Ephemeral | DirectMessage, t: Translator
    ) -> Post | Ephemeral | DirectMessage:
        message = intent.message
        if isinstance(intent, DirectMessage):
            where = ConversationRef(intent.member.platform, intent.member.community, "dm")
            who: str | None = intent.member.id
        else:
            where = intent.to
            who = intent.member.id if isinstance(intent, Ephemeral) else None
        async with self._engine.begin() as conn:
            await conn.execute(
                insert(pending_choices).values(
                    **place_columns(where),
                    user_id=who,
                    buttons=json.dumps([asdict(b) for b in message.buttons]),
                    created_at=self._clock.now(),
                )
            )
        text = "\n".join(
            [
                message.text,
                numbered_buttons(message.buttons),
                t._("Reply with a number to choose."),
            ]
        )
        return replace(intent, message=replace(message, text=text, buttons=()))

    async def _start_dialogue(self, intent: OpenForm, t: Translator) -> Ephemeral:
        member, where = intent.member, intent.to
        form, given = _to_ask(intent.form)
        async with self._engine.begin() as conn:
            await conn.execute(delete(dialogues).where(_mine(member)))
            await conn.execute(
                insert(dialogues).values(
                    **place_columns(where),
                    user_id=member.id,
                    form=json.dumps(asdict(form)),
                    answers=json.dumps(given),
                    created_at=self._clock.now(),
                )
            )
        prompt = field_prompt(t, form, form.fields[0], 1)
        return Ephemeral(
            to=where,
            member=member,
            message=Message(text=prompt, keep_copy=intent.form.keep_copy),
            in_reply_to=intent.in_reply_to,
        )

    async def intercept(
        self, event: MessagePosted, t: Translator
    ) -> tuple[list[Intent], ComponentSubmitted | FormSubmitted | None] | None:
        """A message that answers a dialogue or picks a numbered choice, turned into what it
        stands for; None when the message is ordinary conversation."""
        answered = await self._continue_dialogue(event, t)
        if answered is not None:
            return answered
        pressed = await self._pick_choice(event)
        if pressed is not None:
            return [], pressed
        return None

    async def open_dialogue(self, member: MemberRef) -> OpenDialogue | None:
        """The form `member` is answering as a dialogue, if any: an adapter shows it (the
        console marks its prompt, and says a form was set aside when someone else types)."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(dialogues).where(_mine(member)))).first()
        if row is None:
            return None
        form, answers = _form_from_json(row.form), _answers(row.answers)
        leaving = answers.pop(LEAVING, None) is not None
        step = _unanswered(form, answers)
        if step is None:
            return None  # all answered, with the command now
        return OpenDialogue(row.channel, form, step + 1, leaving)

    async def refused(
        self, member: MemberRef, values: Mapping[str, str], option: str | None = None
    ) -> int:
        """The command refused a form answered in full (a series it doesn't know, say):
        the answer it names is taken back, to be asked again, and the others are kept.
        `option` is the field the command named (`CommandError.option`); without it, the
        field whose answer the message quotes. The number of the question to ask again,
        or 0 when no answer is named (the form is then closed, as before)."""
        async with self._engine.begin() as conn:
            row = (await conn.execute(select(dialogues).where(_mine(member)))).first()
            if row is None:
                return 0
            form, answers = _form_from_json(row.form), _answers(row.answers)
            named = {v.strip().lower() for v in values.values()}
            wrong = next((n for n, f in enumerate(form.fields) if f.name == option), None)
            if wrong is None and any(named):
                wrong = next(
                    (
                        n
                        for n, f in enumerate(form.fields)
                        if answers.get(f.name, "").lower() in named
                    ),
                    None,
                )
            if wrong is None or form.fields[wrong].name not in answers:
                await conn.execute(delete(dialogues).where(dialogues.c.id == row.id))
                return 0
            del answers[form.fields[wrong].name]
            if _behind_offer(form, answers, form.fields[wrong]):
                # Set in the answer to the offer: that question is asked again.
                wrong = next(n for n, f in enumerate(form.fields) if f.name == OFFER)
                del answers[OFFER]
            await conn.execute(
                update(dialogues)
                .where(dialogues.c.id == row.id)
                .values(answers=json.dumps(answers))
            )
            return wrong + 1

    async def finished(self, member: MemberRef) -> None:
        """The command took the form's answers: the dialogue is over."""
        async with self._engine.begin() as conn:
            await conn.execute(delete(dialogues).where(_mine(member)))

    async def _continue_dialogue(
        self, event: MessagePosted, t: Translator
    ) -> tuple[list[Intent], FormSubmitted | None] | None:
        """One message of a dialogue: an answer, `cancel`, a yes/no about leaving it, or a
        command typed mid-form (which asks whether to leave, never counts as an answer)."""
        member, where = event.actor.ref, event.conversation
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(
                    select(dialogues).where(_theirs(dialogues, member, channel=where.channel))
                )
            ).first()
            if row is None:
                return None
            form = _form_from_json(row.form)
            answers = _answers(row.answers)
            leaving = LEAVING in answers
            answers.pop(LEAVING, None)
            step = _unanswered(form, answers)
            if step is None:  # answered in full, and the command failed on our side
                await conn.execute(delete(dialogues).where(dialogues.c.id == row.id))
                return None
            field = form.fields[step]
            question = field_prompt(t, form, field, step + 1)

            async def keep(with_answers: dict[str, str]) -> None:
                await conn.execute(
                    update(dialogues)
                    .where(dialogues.c.id == row.id)
                    .values(answers=json.dumps(with_answers))
                )

            ask_leave = t._(
                "You are in the middle of the form “{title}”, so I didn't take that as an "
                "answer. Leave the form? Answer yes to leave it (nothing is sent), or no "
                "to go back to the question.",
                title=form.title,
            )
            text = event.text.strip()
            if text.lower() in CANCEL_WORDS:
                await conn.execute(delete(dialogues).where(dialogues.c.id == row.id))
                return [self._say(event, t._("Okay, I stopped there. Nothing was changed."))], None
            if leaving:
                # A second command in a row, instead of yes or no: the member plainly
                # wants to do something else, so they leave (and the console runs it).
                leave = True if text.startswith(COMMAND_MARKS) else _yes_or_no(text, where, t)
                if leave:
                    await conn.execute(delete(dialogues).where(dialogues.c.id == row.id))
                    left = t._("Okay, you left the form. Nothing was changed.")
                    return [self._say(event, left)], None
                if leave is None and not text:
                    return [
                        self._say(event, ask_leave, form.keep_copy)
                    ], None  # asked again, as it was
                if leave is None:
                    again = t._("Please answer yes to leave the form, or no to go back to it.")
                    return [self._say(event, again, form.keep_copy)], None
                await keep(answers)
                return [self._say(event, question, form.keep_copy)], None
            if text.startswith(COMMAND_MARKS):
                await keep({**answers, LEAVING: text})
                return [self._say(event, ask_leave, form.keep_copy)], None
            if not text:
                return [
                    self._say(event, question, form.keep_copy)
                ], None  # an image or an empty line
            if field.name == OFFER:
                chosen, problem = self._offered(form, text, where, t)
                answers.update(chosen)
            else:
                value, problem = self._answer(form, field, text, where, t)
                answers[field.name] = value
            if problem:
                return [self._say(event, problem + "\n" + question, form.keep_copy)], None
            await keep(answers)  # kept until the command takes them: a refusal asks again
            step = _unanswered(form, answers)
            if step is not None:
                prompt = field_prompt(t, form, form.fields[step], step + 1)
                return [self._say(event, prompt, form.keep_copy)], None
        submitted = FormSubmitted(
            event_id=f"{event.event_id}:form",
            at=event.at,
            conversation=where,
            actor=event.actor,
            form_id=form.form_id,
            values={name: value for name, value in answers.items() if name != OFFER},
        )
        return [], submitted

    def _answer(
        self, form: Form, field: FormField, text: str, where: ConversationRef, t: Translator
    ) -> tuple[str, str | None]:
        """The value a dialogue answer stands for, or a kind reason it can't be used: the
        same check the command makes of that option, so a bad value is caught at once."""
        if text == KEEP:
            if field.default is not None:
                return field.default, None
            if not field.required:
                return "", None
            return "", t._("This one is needed, so please send an answer.")
        option = self._commands.form_option(form.form_id, field.name)
        if field.choices:
            chosen = _choose(field.choices, text)
            if chosen is None and {c.value for c in field.choices} == {"yes", "no"}:
                # A yes/no question takes every yes or no a yes/no option takes ("si", "y").
                answer = _yes_or_no(text, where, t)
                chosen = None if answer is None else ("yes" if answer else "no")
            if chosen is None and option is None:
                return "", t._("Please pick one of the choices.")
            text = chosen or text  # the option's own check says what the choices are
        if option is not None:
            try:
                value = convert_value(option, text, where, t)
            except CommandError as problem:
                return "", problem.text(t)
            if option.type in ("choice", "weekday"):
                return str(value), None  # the choice's own value, as a button gives it
        return text, None

    def _offered(
        self, form: Form, text: str, where: ConversationRef, t: Translator
    ) -> tuple[dict[str, str], str | None]:
        """The answer to the offer of the optional questions: "ok" (go ahead), "more"
        (ask them), or options written as in the command ("anonymous=yes closes=3d"),
        each checked as the command checks it; or a kind reason it can't be used."""
        word = text.strip().lower()
        if word in _GO_AHEAD_WORDS:
            return {OFFER: GO_AHEAD}, None
        if word in _ONE_BY_ONE_WORDS:
            return {OFFER: ONE_BY_ONE}, None
        spec = self._commands.get(form.form_id.removeprefix(COMMAND_FORM))
        optional = {f.name for f in form.fields if not f.required}
        unclear = t._(
            "I didn't get that. Write the options as in the command, like "
            "“name=value”, or send “ok” or “more”."
        )
        if spec is None:
            return {}, unclear
        try:
            raw = parse_text(spec, text, t)
            if not raw or not set(raw) <= optional:
                return {}, unclear  # free words, or a question already answered
            for name, value in raw.items():
                option = spec.option(name)
                if option is not None:
                    convert_value(option, value, where, t)
        except CommandError as problem:
            return {}, problem.text(t)
        return {**raw, OFFER: GO_AHEAD}, None

    async def _pick_choice(self, event: MessagePosted) -> ComponentSubmitted | None:
        text = event.text.strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 3):  # "²" and 10**5000 too
            return None
        where, member = event.conversation, event.actor.ref
        channel = "dm" if event.is_direct else where.channel
        since = self._clock.now() - CHOICES_KEPT
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(pending_choices.c.buttons)
                    .where(
                        at_place(pending_choices, where, channel=channel)
                        & (
                            (pending_choices.c.user_id == member.id)
                            | pending_choices.c.user_id.is_(None)
                        )
                        & (pending_choices.c.created_at >= since)
                    )
                    .order_by(pending_choices.c.id.desc())
                    .limit(1)
                )
            ).first()
        if row is None:
            return None
        buttons = [Button(**b) for b in json.loads(row.buttons)]
        index = int(text) - 1
        if not 0 <= index < len(buttons):
            return None
        return ComponentSubmitted(
            event_id=f"{event.event_id}:choice",
            at=event.at,
            # Not the member's reply: the card's own ID is unknown here, so none, and a
            # feature posts anew rather than update the member's message.
            conversation=replace(where, message=None),
            actor=event.actor,
            action_id=buttons[index].action_id,
            value=buttons[index].value,
        )

    @staticmethod
    def _say(event: MessagePosted, text: str, keep_copy: bool = True) -> Intent:
        if event.is_direct:
            return DirectMessage(
                member=event.actor.ref, message=Message(text=text, keep_copy=keep_copy)
            )
        return Ephemeral(
            to=event.conversation,
            member=event.actor.ref,
            message=Message(text=text, keep_copy=keep_copy),
            in_reply_to=event.event_id,
        )


def _mine(member: MemberRef) -> ColumnElement[bool]:
    return _theirs(dialogues, member)


def _to_ask(form: Form) -> tuple[Form, dict[str, str]]:
    """The questions a dialogue asks, and the answers it starts with. A form opened
    because required options were missing does not ask again what the member gave with
    the command: offered again, it invites an answer meant for the next question to
    replace it. Options not given (optional ones too, such as `anonymous`) are asked.
    Any other form (setup's current values, say, or the question form's defaults, whose
    "ask without your name?" must be asked) is asked whole."""
    opened_for_missing = form.form_id.startswith(COMMAND_FORM)
    if not opened_for_missing or not any(f.required and f.default is None for f in form.fields):
        return form, {}
    given = {f.name: f.default for f in form.fields if f.default is not None}
    asked = [f for f in form.fields if f.default is None]
    optional = [f for f in asked if not f.required]
    if form.left_out and optional:
        # The required questions, then one offering the rest (`Form.left_out`).
        offer = FormField(name=OFFER, label=form.left_out)
        asked = [*(f for f in asked if f.required), offer, *optional]
    return replace(form, fields=tuple(asked)), given


def _behind_offer(form: Form, answers: Mapping[str, str], field: FormField) -> bool:
    """Whether `field` is one of the optional questions a form's offer stands for, and
    the member did not ask for them one by one."""
    offered = any(f.name == OFFER for f in form.fields)
    return offered and not field.required and answers.get(OFFER) != ONE_BY_ONE


def _unanswered(form: Form, answers: Mapping[str, str]) -> int | None:
    """The index of the first question not answered yet; None when all are."""
    return next(
        (
            n
            for n, f in enumerate(form.fields)
            if f.name not in answers
            and (f.asked_if is None or answers.get(f.asked_if[0]) == f.asked_if[1])
            and not _behind_offer(form, answers, f)
        ),
        None,
    )


def _answers(payload: str) -> dict[str, str]:
    answers: dict[str, str] = json.loads(payload)
    return answers


_LEAVE = Option("leave", "bool", "")


def _yes_or_no(text: str, where: ConversationRef, t: Translator) -> bool | None:
    """Yes or no in the member's words, as a yes/no option of a command takes them."""
    try:
        return bool(convert_value(_LEAVE, text, where, t))
    except CommandError:
        return None


def _choose(choices: tuple[Choice, ...], text: str) -> str | None:
    lowered = text.lower()
    if (
        lowered.isascii()
        and lowered.isdigit()
        and len(lowered) <= 3
        and 0 < int(lowered) <= len(choices)
    ):
        return choices[int(lowered) - 1].value
    folded = fold(text)  # "si" for "sí", "Salud" for "salud"
    for choice in choices:
        if folded in (fold(choice.value), fold(choice.label)):
            return choice.value
    return None


def _form_from_json(payload: str) -> Form:
    data = json.loads(payload)
    fields = tuple(
        FormField(
            **{
                **f,
                "choices": tuple(Choice(**c) for c in f["choices"]),
                "asked_if": tuple(f["asked_if"]) if f.get("asked_if") else None,
            }
        )
        for f in data["fields"]
    )
    return Form(
        form_id=data["form_id"],
        title=data["title"],
        fields=fields,
        submit_label=data["submit_label"],
        keep_copy=data.get("keep_copy", True),
        left_out=data.get("left_out"),
    )


def _split_long(intent: Intent, limit: int) -> list[Intent]:
    """Split a message whose text is over the adapter's limit, at paragraph or line ends."""
    if not isinstance(intent, Post | Ephemeral | DirectMessage) or _surely_fits(
        intent.message, limit
    ):
        return [intent]
    text = message_text(intent.message)
    if len(text) <= limit:
        return [intent]
    chunks = split_text(text, limit)
    last = len(chunks) - 1
    return [
        replace(
            intent,
            message=Message(
                text=chunk,
                buttons=intent.message.buttons if i == last else (),
                mentions=intent.message.mentions,
                keep_copy=intent.message.keep_copy,
                attachment=intent.message.attachment if i == 0 else None,
            ),
        )
        for i, chunk in enumerate(chunks)
    ]


def _surely_fits(message: Message, limit: int) -> bool:
    """True when `message_text(message)` is within `limit` by a bound counted without
    writing it out (nearly every message): emphasis adds at most two marks to each
    line of the title and footer, and a field's line adds its bullet, colon and breaks."""
    size = 3 * (len(message.title or "") + len(message.footer or "")) + len(message.text) + 8
    size += sum(len(label) + len(value) + 5 for label, value in message.fields)
    return size <= limit


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, cut at a blank line, a line end or a space."""
    chunks: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind("\n\n"), 0) or max(window.rfind("\n"), 0) or window.rfind(" ")
        if cut <= limit // 4:
            cut = limit
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n ")
    if text:
        chunks.append(text)
    return chunks


def _theirs(table: Any, member: MemberRef, channel: str | None = None) -> ColumnElement[bool]:
    mine: ColumnElement[bool] = at_place(table, member, channel=channel) & (
        table.c.user_id == member.id
    )
    return mine


async def export_member(conn: AsyncConnection, member: MemberRef) -> Exported:
    """A form being answered as a conversation (with the answers so far), and the
    numbered choices shown to the member alone."""
    forms = await conn.execute(
        select(dialogues.c.channel, dialogues.c.form, dialogues.c.answers).where(
            _theirs(dialogues, member)
        )
    )
    choices = await conn.execute(
        select(pending_choices.c.channel, pending_choices.c.buttons).where(
            _theirs(pending_choices, member)
        )
    )
    return {
        "dialogues": [dict(r._mapping) for r in forms],
        "pending_choices": [dict(r._mapping) for r in choices],
    }


async def delete_member(conn: AsyncConnection, member: MemberRef) -> int:
    gone = 0
    for table in (dialogues, pending_choices):
        gone += (await conn.execute(delete(table).where(_theirs(table, member)))).rowcount
    return gone


# (table, column) pairs the hooks above cover.
PRIVATE_COLUMNS = (
    ("dialogues", "user_id"),
    ("dialogues", "answers"),
    ("pending_choices", "user_id"),
)
