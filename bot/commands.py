"""Commands as data: one spec drives Discord's app commands, Slack's and the console's
text parsing, the form opened when required options are missing, and `help`.

Parsing never raises at a person: problems become `CommandError`s carrying a message ID
and values, which the core translates into the member's language.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.directory import Role
from bot.i18n import N_
from bot.intents import Choice, FormField, Intent
from bot.refs import ConversationRef, MemberRef
from bot.settings import SUPPORTED_LANGUAGES

if TYPE_CHECKING:
    from bot.context import Context

OptionType = Literal[
    "str", "text", "int", "bool", "choice", "member", "channel", "timezone", "languages"
]


@dataclass(frozen=True, slots=True)
class Option:
    """A typed option. `rest` takes all remaining words (free text such as a question)."""

    name: str
    type: OptionType
    description: str
    required: bool = False
    choices: tuple[str, ...] = ()
    rest: bool = False


Handler = Callable[["Context", "Args"], Awaitable[list[Intent]]]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command: its words, typed options, who may run it and what it does."""

    path: str
    description: str
    handler: Handler
    options: tuple[Option, ...] = ()
    role: Role = Role.PARENT
    shares_content: bool = False
    # False where even the form asking for the options would say something private
    # (an anonymous suggestion): its copy is deleted once delivered.
    keeps_copies: bool = True

    @property
    def root(self) -> str:
        return self.path.split()[0]

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)


@dataclass(frozen=True)
class CommandError(Exception):
    """A problem with what a member typed; `message` is a msgid, `values` fill it."""

    message: str
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Args:
    """Converted option values, with typed accessors so handlers stay mypy-clean."""

    values: Mapping[str, object]

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        return value if isinstance(value, str) else None

    def member(self, name: str) -> MemberRef | None:
        value = self.values.get(name)
        return value if isinstance(value, MemberRef) else None

    def channel(self, name: str) -> ConversationRef | None:
        value = self.values.get(name)
        return value if isinstance(value, ConversationRef) else None

    def languages(self, name: str) -> tuple[str, ...] | None:
        value = self.values.get(name)
        return value if isinstance(value, tuple) else None

    def __contains__(self, name: object) -> bool:
        return name in self.values


class CommandRegistry:
    """All command specs, found by their leading words."""

    def __init__(self, specs: Iterable[CommandSpec] = ()) -> None:
        self._specs: dict[str, CommandSpec] = {}
        for spec in specs:
            self.add(spec)

    def add(self, spec: CommandSpec) -> None:
        if spec.path in self._specs:
            raise ValueError(f"command {spec.path!r} is declared twice")
        self._specs[spec.path] = spec

    def all(self) -> list[CommandSpec]:
        return list(self._specs.values())

    def get(self, path: str) -> CommandSpec | None:
        return self._specs.get(path)

    def roots(self) -> list[str]:
        return sorted({spec.root for spec in self._specs.values()})

    def find(self, text: str) -> tuple[CommandSpec, str]:
        """The longest command path that starts `text`, and the text after it."""
        words = text.strip().split(maxsplit=2)
        for size in (2, 1):
            if len(words) >= size:
                spec = self._specs.get(" ".join(w.lower() for w in words[:size]))
                if spec:
                    rest = text.strip().split(maxsplit=size)
                    return spec, rest[size] if len(rest) > size else ""
        asked = " ".join(words[:2]).lower() or text
        subcommands = sorted(s.path for s in self._specs.values() if words and s.root == words[0])
        if subcommands:
            raise CommandError(
                N_("“{asked}” needs one more word. Try one of: {choices}."),
                {"asked": words[0], "choices": ", ".join(subcommands)},
            )
        guess = difflib.get_close_matches(
            asked, list(self._specs), n=1
        ) or difflib.get_close_matches(words[0].lower() if words else "", self.roots(), n=1)
        if guess:
            raise CommandError(
                N_("I don't know the command “{asked}”. Did you mean “{guess}”?"),
                {"asked": asked, "guess": guess[0]},
            )
        raise CommandError(
            N_("I don't know the command “{asked}”. Type “help” to see what I can do."),
            {"asked": asked},
        )


# Double quotes group words ("Mrs Lee"); apostrophes do not, as in "it's Maria's turn".
_TOKEN = re.compile(r'"([^"]*)"|“([^”]*)”|(\S+)')
_KEYED = re.compile(r"^(--)?(?P<key>[a-z][a-z0-9-]*)(?P<sep>[=:])(?P<value>.*)$", re.S)


def parse_text(spec: CommandSpec, text: str) -> dict[str, str]:
    """Split `text` into raw option values: `name=value`, `name:value` or in order."""
    spans = [(m[1] or m[2] or m[3] or "", m.start()) for m in _TOKEN.finditer(text)]
    tokens = [token for token, _ in spans]
    raw: dict[str, str] = {}
    positional = [o for o in spec.options]
    index = 0
    while index < len(tokens):
        token = tokens[index]
        keyed = _KEYED.match(token)
        if keyed and spec.option(keyed["key"]) is not None:
            raw[keyed["key"]] = keyed["value"]
            index += 1
            continue
        if token.startswith("--") and spec.option(token[2:]) is not None:
            raw[token[2:]] = tokens[index + 1] if index + 1 < len(tokens) else ""
            index += 2
            continue
        while positional and positional[0].name in raw:
            positional.pop(0)
        if not positional:
            raise CommandError(
                N_("There's more here than “{command}” expects: “{extra}”."),
                {"command": spec.path, "extra": " ".join(tokens[index:])},
            )
        option = positional.pop(0)
        if option.rest:
            raw[option.name] = text[spans[index][1] :].strip()
            break
        raw[option.name] = token
        index += 1
    return raw


_MENTION = re.compile(r"^<@!?(?P<id>[^>|]+)(\|[^>]*)?>$|^@(?P<bare>[\w.\-]+)$")
_CHANNEL = re.compile(r"^<#(?P<id>[^>|]+)(\|[^>]*)?>$|^#(?P<bare>[\w.\-]+)$")


def convert(
    spec: CommandSpec, raw: Mapping[str, str], where: ConversationRef
) -> tuple[Args, list[Option]]:
    """Typed values for every option given, and the required options still missing."""
    values: dict[str, object] = {}
    for name, text in raw.items():
        option = spec.option(name)
        if option is None:
            raise CommandError(
                N_("“{command}” has no option “{name}”. It takes: {options}."),
                {
                    "command": spec.path,
                    "name": name,
                    "options": ", ".join(o.name for o in spec.options) or "—",
                },
            )
        text = text.strip()
        if text:
            values[name] = convert_value(option, text, where)
    missing = [o for o in spec.options if o.required and o.name not in values]
    return Args(values), missing


def convert_value(option: Option, text: str, where: ConversationRef) -> object:
    """One option's typed value, or a CommandError that says what was expected."""
    kind = option.type
    if kind in ("str", "text"):
        return text
    if kind == "int":
        if not re.fullmatch(r"-?\d+", text):
            raise CommandError(
                N_("“{option}” needs a whole number, and “{value}” isn't one."),
                {"option": option.name, "value": text},
            )
        return int(text)
    if kind == "bool":
        lowered = text.lower()
        if lowered in {"yes", "y", "true", "on", "1", "sí", "si"}:
            return True
        if lowered in {"no", "n", "false", "off", "0"}:
            return False
        raise CommandError(
            N_("“{option}” needs yes or no, and “{value}” is neither."),
            {"option": option.name, "value": text},
        )
    if kind == "choice":
        lowered = text.lower()
        if lowered not in option.choices:
            raise CommandError(
                N_("“{value}” isn't one of the choices for “{option}”: {choices}."),
                {"option": option.name, "value": text, "choices": ", ".join(option.choices)},
            )
        return lowered
    if kind == "member":
        match = _MENTION.match(text)
        if not match:
            raise CommandError(
                N_("I couldn't tell who “{value}” is. Mention the member, like @name."),
                {"value": text},
            )
        return MemberRef(where.platform, where.community, match["id"] or match["bare"])
    if kind == "channel":
        match = _CHANNEL.match(text)
        if not match:
            raise CommandError(
                N_("I couldn't tell which channel “{value}” is. Link it, like #channel."),
                {"value": text},
            )
        return ConversationRef(where.platform, where.community, match["id"] or match["bare"])
    if kind == "timezone":
        return parse_timezone(text)
    return parse_languages(text)


def parse_timezone(text: str) -> str:
    """A valid IANA zone name, or a CommandError with a close suggestion."""
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise CommandError(
            N_(
                "I don't know the time zone “{value}”. "
                "Use a name like America/New_York or Europe/Madrid."
            ),
            {"value": text},
        ) from None
    return text


def parse_languages(text: str) -> tuple[str, ...]:
    codes = tuple(dict.fromkeys(c.strip().lower() for c in re.split(r"[,\s]+", text) if c.strip()))
    unknown = [c for c in codes if c not in SUPPORTED_LANGUAGES]
    if unknown or not codes:
        raise CommandError(
            N_("I can speak {supported} so far, so I can't use “{value}”."),
            {"supported": ", ".join(SUPPORTED_LANGUAGES), "value": ", ".join(unknown) or text},
        )
    return codes


def form_fields(
    options: Sequence[Option], given: Args, translate: Callable[[str], str]
) -> tuple[FormField, ...]:
    """Form fields for options in the reader's language, prefilled with what was given."""
    fields = []
    for option in options:
        default = given.values.get(option.name)
        fields.append(
            FormField(
                name=option.name,
                label=translate(option.description),
                kind=_FIELD_KIND.get(option.type, "text"),
                required=option.required,
                choices=tuple(Choice(c, c) for c in option.choices),
                default=_raw_default(default),
            )
        )
    return tuple(fields)


_FIELD_KIND: dict[
    str, Literal["text", "long_text", "choice", "member", "channel", "timezone", "languages"]
] = {
    "text": "long_text",
    "choice": "choice",
    "member": "member",
    "channel": "channel",
    "timezone": "timezone",
    "languages": "languages",
}


def _raw_default(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, MemberRef):
        return f"<@{value.id}>"
    if isinstance(value, ConversationRef):
        return f"<#{value.channel}>"
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)
