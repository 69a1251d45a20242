"""The core's front door: what a member sent, made safe before anything else sees it.

Text that is not valid Unicode (a lone surrogate) cannot be written to a database, a
log line or the outbox's JSON, and PostgreSQL refuses a NUL byte in text. So every
string of an inbound event is cleaned here, before de-duplication, storage or a log:
such characters become U+FFFD. A command, button or form that carried one is refused
with a kind word (nothing downstream runs on half-read input); a conversation message
is kept, cleaned. Input longer than any honest use is refused too (or, for a message in
a conversation, cut), so one huge paste can neither stall the loop nor flood replies.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from enum import Enum
from operator import attrgetter
from types import MappingProxyType
from typing import TypeVar

from bot.events import (
    CommandInvoked,
    ComponentSubmitted,
    FormSubmitted,
    InboundEvent,
    MessagePosted,
    ReactionAdded,
)
from bot.i18n import N_

# Lone surrogates (not text at all) and NUL (PostgreSQL refuses it in text).
_UNREADABLE = re.compile("[\ud800-\udfff\x00]")
REPLACEMENT = "\ufffd"

MAX_COMMAND = 4000  # a slash command's text (Slack's own limit is 4,000 characters)
MAX_FORM_VALUE = 4000  # one answer in a form
MAX_FORM_FIELDS = 25  # more than any form of ours has
MAX_BUTTON_VALUE = 200  # our buttons carry a record's number or a short word
MAX_MESSAGE = 40_000  # Slack's own limit for a message; longer is cut
MAX_EMOJI = 64  # a reaction's name as stored; longer is cut

UNREADABLE = N_(
    "Part of what you sent isn't text I can read (it may have been garbled on the way). "
    "Nothing was changed; please type it again."
)
TOO_LONG = N_(
    "That's more than I can read at once: {n} characters, and I take at most {most}. "
    "Nothing was changed; please shorten it."
)
STALE_BUTTON = N_("That button is no longer in use. Nothing was changed.")

T = TypeVar("T")

# Values that hold no text: returned as they are, without a look inside.
_ATOMS = (type(None), bool, int, float, datetime, date, time, timedelta)
# Each event class's field names, looked up once (`dataclasses.fields` per event was a
# measurable share of a command's time).
_FIELDS: dict[type, tuple[str, ...]] = {}
# The mappings events hold (options, form values), known without the ABC's check.
_MAPPINGS = (dict, MappingProxyType)
# The same classes' fields read at once, for `_all_readable`.
_GETTERS: dict[type, Callable[[object], tuple[object, ...]]] = {}


@dataclasses.dataclass(frozen=True, slots=True)
class Refusal:
    """Why an event must not run, as a msgid and its values."""

    message: str
    values: Mapping[str, str] = dataclasses.field(default_factory=dict)


def admit(event: InboundEvent) -> tuple[InboundEvent, Refusal | None]:
    """The event with only storable text, and why it must be refused, if it must."""
    if _all_readable(event):  # nearly every event: one search, nothing rebuilt
        cleaned = event
    else:
        cleaner = _Cleaner()
        cleaned = cleaner.clean(event)
        asks = isinstance(cleaned, CommandInvoked | ComponentSubmitted | FormSubmitted)
        if asks and cleaner.replaced:
            return cleaned, Refusal(UNREADABLE)
    if isinstance(cleaned, CommandInvoked):
        size = len(cleaned.text) + sum(len(k) + len(v) for k, v in cleaned.options.items())
        size += len(cleaned.target_text)
        if size > MAX_COMMAND:
            return cleaned, _too_long(size, MAX_COMMAND)
    elif isinstance(cleaned, FormSubmitted):
        longest = max((len(v) for v in cleaned.values.values()), default=0)
        if longest > MAX_FORM_VALUE:
            return cleaned, _too_long(longest, MAX_FORM_VALUE)
        if len(cleaned.values) > MAX_FORM_FIELDS:
            return cleaned, Refusal(N_("That form is no longer in use. Nothing was changed."))
    elif isinstance(cleaned, ComponentSubmitted):
        if len(cleaned.value) > MAX_BUTTON_VALUE or len(cleaned.action_id) > MAX_BUTTON_VALUE:
            return cleaned, Refusal(STALE_BUTTON)
    elif isinstance(cleaned, MessagePosted) and len(cleaned.text) > MAX_MESSAGE:
        cleaned = dataclasses.replace(cleaned, text=cleaned.text[:MAX_MESSAGE])
    elif isinstance(cleaned, ReactionAdded) and len(cleaned.emoji) > MAX_EMOJI:
        cleaned = dataclasses.replace(cleaned, emoji=cleaned.emoji[:MAX_EMOJI])
    return cleaned, None


def _all_readable(event: InboundEvent) -> bool:
    """True when every string of the event is readable, found with one search over all
    of them; False when one is not, or the event holds something only `_Cleaner` walks
    (a kind of value not seen before, say), which then decides."""
    texts: list[str] = []
    return _gather(event, texts) and _UNREADABLE.search("".join(texts)) is None


def _gather(value: object, texts: list[str]) -> bool:
    """Add every string of a dataclass `_Cleaner` has seen (all of its fields read by
    one `attrgetter` call) to `texts`; False at anything else."""
    getter = _GETTERS.get(type(value))
    if getter is None:
        return False
    for item in getter(value):
        kind = type(item)
        if kind is str:
            texts.append(item)  # type: ignore[arg-type]  # (`kind is str` said so)
        elif kind in _ATOMS:
            continue
        elif kind in _GETTERS:
            if not _gather(item, texts):
                return False
        elif kind in _MAPPINGS or isinstance(item, Mapping):  # the ABC's check is slow
            for key, text in item.items():  # type: ignore[attr-defined]
                if type(key) is not str or type(text) is not str:
                    return False
                texts.append(key)
                texts.append(text)
        else:
            return False
    return True


def _too_long(n: int, most: int) -> Refusal:
    return Refusal(TOO_LONG, {"n": str(n), "most": str(most)})


class _Cleaner:
    """Replaces unreadable characters in every string of a (frozen) event, recursively."""

    def __init__(self) -> None:
        self.replaced = False

    def clean(self, value: T) -> T:
        """`value` itself when it holds nothing unreadable (the common case, kept cheap)."""
        kind = type(value)
        if kind is str:
            return self._text(value)  # type: ignore[arg-type, return-value]
        if kind in _ATOMS:
            return value
        names = _FIELDS.get(kind)  # an event, a ref: a dataclass seen before
        if names is None:
            if isinstance(value, Enum):
                return value
            if isinstance(value, str):
                return self._text(value)  # type: ignore[return-value]
            if isinstance(value, Mapping):
                if not value:
                    return value
                items = {self._text(str(k)): self.clean(v) for k, v in value.items()}
                if all(k in value and value[k] is v for k, v in items.items()):
                    return value
                return MappingProxyType(items)  # type: ignore[return-value]
            if not dataclasses.is_dataclass(value) or isinstance(value, type):
                return value
            names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(value))
            if len(names) > 1:  # `attrgetter` of one name returns the value, not a tuple
                _GETTERS[kind] = attrgetter(*names)
        changes = {}
        for name in names:
            before = getattr(value, name)
            field_kind = type(before)
            if field_kind is str:  # most fields: checked here, without a call
                if _UNREADABLE.search(before) is None:
                    continue
                after = self._text(before)
            elif field_kind in _ATOMS:
                continue
            else:
                after = self.clean(before)
            if after is not before:
                changes[name] = after
        return dataclasses.replace(value, **changes) if changes else value  # type: ignore[type-var]

    def _text(self, text: str) -> str:
        if _UNREADABLE.search(text) is None:
            return text
        self.replaced = True
        return _UNREADABLE.sub(REPLACEMENT, text)
