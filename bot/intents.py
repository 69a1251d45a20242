"""Outbound intents: what the core wants to happen, never how a platform does it.

Intents carry refs and plain data only, so the outbox can persist them as JSON and an
adapter can deliver them after a restart. `in_reply_to` names the inbound event an intent
answers, which lets an adapter use the platform's reply channel (a Discord interaction
response) and lets tests check that every reply answered the right command.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import Field, PlainSerializer, PlainValidator, TypeAdapter

from bot.refs import ConversationRef, MemberRef

ButtonStyle = Literal["default", "primary", "danger"]
FieldKind = Literal["text", "long_text", "choice", "member", "channel", "timezone", "languages"]


class Tag:
    """What a staged intent stands for, chosen by the feature that staged it: a frozen
    dataclass of str, int or bool fields subclassing this. Once the intent is delivered,
    the outbox hands the tag (with the platform's message ID) to the receipt the feature
    declared for the tag's class (`Feature.receipts`), in the transaction that marks it
    sent. Any intent may carry one."""

    __slots__ = ()


def tag_kind(cls: type) -> str:
    """The stable name a tag class is stored under."""
    return f"{cls.__module__}.{cls.__qualname__}"


@dataclass(frozen=True, slots=True)
class StoredTag(Tag):
    """A tag read back from the outbox, before the receipt's class rebuilds it."""

    kind: str
    values: tuple[tuple[str, Any], ...]

    def rebuild(self, cls: type[Tag]) -> Tag:
        return cls(**dict(self.values))


def _tag_out(tag: Tag | None) -> dict[str, Any] | None:
    if tag is None:
        return None
    if isinstance(tag, StoredTag):
        return {"name": tag.kind, "values": dict(tag.values)}
    assert is_dataclass(tag), "a Tag is a dataclass"
    values = {f.name: getattr(tag, f.name) for f in fields(tag)}
    return {"name": tag_kind(type(tag)), "values": values}


def _tag_in(value: Any) -> Tag | None:
    if value is None or isinstance(value, Tag):
        return value
    return StoredTag(str(value["name"]), tuple(sorted(dict(value["values"]).items())))


TagField = Annotated[Tag | None, PlainValidator(_tag_in), PlainSerializer(_tag_out)]


@dataclass(frozen=True, slots=True)
class Button:
    """A button whose `action_id` names the handler and `value` the record it acts on."""

    label: str
    action_id: str
    value: str = ""
    style: ButtonStyle = "default"


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Select:
    """A menu of choices, for when there are more than a platform's buttons allow (see
    `Capabilities.max_buttons`). A pick comes back as a `ComponentSubmitted` with this
    `action_id` and, as its `value`, the chosen values joined by newlines (one for a
    single choice; up to `max_values`)."""

    action_id: str
    placeholder: str
    options: tuple[Choice, ...]
    max_values: int = 1


@dataclass(frozen=True, slots=True)
class Image:
    """A picture shown with the message where the platform shows images
    (`Capabilities.images`); elsewhere `alt` is shown, so it must say the same."""

    png_base64: str
    alt: str
    filename: str = "chart.png"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that goes with a message (a member's data export): uploaded with it on
    Slack and Discord, saved where the console shows its path."""

    data_base64: str
    filename: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Message:
    """Rich content that every adapter can show natively or as text (see bot.render).

    Only the members in `mentions` may be pinged; adapters neutralise every other
    mention, so text a member wrote can never ping a channel or forge a mention.
    """

    text: str
    title: str | None = None
    fields: tuple[tuple[str, str], ...] = ()
    buttons: tuple[Button, ...] = ()
    footer: str | None = None
    mentions: tuple[MemberRef, ...] = ()
    select: Select | None = None
    image: Image | None = None
    attachment: Attachment | None = None
    # False for a message whose stored copy would itself be a secret (the thank-you to
    # an anonymous suggester says who made the suggestion): the outbox deletes its row
    # as soon as it is delivered or has failed, instead of keeping it for days.
    keep_copy: bool = True


@dataclass(frozen=True, slots=True)
class FormField:
    name: str
    label: str
    kind: FieldKind = "text"
    required: bool = True
    choices: tuple[Choice, ...] = ()
    default: str | None = None
    hint: str | None = None
    # (other field, value): asked in a dialogue only when that field got that value.
    asked_if: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Form:
    """A form the member fills in; its answers come back as a FormSubmitted event."""

    form_id: str
    title: str
    fields: tuple[FormField, ...]
    submit_label: str
    keep_copy: bool = True  # as Message.keep_copy: False for an anonymous suggestion's form
    # What the optional fields are when left out, in one line (`CommandSpec.left_out`):
    # a form answered as a dialogue then asks the required fields, and offers the rest
    # in one question (`OFFER`) instead of asking each. A modal shows every field anyway.
    left_out: str | None = None


# The name of the question a dialogue adds for a form's `left_out` (no option has it).
OFFER = "+"


@dataclass(frozen=True, slots=True, kw_only=True)
class Post:
    """Shared content in a channel, or in a thread when `to.thread` is set."""

    to: ConversationRef
    message: Message
    in_reply_to: str | None = None
    # Replies gather in a thread under it (a weekly prompt). Where a platform opens a
    # thread by a call of its own (Capabilities.explicit_threads), that call is a step
    # of its own: the discussion's receipt stages an OpenThread once the post is in.
    opens_thread: bool = False
    tag: TagField = None
    kind: Literal["post"] = "post"


@dataclass(frozen=True, slots=True, kw_only=True)
class Ephemeral:
    """Content only `member` sees, shown where they are."""

    to: ConversationRef
    member: MemberRef
    message: Message
    in_reply_to: str | None = None
    tag: TagField = None
    kind: Literal["ephemeral"] = "ephemeral"


@dataclass(frozen=True, slots=True, kw_only=True)
class DirectMessage:
    """A message to one member in private. One the bot starts on its own (no
    `in_reply_to`, not `asked`) obeys the member's DM settings (bot.dm_gate); `asked`
    marks one they asked for though it answers no event of theirs (their question's
    answer, their export), which reaches them whatever those settings say."""

    member: MemberRef
    message: Message
    in_reply_to: str | None = None
    tag: TagField = None
    asked: bool = False
    kind: Literal["dm"] = "dm"


@dataclass(frozen=True, slots=True, kw_only=True)
class Update:
    """Replace the content of a message the bot posted (`to.message`)."""

    to: ConversationRef
    message: Message
    tag: TagField = None
    kind: Literal["update"] = "update"


@dataclass(frozen=True, slots=True, kw_only=True)
class React:
    to: ConversationRef
    emoji: str
    tag: TagField = None
    kind: Literal["react"] = "react"


@dataclass(frozen=True, slots=True, kw_only=True)
class Pin:
    """Pin (or, with `pinned=False`, unpin) the message at `to.message`."""

    to: ConversationRef
    pinned: bool = True
    tag: TagField = None
    kind: Literal["pin"] = "pin"


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenThread:
    """Open the reply thread under the posted message at `to.message`, titled `name`.

    Its own outbox row, so a failure to open the thread retries only this step and never
    posts the message again. Staged only where a platform opens threads explicitly
    (Discord); there a thread started from a message has the message's ID."""

    to: ConversationRef
    name: str
    tag: TagField = None
    kind: Literal["open_thread"] = "open_thread"


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenForm:
    to: ConversationRef
    member: MemberRef
    form: Form
    in_reply_to: str | None = None
    tag: TagField = None
    kind: Literal["form"] = "form"


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishHome:
    """Replace a member's home page (Slack App Home); dropped where there is none."""

    member: MemberRef
    message: Message
    tag: TagField = None
    kind: Literal["home"] = "home"


Intent = Annotated[
    Post | Ephemeral | DirectMessage | Update | React | Pin | OpenThread | OpenForm | PublishHome,
    Field(discriminator="kind"),
]


@cache
def _codec() -> TypeAdapter[Intent]:
    """The union's reader, built when first needed (an outbox row read back): building
    it is 20 ms that every start paid at import."""
    return TypeAdapter(Intent)


# One serializer per intent class, made when first needed: the union's serializer first
# finds the member class, which took as long again as the writing (the JSON is the same,
# `kind` and all, so `intent_from_json` reads it back through the union).
_WRITERS: dict[type, TypeAdapter[Any]] = {}


def intent_to_json(intent: Intent) -> str:
    """Serialise an intent for the outbox."""
    writer = _WRITERS.get(type(intent))
    if writer is None:
        writer = _WRITERS[type(intent)] = TypeAdapter(type(intent))
    return writer.dump_json(intent).decode()


def intent_from_json(payload: str) -> Intent:
    """Rebuild an intent persisted by `intent_to_json`."""
    return _codec().validate_json(payload)


def keeps_copy(intent: Intent) -> bool:
    """False when the outbox must delete the intent's row once it is settled."""
    message, form = getattr(intent, "message", None), getattr(intent, "form", None)
    return all(getattr(part, "keep_copy", True) for part in (message, form))


def lane_of(intent: Intent) -> str:
    """The pacing lane: the channel a shared message lands in. Private answers only
    need to keep their order for their one reader, so they pace per member."""
    if isinstance(intent, DirectMessage | PublishHome):
        m = intent.member
        kind: str = intent.kind
        if isinstance(intent, DirectMessage) and intent.in_reply_to is None and not intent.asked:
            # A DM the bot starts may be held for quiet hours: in a lane of its own, so
            # the answers the member asks for meanwhile never wait behind it.
            kind = "notice"
        return f"{m.platform}:{m.community}:{kind}:{m.id}"
    if isinstance(intent, Ephemeral | OpenForm):
        return f"{intent.to.lane}:{intent.member.id}"
    if isinstance(intent, Update):
        # Each edited message is a lane of its own, paced at the platform's edit rate,
        # so a card's edits never hold back the channel's posts (see bot.outbox).
        return f"{intent.to.lane}:edit:{intent.to.message}"
    return intent.to.lane


def is_edit(intent: Intent) -> bool:
    """An edit of a message already posted: only the newest of a burst need be sent."""
    return isinstance(intent, Update)


def same_tag(a: Intent, b: Intent) -> bool:
    """Whether two intents carry the same tag (or none), whether read back or not."""
    return _tag_out(a.tag) == _tag_out(b.tag)


def is_private(intent: Intent) -> bool:
    """An answer only one member sees, paced apart from shared posts."""
    return isinstance(intent, Ephemeral | OpenForm | PublishHome)


def platform_of(intent: Intent) -> str:
    if isinstance(intent, DirectMessage | PublishHome):
        return intent.member.platform
    return intent.to.platform


def community_of(intent: Intent) -> str:
    """The workspace or server the intent goes to (a Slack 429 holds all of one)."""
    if isinstance(intent, DirectMessage | PublishHome):
        return intent.member.community
    return intent.to.community
