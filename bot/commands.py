"""Commands as data: one spec drives Discord's app commands, Slack's and the console's
text parsing, the form opened when required options are missing, and `help`.

Parsing never raises at a person: problems become `CommandError`s carrying a message ID
and values, which the core translates into the member's language.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta
from functools import cache, lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, TypeVar, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale
from babel.dates import get_day_names
from babel.numbers import format_decimal, get_decimal_symbol

from bot.directory import Role
from bot.i18n import N_, NP_, Translator, translator
from bot.intents import Choice, FormField, Intent
from bot.refs import ConversationRef, MemberRef
from bot.settings import SUPPORTED_LANGUAGES

if TYPE_CHECKING:
    from bot.context import Context

V = TypeVar("V")

OptionType = Literal[
    "str",
    "text",
    "int",
    "bool",
    "choice",
    "weekday",
    "member",
    "channel",
    "time",
    "date",
    "dates",
    "duration",
    "days",
    "number",
    "timezone",
    "languages",
]

# The longest value each kind of option takes (characters); "str" for kinds not named.
# Far above any honest value, far below what would slow the bot or flood a reply.
MAX_LENGTH = {
    "str": 200,
    "text": 3000,
    "dates": 1000,
    "timezone": 64,
    "duration": 40,
    "days": 40,
    "number": 32,
}
MAX_QUOTE = 60  # what a member typed is quoted back at most this long
MAX_REF = 64  # the longest member or channel ID the tables hold (no platform's is longer)


# Suggestions for what a member is typing into an option (Discord's autocomplete): the
# feature that declares the option says what fits, from its own data and the member's
# context; adapters only ask the core and show the answer.
Completer = Callable[["Context", str], Awaitable[Sequence[Choice]]]


@dataclass(frozen=True, slots=True)
class Option:
    """A typed option. `rest` takes all remaining words (free text such as a question).

    Declare `name` with `NP_("option", ...)` and localized `choices` with
    `NP_("choice", ...)`: members may type either word in their own language. A choice
    may be several words (`2 weeks`), typed with or without quotes. `aliases` are other
    words a member may type for a choice, in any language (`1` for `1st`); they are
    accepted, never shown.
    `between` bounds a `number`, a `days` or an `int` (both ends included; an `int` with
    it is a count, such as max-choices, not a record's number); `complete` suggests values as a
    member types them, where a platform can show suggestions."""

    name: str
    type: OptionType
    description: str
    required: bool = False
    choices: tuple[str, ...] = ()
    rest: bool = False
    aliases: tuple[tuple[str, str], ...] = ()
    between: tuple[float, float] | None = None
    complete: Completer | None = None
    # (other option, choice): a form answered as a dialogue asks this one only when the
    # other was answered with that choice (`week-of-month` only after `every=month`).
    asked_if: tuple[str, str] | None = None
    # A `str` option's own check, run with the others' (raises a CommandError): so a
    # command with several bad values names them all in one answer, not one per try.
    check: Callable[[str], object] | None = None

    def __post_init__(self) -> None:
        if self.complete is not None and (self.choices or self.type in ("weekday", "bool")):
            raise ValueError(f"option {self.name!r} has fixed choices; it cannot also suggest")

    @property
    def completer(self) -> Completer | None:
        """What suggests this option's values: its own, or its type's (time zones)."""
        return self.complete or _TYPE_COMPLETERS.get(self.type)


Handler = Callable[["Context", "Args"], Awaitable[list[Intent]]]

# A form opened for a command's missing options is named after the command.
COMMAND_FORM = "command:"


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
    # A label (`N_`) to offer the command on a message too: a Discord message context
    # menu command, a Slack message shortcut (callback `homeroom.<path>` in the
    # manifest). The command gets the message as `CommandInvoked.target`/`target_text`.
    message_action: str = ""
    # One line (`N_`) saying what the optional options are when left out, and how to set
    # them ("like anonymous=yes closes=3d"). Where the command's form is answered as a
    # dialogue (a terminal), only the required options are asked, then this line once:
    # the member goes ahead, sets options in the command's own words, or asks for the
    # remaining questions one by one (bot.fallbacks).
    left_out: str = ""

    @property
    def root(self) -> str:
        return self.path.split()[0]

    def option(self, name: str) -> Option | None:
        for option in self.options:  # a plain loop: looked up for every option given
            if option.name == name:
                return option
        return None


def for_role(role: Role, *specs: CommandSpec) -> tuple[CommandSpec, ...]:
    """A feature's commands for `role` (and the roles above it), declared as a group:
    the role is said once, so no command of the group is left open to every member by
    a forgotten `role=`."""
    return tuple(replace(spec, role=role) for spec in specs)


@dataclass(eq=False)  # not frozen: Python sets __traceback__ on exceptions in flight
class CommandError(Exception):
    """A problem with what a member typed; `message` is a msgid, `values` fill it.

    `option` names the one option at fault, when there is one: a form answered as a
    dialogue then asks that question again and keeps the other answers."""

    message: str
    values: Mapping[str, str] = field(default_factory=dict)
    option: str | None = None
    # More problems found in the same command, each said on its own line after this
    # one: a member fixes every bad value at once rather than one per try.
    also: tuple[CommandError, ...] = ()

    def text(self, t: Translator) -> str:
        """What the member reads, in their language, with what they typed cut short."""
        return "\n".join(
            t._(problem.message, **quoted(problem.values)) for problem in (self, *self.also)
        )

    @staticmethod
    def of(problems: Sequence[CommandError]) -> CommandError:
        """One error saying all of these (at least one; the first one's option is the
        one a form asks again)."""
        first, *rest = problems
        return replace(first, also=(*first.also, *rest))


_Date: TypeAlias = date  # Args has methods named date and time
_Time: TypeAlias = time


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

    def time(self, name: str) -> _Time | None:
        value = self.values.get(name)
        return value if isinstance(value, _Time) else None

    def date(self, name: str) -> _Date | None:
        value = self.values.get(name)
        return value if isinstance(value, _Date) else None

    def duration(self, name: str) -> timedelta | None:
        value = self.values.get(name)
        return value if isinstance(value, timedelta) else None

    def days(self, name: str) -> int | None:
        """A `days` option: a whole number of days."""
        value = self.values.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def number(self, name: str) -> float | None:
        value = self.values.get(name)
        return value if isinstance(value, float) else None

    def dates(self, name: str) -> frozenset[_Date]:
        value = self.values.get(name)
        return (
            frozenset(d for d in value if isinstance(d, date))
            if isinstance(value, frozenset)
            else frozenset()
        )

    def __contains__(self, name: object) -> bool:
        return name in self.values


MAX_FOUND = 4096  # `CommandRegistry.find`'s kept answers (one per first two words typed)


class CommandRegistry:
    """All command specs, found by their leading words."""

    def __init__(self, specs: Iterable[CommandSpec] = ()) -> None:
        self._specs: dict[str, CommandSpec] = {}
        # What depends only on the specs (and a reader's role set): worked out once, not
        # for every command (help walked every spec ~230 times per `help <topic>`).
        self._memo: dict[Hashable, Any] = {}
        # `find`'s answers by a text's first two words and whether more follow (all it
        # depends on), for commands typed again and again; emptied when a command is
        # added, or when it is full.
        self._found: dict[tuple[tuple[str, ...], bool], tuple[CommandSpec, int]] = {}
        for spec in specs:
            self.add(spec)

    def add(self, spec: CommandSpec) -> None:
        if spec.path in self._specs:
            raise ValueError(f"command {spec.path!r} is declared twice")
        self._specs[spec.path] = spec
        self._memo.clear()
        self._found.clear()

    def all(self) -> list[CommandSpec]:
        return list(self._specs.values())

    def memo(self, key: Hashable, compute: Callable[[], V]) -> V:
        """`compute()`, kept under `key` until a command is added: for what follows from
        the specs alone (and what the key names, such as a role set)."""
        try:
            return cast(V, self._memo[key])
        except KeyError:
            value = self._memo[key] = compute()
            return value

    def get(self, path: str) -> CommandSpec | None:
        return self._specs.get(path)

    def form_option(self, form_id: str, field: str) -> Option | None:
        """The option a command form's field asks for (None for any other form)."""
        if not form_id.startswith(COMMAND_FORM):
            return None
        spec = self._specs.get(form_id.removeprefix(COMMAND_FORM))
        return spec.option(field) if spec else None

    def roots(self) -> list[str]:
        return list(self._roots())

    def paths(self) -> tuple[str, ...]:
        """Every command's path, as declared (kept until a command is added)."""
        return self.memo("paths", lambda: tuple(self._specs))

    def _roots(self) -> tuple[str, ...]:
        return self.memo(
            "roots", lambda: tuple(sorted({spec.root for spec in self._specs.values()}))
        )

    def find(self, text: str) -> tuple[CommandSpec, str]:
        """The longest command path that starts `text`, and the text after it. The first
        word may be a command's word in another language (`ayuda` for `help`)."""
        words = text.split(maxsplit=2)
        # Whether more words follow decides too (`preguntar lista` alone is `ask list`).
        head = (tuple(words[:2]), len(words) > 2)
        found = self._found.get(head)
        if found is None:
            found = self._find(text)
            if len(self._found) >= MAX_FOUND:
                self._found.clear()
            self._found[head] = found
        spec, size = found
        # A translated word is one word for one (`ayuda` for `help`), so the rest of
        # the text as typed starts after as many words as the path has.
        rest = text.strip().split(maxsplit=size)
        return spec, rest[size] if len(rest) > size else ""

    def _find(self, text: str) -> tuple[CommandSpec, int]:
        """`find`'s command and how many of the text's words name it; or the error."""
        typed = text.strip().split(maxsplit=2)
        text = self._in_english(text)
        words = text.strip().split(maxsplit=2)
        for size in (2, 1):
            if len(words) >= size:
                spec = self._specs.get(" ".join(w.lower() for w in words[:size]))
                if spec:
                    if size == 1 and len(words) == 2:
                        self._refuse_near_subcommand(spec.root, typed)
                    return spec, size
        asked = " ".join(words[:2]).lower() or text
        subcommands = sorted(s.path for s in self._specs.values() if words and s.root == words[0])
        # Quoted back as the member typed it (their language, their capitals): the
        # command's word, and the next one only where it may be a mistyped subcommand.
        shown = " ".join(typed[: 2 if subcommands else 1]) or text
        near = self._near_subcommand(subcommands, words[1]) if len(words) > 1 else []
        if near:  # "prompt schedul": a typo of one subcommand, not a missing word
            raise CommandError(
                N_("I don't know the command “{asked}”. Did you mean “{guess}”?"),
                {"asked": shown, "guess": self._as_typed(near[0], typed[0], typed[1])},
            )
        if subcommands:
            choices = ", ".join(self._as_typed(path, typed[0]) for path in subcommands)
            raise CommandError(
                N_("“{asked}” needs one more word. Try one of: {choices}."),
                {"asked": typed[0], "choices": choices},
            )
        guess = (
            self._near_translated(words)
            or self._near_root(words)
            or difflib.get_close_matches(asked, list(self._specs), n=1)
            or difflib.get_close_matches(words[0].lower() if words else "", self.roots(), n=1)
        )
        if guess:
            raise CommandError(
                N_("I don't know the command “{asked}”. Did you mean “{guess}”?"),
                {"asked": shown, "guess": guess[0]},
            )
        raise CommandError(
            N_("I don't know the command “{asked}”. Type “help” to see what I can do."),
            {"asked": shown},
        )

    def _refuse_near_subcommand(self, root: str, typed: list[str]) -> None:
        """A root that is a command of its own (`ask`) followed by one word that is a
        near miss of one of its subcommands (`preguntar lsta`) is that typo, said back,
        not a one-word question sent to the school."""
        paths = [s.path for s in self._specs.values() if s.root == root and s.path != root]
        near = self._near_subcommand(paths, typed[1], cutoff=0.8)
        if near:
            raise CommandError(
                N_("I don't know the command “{asked}”. Did you mean “{guess}”?"),
                {"asked": " ".join(typed[:2]), "guess": self._as_typed(near[0], *typed[:2])},
            )

    def _near_subcommand(self, paths: list[str], typed: str, cutoff: float = 0.6) -> list[str]:
        """The one of `paths` (a root's commands) whose second word `typed` is a near miss
        of, in English or another language (`mostar`: `mostrar`, so `hours show`), so
        a typo in a translated word is not guessed by its letters against English ones."""
        subs = self.memo("subcommand words", lambda: subcommand_words(self.paths()))
        by_word: dict[str, str] = {}
        for path in paths:
            sub = path.split(" ", 1)[1]
            by_word.setdefault(sub, path)
            for word, meant in subs.items():
                if sub in meant:
                    by_word.setdefault(word, path)
        near = difflib.get_close_matches(fold(typed), list(by_word), n=1, cutoff=cutoff)
        return [by_word[near[0]]] if near else []

    def _as_typed(self, path: str, typed_root: str, typed_sub: str = "") -> str:
        """`path` in the words of the language the member typed its root in ("poll list"
        after "encuesta": "encuesta lista"), with the subcommand's word nearest what was
        typed ("horas mostar": "horas mostrar"). As it is after an English root, and after
        a word as near an English root as another language's ("rol": a typo of "role" as
        likely as Spanish) unless the second word typed is nearer the other language's
        ("rol dr": "rol dar")."""
        root, _, sub = path.partition(" ")
        typed = fold(typed_root)
        if typed == root:
            return path
        near_english = bool(difflib.get_close_matches(typed, self.roots(), n=1, cutoff=0.8))
        for language in SUPPORTED_LANGUAGES:
            t = translator(language)
            words = [fold(w.strip()) for w in t.pgettext("command", root).split(",")]
            if typed not in words:
                continue
            options = [w.strip() for w in t.pgettext("subcommand", sub).split(",")] if sub else []
            if not typed_sub or not options:
                return path if near_english else f"{typed_root} {(options or [''])[0]}".strip()
            likeness = {w: _likeness(typed_sub, w) for w in options}
            word = max(options, key=likeness.__getitem__)
            if near_english and likeness[word] <= _likeness(typed_sub, sub):
                return path
            return f"{typed_root} {word}"
        return path

    def _near_translated(self, words: list[str]) -> list[str]:
        """A guess in the reader's own words when the first word is a near miss of
        another language's word for a command (`encusta lista`: `encuesta lista`), not
        of an English one; the guess keeps the second word only if it then names a
        command."""
        first = fold(words[0]) if words else ""
        if not first or difflib.get_close_matches(first, self.roots(), n=1, cutoff=0.8):
            return []
        roots = self.memo("root words", lambda: command_word_roots(self._roots()))
        near = difflib.get_close_matches(first, list(roots), n=1, cutoff=0.8)
        if not near:
            return []
        whole = " ".join([near[0], *words[1:2]])
        english = self._in_english(whole).split()
        return [whole if " ".join(english[:2]).lower() in self._specs else near[0]]

    def _near_root(self, words: list[str]) -> list[str]:
        """A guess when the first word is a near miss of an English root and the second
        names one of its subcommands in any language, or nearly (`horsa mostrar`,
        `hours shwo` after a typo: `hours show`), rather than the path that looks most
        like the two words together (`hours set`, for `horas mostrar` once)."""
        if len(words) < 2:
            return []
        near = difflib.get_close_matches(fold(words[0]), self.roots(), n=1, cutoff=0.8)
        if not near:
            return []
        subcommands = [s.path for s in self._specs.values() if s.root == near[0] != s.path]
        return self._near_subcommand(subcommands, words[1])

    def _in_english(self, text: str) -> str:
        """`text` with its first word, if it is another language's word for a command
        root, replaced by the root; and its second, if it is another language's word for
        one of the root's subcommands (`encuesta lista`) and either the root is no
        command of its own or the word comes alone (`preguntar lista`: `ask` takes free
        text, but a one-word question that names its subcommand is that command)."""
        first, *rest = text.split(maxsplit=1) or [""]
        if first not in self._specs:  # an English root (most commands) needs no lookup
            roots = self.memo("root words", lambda: command_word_roots(self._roots()))
            root = roots.get(fold(first))
            text = " ".join([root, *rest]) if root else text
        words = text.split(maxsplit=2)
        if len(words) < 2 or (words[0].lower() in self._specs and len(words) > 2):
            return text
        subs = self.memo("subcommand words", lambda: subcommand_words(self.paths()))
        for sub in subs.get(fold(words[1]), ()):
            if f"{words[0].lower()} {sub}" in self._specs:
                return " ".join([words[0], sub, *words[2:]])
        return text


def _likeness(typed: str, word: str) -> float:
    """How alike a typed word and a command's word are, from 0 to 1, case and accents
    aside (difflib's ratio, as its close-match guesses use)."""
    return difflib.SequenceMatcher(None, fold(typed), fold(word)).ratio()


@cache
def command_word_roots(roots: tuple[str, ...]) -> Mapping[str, str]:
    """The words that stand for command roots in each language's catalog (the
    `NP_("command", ...)` of bot.i18n.words; a translation may list several, split by
    commas, like "preguntar, pregunta"), folded, each to its root. A word that is
    itself a root stays that root."""
    found: dict[str, str] = {}
    for language in SUPPORTED_LANGUAGES:
        t = translator(language)
        for root in roots:
            for word in t.pgettext("command", root).split(","):
                folded = fold(word.strip())
                if folded and folded != root and folded not in roots:
                    found.setdefault(folded, root)
    return found


@cache
def subcommand_words(paths: tuple[str, ...]) -> Mapping[str, tuple[str, ...]]:
    """The words that stand for subcommands (a path's second word) in each language's
    catalog (`NP_("subcommand", ...)` of bot.i18n.words), folded, each to the English
    subcommands it may mean (`quitar`: drop, remove or revoke; the root decides)."""
    subs = sorted({p.split(" ", 1)[1] for p in paths if " " in p})
    found: dict[str, list[str]] = {}
    for language in SUPPORTED_LANGUAGES:
        t = translator(language)
        for sub in subs:
            for word in t.pgettext("subcommand", sub).split(","):
                folded = fold(word.strip())
                if folded and folded != sub and sub not in found.get(folded, []):
                    found.setdefault(folded, []).append(sub)
    return {word: tuple(meant) for word, meant in found.items()}


# Double quotes group words ("Mrs Lee", name="Mrs Lee"); apostrophes do not, as in
# "it's Maria's turn".
_TOKEN = re.compile(
    r'(?P<key>[^\s"“=:]+[=:])(?:"(?P<kq>[^"]*)"|“(?P<kc>[^”]*)”)'
    r'|"(?P<q>[^"]*)"|“(?P<c>[^”]*)”|(?P<word>\S+)'
)
# A key is a word in any alphabet (`anónimo=sí`); `--key=value` and `key:value` work too.
_KEYED = re.compile(r"^(?:--)?(?P<key>[^\W\d_][\w-]*)(?P<sep>[=:])(?P<value>.*)$", re.S)
_EDGE_PUNCTUATION = " \t\n.,;:!?¡¿()[]\"'“”«»"


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    start: int
    end: int
    quoted: bool  # the whole token was in quotes: text, never an option
    verbatim: bool = True  # `text` is exactly the original text[start:end]


def _tokens(text: str) -> list[_Token]:
    found = []
    for m in _TOKEN.finditer(text):
        if m["key"] is not None:
            value = m["kq"] or m["kc"] or ""
            found.append(_Token(m["key"] + value, m.start(), m.end(), False, False))
        elif m["word"] is not None:
            found.append(_Token(m["word"], m.start(), m.end(), False))
        else:
            found.append(_Token(m["q"] or m["c"] or "", m.start(), m.end(), True, False))
    return found


@lru_cache(maxsize=4096)
def fold(word: str) -> str:
    """A word as matched: any case, with or without accents (`Anónimo` = `anonimo`)."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def excerpt(text: str, most: int = MAX_QUOTE) -> str:
    """What a member typed, cut short, for quoting back: a reply never grows with input."""
    text = " ".join(text.split())
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


# Values that list what is accepted (program text, not what a member typed) may be longer.
_LISTS = frozenset({"choices", "options", "supported", "topics"})


def quoted(values: Mapping[str, str]) -> dict[str, str]:
    """A CommandError's values, with what a member typed cut to a short excerpt: an answer
    to bad input never grows with the input."""
    return {k: excerpt(v, 400 if k in _LISTS else MAX_QUOTE) for k, v in values.items()}


def option_word(option: Option, t: Translator) -> str:
    """The option's name as a reader of `t`'s language types it (`anónimo` in Spanish)."""
    return t.option_name(option.name)


def _option_names(spec: CommandSpec, t: Translator) -> Mapping[str, Option]:
    """Every name an option answers to for this reader: its own, and its translation.
    The same for every command of `spec` in one language: worked out once."""
    key = (id(spec), t.language)
    known = _OPTION_NAMES.get(key)
    if known is not None and known[0] is spec:
        return known[1]
    names = {fold(o.name): o for o in spec.options}
    for option in spec.options:
        names.setdefault(fold(option_word(option, t)), option)
    _OPTION_NAMES[key] = (spec, MappingProxyType(names))
    return names


_OPTION_NAMES: dict[tuple[int, str], tuple[CommandSpec, Mapping[str, Option]]] = {}


def _every_name(option: Option) -> set[str]:
    """The option's name in every language we ship, for spotting a near-miss."""
    return {fold(option.name)} | {
        fold(option_word(option, translator(lang))) for lang in SUPPORTED_LANGUAGES
    }


# Short command texts parsed before, per command and language: the same few ("help",
# "help poll", "setup") come again and again, and parsing is a fifth of a command's CPU.
# Only short texts of commands whose copies are kept (never an anonymous one's words),
# and at most _PARSED_MOST of them (emptied when full); each hit hands out its own dict.
_PARSED: dict[tuple[str, str, str], tuple[CommandSpec, dict[str, str]]] = {}
_PARSED_MOST = 1024
_PARSED_LONGEST = 64


def parse_text_kept(spec: CommandSpec, text: str, t: Translator) -> dict[str, str]:
    """`parse_text`, answered from what was kept for the same command, text and language
    (the spec itself must match: a command declared anew is parsed anew)."""
    if len(text) > _PARSED_LONGEST or not spec.keeps_copies:
        return parse_text(spec, text, t)
    key = (spec.path, text, t.language)
    kept = _PARSED.get(key)
    if kept is not None and kept[0] is spec:
        return dict(kept[1])
    raw = parse_text(spec, text, t)
    if len(_PARSED) >= _PARSED_MOST:
        _PARSED.clear()
    _PARSED[key] = (spec, dict(raw))
    return raw


def parse_text(spec: CommandSpec, text: str, t: Translator | None = None) -> dict[str, str]:
    """Split `text` into raw option values, keyed by each option's own name.

    `name=value` (or `name:value`, `--name value`) is that option wherever it stands,
    before, among or after free text, in English or in the reader's language. Words that
    are no option fill the options in order; a `rest` option takes the remaining text. A
    `word=value` naming no option is refused with the nearest name, never taken as text,
    and a parse that could be read two ways asks instead of guessing.
    """
    t = t or translator("en")
    names = _option_names(spec, t)
    tokens = _tokens(text)
    raw: dict[str, str] = {}
    loose: list[_Token] = []  # words that are no option, in order
    first: list[Option] = []  # named with no value ("text:"): the words that follow fill it
    mark = 0  # how many loose words came before the first such name

    def give(option: Option, value: str) -> None:
        if option.name in raw:
            raise CommandError(
                N_(
                    "“{option}” is given twice, so I'm not sure which you mean. "
                    "Please give it once."
                ),
                {"option": option_word(option, t)},
            )
        raw[option.name] = value

    index = 0
    while index < len(tokens):
        token, after = tokens[index], tokens[index + 1 : index + 3]
        keyed = _KEYED.match(token.text)  # quoted or not: "anonymous=yes" is the option
        option = names.get(fold(keyed["key"])) if keyed else None
        if keyed and option is not None:
            value, used = keyed["value"], 1
            if option.rest and token.verbatim:  # "text: What do you ..." takes the free text
                if option in first:
                    raw[option.name] = ""  # so that give() says it is given twice
                    give(option, value)
                if not first:
                    mark = len(loose)
                first.append(option)
                if value:  # "text=What do ...": the words from "What" on
                    at = token.start + keyed.start("value")
                    loose.append(_Token(value, at, token.end, False))
                index += 1
                continue
            if not value and after:  # "anonymous= yes", "anonymous: yes"
                value, used = after[0].text, 2
            if option.type in _LENGTHS:  # "in=3 días": the unit is part of the value
                words = [value, *(tok.text for tok in tokens[index + used :][:_LONGEST_SPAN])]
                extra = _duration_span(words, option.type) - 1
                value, used = " ".join(words[: extra + 1]), used + extra
            elif not (after[0].quoted if used > 1 else token.text != text[token.start : token.end]):
                # "from=8 am", "every=2 weeks", "topic=field trips" (quotes end a value)
                following = [tok.text for tok in _plain_words(tokens[index + used :])]
                extra = _continuation(spec, option, value, following, t)
                value, used = " ".join([value, *following[:extra]]), used + extra
            give(option, value)
            index += used
            continue
        if keyed and keyed["sep"] == "=" and not token.quoted:  # quotes keep "x=y" as text
            raise _no_option(spec, keyed["key"], t)
        bare = names.get(fold(token.text.removeprefix("--"))) if not token.quoted else None
        if bare is not None and after and after[0].text.startswith("=") and not after[0].quoted:
            # "anonymous = yes" or "anonymous =yes"
            rest_of = after[0].text[1:]
            if rest_of or len(after) < 2:
                give(bare, rest_of)
                index += 2
            else:
                give(bare, after[1].text)
                index += 3
            continue
        if bare is not None and token.text.startswith("--"):
            if bare.type == "bool" and not (after and _is_bool_word(after[0].text, t)):
                give(bare, "yes")  # a flag on its own: --anonymous
                index += 1
            else:
                give(bare, after[0].text if after else "")
                index += 2
            continue
        loose.append(token)
        index += 1
    if first and mark:  # "1 text: ...": words before the name fill the other options
        others = [o for o in spec.options if o.name not in raw and not o.rest]
        if mark > len(others):  # "Some text text=more": two texts, so ask
            raise CommandError(
                N_(
                    "“{option}” is given twice, so I'm not sure which you mean. "
                    "Please give it once."
                ),
                {"option": option_word(first[0], t)},
            )
        raw.update({o.name: tok.text for o, tok in zip(others, loose[:mark], strict=False)})
        loose = loose[mark:]
    _fill_in_order(spec, text, loose, raw, first, t)
    _ask_when_unsure(spec, raw, t)
    return raw


def _plain_words(tokens: Sequence[_Token]) -> list[_Token]:
    """The unquoted words at the head of `tokens` that name no option (`x=y`), at most
    as many as a value may take."""
    words: list[_Token] = []
    for token in tokens[:_LONGEST_SPAN]:
        if token.quoted or _KEYED.match(token.text):
            break
        words.append(token)
    return words


def _continuation(
    spec: CommandSpec, option: Option, value: str, following: list[str], t: Translator
) -> int:
    """How many of the words after `name=value` belong to that value, as a member who
    names an option means them to (`from=8 am`, `pause-until=3 de enero`), instead of
    filling other options in order and being refused there for the wrong option.

    A value of the option's shape grows only into a longer one whole (`from=8 am`,
    `every=2 weeks`; not `role=liaison @sam`, `timezone=America/Chicago mon-fri`). One
    that is not grows into the longest that is whole, or whole but for its first word
    (`every=cada 2 semanas`; never into a choice's word deep in free text, as `topic=
    behavior Is there a general rule?` would), stopping at a word of another option's
    shape once it is one (`every=cada 2 semanas lunes`: the weekday stays the weekday's).
    Failing that, or for an option of any text, the words up to the first of another
    option's shape are the value's, unless the command has free text to take loose
    words (`ask anonymous=yes When...`). Any text that ends in a list's separator goes
    on to the list's next item and those after it (`options=6pm, 7pm, 8pm`)."""
    shaped = option.type in _OF_A_SHAPE
    if not shaped and value.endswith(_LIST_SEPARATORS):  # "options=Morning; Evening"
        size = 0
        while size < len(following):
            size += 1
            if not following[size - 1].endswith(_LIST_SEPARATORS):
                break
        return size
    others = [o for o in spec.options if o is not option and o.type in _OF_A_SHAPE]

    checked = [o for o in spec.options if o is not option and o.check is not None]

    def elsewhere(at: int) -> bool:  # following[at] starts another option's value
        return any(
            _of_its_shape(other, following[at], t)
            or (other.type in _LENGTHS and _duration_span(following[at:], other.type) > 1)
            for other in others
        ) or any(_passes(other, following[at]) for other in checked)

    def joined(size: int) -> str:
        return " ".join([value, *following[:size]])

    if shaped and _of_its_shape(option, value, t):
        whole = [n for n in range(1, len(following) + 1) if _names_whole(option, joined(n), t)]
        if whole:
            return max(whole)
        # `every=2 wekes`: a near miss of a choice of several words is the value, so
        # its error says so ("did you mean 2 weeks?") rather than another option's.
        near = _near_choice(option, joined(1), t) if option.type == "choice" else None
        return 1 if near is not None and " " in near else 0
    if shaped:
        best = 0
        for size in range(1, len(following) + 1):
            if best == size - 1 and best and elsewhere(size - 1):
                break
            if _names_whole(option, joined(size), t) or (
                option.type == "choice" and _names_whole(option, " ".join(following[:size]), t)
            ):
                best = size
        if best:
            return best
    if any(o.rest for o in spec.options):
        return 0
    for size in range(len(following)):
        if elsewhere(size):
            return size
    return len(following)


def _passes(option: Option, text: str) -> bool:
    """Whether `text` passes a text option's own check (`Option.check`): a value that
    option takes (`es` for a language), so no other option's value runs on into it. A
    word of no letter or digit never does (the `-` of `quiet=21:00 - 07:00`)."""
    assert option.check is not None
    if not any(c.isalnum() for c in text):
        return False
    try:
        option.check(text)
    except CommandError:
        return False
    return True


def _of_its_shape(option: Option, text: str, t: Translator) -> bool:
    """Whether `text` is a value of the option's kind, for the kinds `_continuation`
    knows by their shape (`_OF_A_SHAPE`); False for any other."""
    return bool(_fits(option, text, t, _OF_A_SHAPE))


def _names_whole(option: Option, text: str, t: Translator) -> bool:
    """Whether all of `text` is a value of the option's shape: a choice's word exactly
    (`every=2 weeks`), since a choice is also found inside longer words (`liaison @sam`)."""
    if option.type in ("choice", "weekday"):
        return fold(text).rstrip(".") in _choice_words(option, t)
    return _of_its_shape(option, text, t)


def _fill_in_order(
    spec: CommandSpec,
    text: str,
    loose: list[_Token],
    raw: dict[str, str],
    first: list[Option],
    t: Translator,
) -> None:
    """Words that are no `name=value` fill the options not named, in declared order
    (after any named without a value). A word that cannot be the next option's but can
    be exactly one later option's goes there: `role grant liaison @sam` reads as
    `role grant @sam liaison`, since a role is never a member. Where it could be two,
    or none, it goes in order, and that option's usual error says what was expected."""
    waiting = list(dict.fromkeys(first + [o for o in spec.options if o.name not in raw]))
    at = 0
    while at < len(loose):
        token = loose[at]
        if not waiting:
            raise CommandError(
                N_("There's more here than “{command}” expects: “{extra}”."),
                {"command": spec.path, "extra": " ".join(tok.text for tok in loose[at:])},
            )
        option = waiting.pop(_slot(waiting, token, t))
        if option.rest:
            runs = _rest_runs(text, loose[at:])
            if option in first and len(runs) > 1:  # "question=Trip? remind=1 day before"
                raise CommandError(
                    N_("There's more here than “{command}” expects: “{extra}”."),
                    {"command": spec.path, "extra": " ".join(runs[1:])},
                )
            raw[option.name] = " ".join(runs)
            if len(loose) - at > 1 or not token.quoted:
                raw[_UNQUOTED] = "1"
            return
        size = 1
        if option.type in _LENGTHS and not token.quoted:  # "3 días", "in 2 hours"
            size = _duration_span([tok.text for tok in loose[at:][:_LONGEST_SPAN]], option.type)
        elif option.type in _OF_A_SHAPE and not token.quoted:  # "7:30 pm", "2 weeks"
            words = [tok.text for tok in _plain_words(loose[at:])]
            whole = [
                n for n in range(2, len(words) + 1) if _names_whole(option, " ".join(words[:n]), t)
            ]
            size = max(whole, default=1)
        raw[option.name] = " ".join(tok.text for tok in loose[at : at + size])
        at += size


_LONGEST_SPAN = 8  # words a length of time may take: "dentro de 1 hora y 30 minutos"
# Kinds whose values have a shape of their own (a mention, a choice's word, a time): a
# word of that shape names its option wherever it stands among the loose words.
_SHAPED = frozenset(
    {"int", "bool", "choice", "weekday", "member", "channel", "time", "date", "duration", "days"}
)


def _slot(waiting: list[Option], token: _Token, t: Translator) -> int:
    """Which waiting option a loose word fills: the next one, unless the word cannot be
    its value and can be the value of exactly one later option (not free text)."""
    if token.quoted or waiting[0].rest or _fits(waiting[0], token.text, t) is not False:
        return 0
    fitting = [
        at
        for at, option in enumerate(waiting[1:], 1)
        if not option.rest and _fits(option, token.text, t)
    ]
    return fitting[0] if len(fitting) == 1 else 0


def _fits(option: Option, text: str, t: Translator, kinds: frozenset[str] = _SHAPED) -> bool | None:
    """Whether `text` has the shape of this option's values (None: any text may be, or
    its kind is not one of `kinds`)."""
    if option.type not in kinds:
        return None
    try:
        convert_value(option, text, _NOWHERE, t)
    except CommandError:
        return False
    return True


_LIST_SEPARATORS = (",", ";")  # between a list's items (poll options, languages, dates)
# The kinds `_continuation` knows a value of by its shape: `_SHAPED`'s, numbers and zones.
_OF_A_SHAPE = _SHAPED | {"number", "timezone"}

_NOWHERE = ConversationRef("", "", "")  # a shape check converts; the place is not kept


_LENGTHS = frozenset({"duration", "days"})  # kinds whose value may take several words


def _duration_span(words: list[str], kind: str = "duration") -> int:
    """How many of these words make the longest length of time (1 when none does, so
    the first word is refused with the usual kind error)."""
    for size in range(len(words), 1, -1):
        joined = " ".join(words[:size])
        if kind == "days":
            if parse_days(joined) is not None:
                return size
            continue
        try:
            parse_duration(joined, "")
        except CommandError:
            continue
        return size
    return 1


_UNQUOTED = "\0unquoted"  # marks free text that was not in quotes; removed before returning


def _rest_runs(text: str, loose: list[_Token]) -> list[str]:
    """The original text of these words, a run for each stretch that no option
    interrupts; or a quote's inside. Free text is its runs joined; free text named
    (`question=...`) is its first run alone, since it was told where it starts."""
    if len(loose) == 1 and not loose[0].verbatim:
        return [loose[0].text]
    runs: list[str] = []
    first = previous = loose[0]
    for current in loose[1:]:
        if text[previous.end : current.start].strip():  # an option stood between: a new run
            runs.append(text[first.start : previous.end].strip())
            first = current
        previous = current
    runs.append(text[first.start : previous.end].strip())
    return runs


def _ask_when_unsure(spec: CommandSpec, raw: dict[str, str], t: Translator) -> None:
    """Free text that starts or ends with a yes/no option's name (or a near miss, like
    "anonymously") may mean the option: ask, rather than guess and, say, show a name."""
    unquoted = raw.pop(_UNQUOTED, None) is not None
    free = next((raw[o.name] for o in spec.options if o.rest and o.name in raw), None)
    if not free or not unquoted:
        return
    words = free.split()  # the first and last two: "... anonymous yes" is asked about too
    edges = {fold(word.strip(_EDGE_PUNCTUATION)) for word in words[:2] + words[-2:]}
    folded = fold(free)
    for option in spec.options:
        if option.type != "bool" or option.name in raw:
            continue
        names = _every_name(option)
        if (
            any(
                difflib.get_close_matches(edge, names, n=1, cutoff=0.8)
                # "anónimamente": a word that starts as the name does ("anonim...")
                or any(len(name) > 5 and edge.startswith(name[:-1]) for name in names)
                for edge in edges
                if edge
            )
            or any(  # glued to the text: "snow days?anonymous=yes"
                re.search(rf"(?<![^\W\d_]){re.escape(name)}\s*[=:]", folded) for name in names
            )
        ):
            raise CommandError(
                N_(
                    "I'm not sure whether “{option}” is part of your text or the option, "
                    "so I haven't sent anything. To use the option, add {option}={yes}; to "
                    "keep the word, put your text in quotes."
                ),
                {"option": option_word(option, t), "yes": t.pgettext("choice", "yes")},
            )


def _no_option(spec: CommandSpec, typed: str, t: Translator) -> CommandError:
    """A `word=value` where the word names no option: suggest the nearest one."""
    words = {option_word(o, t): o for o in spec.options} | {o.name: o for o in spec.options}
    guess = difflib.get_close_matches(fold(typed), [fold(w) for w in words], n=1, cutoff=0.6)
    if guess:
        option = next(o for w, o in words.items() if fold(w) == guess[0])
        return CommandError(
            N_("There is no option “{name}”; did you mean “{guess}”?"),
            {"name": typed, "guess": option_word(option, t)},
        )
    if not spec.options:
        return CommandError(
            N_("“{command}” takes no options, so I can't use “{name}”."),
            {"command": spec.path, "name": typed},
        )
    return CommandError(
        N_("“{command}” has no option “{name}”. It takes: {options}."),
        {
            "command": spec.path,
            "name": typed,
            "options": ", ".join(option_word(o, t) for o in spec.options),
        },
    )


_MENTION = re.compile(r"^<@!?(?P<id>[^>|]+)(\|[^>]*)?>$|^@(?P<bare>[\w.\-]+)$")
_CHANNEL = re.compile(r"^<#(?P<id>[^>|]+)(\|[^>]*)?>$|^#(?P<bare>[\w.\-]+)$")


def convert(
    spec: CommandSpec,
    raw: Mapping[str, str],
    where: ConversationRef,
    t: Translator | None = None,
) -> tuple[Args, list[Option]]:
    """Typed values for every option given, and the required options still missing."""
    t = t or translator("en")
    values: dict[str, object] = {}
    problems: list[CommandError] = []
    for name, text in raw.items():
        option = spec.option(name)
        if option is None:
            raise _no_option(spec, name, t)
        text = text.strip()
        if text:
            try:
                values[name] = convert_value(option, text, where, t)
            except CommandError as problem:  # every bad value is said, not only the first
                problems.append(problem)
    if problems:
        raise CommandError.of(problems)
    missing = [o for o in spec.options if o.required and o.name not in values]
    return Args(values), missing


def convert_value(
    option: Option, text: str, where: ConversationRef, t: Translator | None = None
) -> object:
    """One option's typed value, or a CommandError that says what was expected."""
    t = t or translator("en")
    kind, name = option.type, option_word(option, t)
    most = MAX_LENGTH.get(kind, MAX_LENGTH["str"])
    if len(text) > most:
        raise CommandError(
            N_("“{option}” can be at most {most} characters long, and this one has {n}."),
            {"option": name, "most": str(most), "n": str(len(text))},
        )
    if kind in ("str", "text"):
        if option.check is not None:
            option.check(text)
        return text
    if kind == "int" and option.between is not None:  # a count, not a record's number
        if not re.fullmatch(r"-?[0-9]{1,6}", text.strip()):
            raise CommandError(
                N_("“{option}” needs a whole number, like 3, and “{value}” isn't one I can use."),
                {"option": name, "value": text},
            )
        count, (least, most) = int(text), (int(end) for end in option.between)
        if not least <= count <= most:
            raise CommandError(
                N_("“{option}” needs a number from {least} to {most}, and {value} isn't."),
                {"option": name, "value": text, "least": str(least), "most": str(most)},
            )
        return count
    if kind == "int":
        number = record_id(text)
        if number is None and re.fullmatch(r"#?[0-9]+", text):  # more than any table holds
            raise CommandError(
                N_("There's nothing numbered {value} here. Please check the number."),
                {"value": text},
            )
        if number is None:
            raise CommandError(
                N_("“{option}” needs a whole number, like 3, and “{value}” isn't one I can use."),
                {"option": name, "value": text},
            )
        return number
    if kind == "bool":
        answer = _bool_words(t).get(fold(text))
        if answer is None:
            raise CommandError(
                N_("“{option}” needs {yes} or {no}, and “{value}” is neither."),
                {
                    "option": name,
                    "value": text,
                    "yes": t.pgettext("choice", "yes"),
                    "no": t.pgettext("choice", "no"),
                },
            )
        return answer
    if kind in ("choice", "weekday"):
        chosen = _pick(_choice_words(option, t), fold(text).rstrip("."))
        if chosen is None:
            said = {"option": name, "value": text, "choices": accepted_values(option, t) or ""}
            near = _near_choice(option, text, t)
            if near is not None:
                raise CommandError(
                    N_(
                        "“{value}” isn't one of the choices for “{option}”: {choices}. "
                        "Did you mean “{near}”?"
                    ),
                    {**said, "near": near},
                )
            raise CommandError(
                N_("“{value}” isn't one of the choices for “{option}”: {choices}."), said
            )
        return chosen
    if kind == "member":
        match = _MENTION.match(text)
        if not match or len(match["id"] or match["bare"]) > MAX_REF:
            if _MENTION.match(f"@{text}") and len(text) <= MAX_REF:  # "lea": a name, no @
                raise CommandError(
                    N_(
                        "I couldn't tell who “{value}” is. "
                        "Mention the member with @, like @{value}."
                    ),
                    {"value": text},
                )
            raise CommandError(
                N_("I couldn't tell who “{value}” is. Mention the member, like @name."),
                {"value": text},
            )
        return MemberRef(where.platform, where.community, match["id"] or match["bare"])
    if kind == "channel":
        match = _CHANNEL.match(text)
        if not match or len(match["id"] or match["bare"]) > MAX_REF:
            raise CommandError(
                N_("I couldn't tell which channel “{value}” is. Link it, like #channel."),
                {"value": text},
            )
        return ConversationRef(where.platform, where.community, match["id"] or match["bare"])
    if kind == "time":
        return parse_time(text)
    if kind == "date":
        return parse_date(text, name)
    if kind == "dates":
        return frozenset(parse_date(part, name) for part in re.split(r"[,;\s]+", text) if part)
    if kind == "timezone":
        return parse_timezone(text)
    if kind == "duration":
        return parse_duration(text, name)
    if kind == "days":
        return _days_between(text, option, t)
    if kind == "number":
        return parse_number(text, option, t)
    return parse_languages(text)


MAX_ID = 2**31 - 1  # the largest row ID both SQLite and PostgreSQL columns hold


def record_id(text: str) -> int | None:
    """A record's number from what a member typed or a button carried, or None when it
    can't be one (not digits, or more than any table holds)."""
    text = text.strip().removeprefix("#")
    if not re.fullmatch(r"[0-9]{1,10}", text) or not 0 < int(text) <= MAX_ID:
        return None
    return int(text)


_YES_NO = (NP_("choice", "yes"), NP_("choice", "no"))  # the words, as each reader types them
_YES = ("yes", "y", "true", "on", "1")
_NO = ("no", "n", "false", "off", "0")


def _bool_words(t: Translator) -> dict[str, bool]:
    words = {w: True for w in _YES} | {w: False for w in _NO}
    yes = fold(t.pgettext("choice", "yes"))
    words.setdefault(yes, True)
    words.setdefault(yes[:1], True)  # its first letter, as "y" is English's ("s": "sí")
    words.setdefault(fold(t.pgettext("choice", "no")), False)
    return words


def _is_bool_word(text: str, t: Translator) -> bool:
    return fold(text) in _bool_words(t)


def _weekday_names(language: str, width: Literal["abbreviated", "wide"]) -> list[str]:
    names = get_day_names(width, locale=language)
    return [str(names[day]) for day in range(7)]


WEEKDAYS = tuple(fold(name) for name in _weekday_names("en", "abbreviated"))  # mon .. sun


def _choice_words(option: Option, t: Translator) -> dict[str, str]:
    """Folded word -> the choice it means, in English and in the reader's language."""
    if option.type == "weekday":
        words: dict[str, str] = {}
        for language in dict.fromkeys(("en", t.language)):
            for width in ("abbreviated", "wide"):  # type: Literal["abbreviated", "wide"]
                for day, word in enumerate(_weekday_names(language, width)):
                    words.setdefault(fold(word).rstrip("."), WEEKDAYS[day])
        return words
    words = {fold(choice): choice for choice in option.choices}
    for choice in option.choices:
        words.setdefault(fold(t.pgettext("choice", choice)), choice)
    for alias, choice in option.aliases:
        words.setdefault(fold(alias), choice)
    return words


def _near_choice(option: Option, text: str, t: Translator) -> str | None:
    """The choice a near miss was meant to be ("organiser", "initial", "wendesday"), as
    the reader writes it; None when nothing is close, so nothing is guessed at random."""
    if option.type == "weekday":
        shown = _weekday_names(t.language, "wide")
    else:
        shown = [t.pgettext("choice", c) for c in option.choices]
    by_fold = {fold(word): word for word in shown}
    near = difflib.get_close_matches(fold(text), list(by_fold), n=1, cutoff=0.75)
    return by_fold[near[0]] if near else None


def _pick(words: dict[str, str], folded: str) -> str | None:
    """The choice a member's words name: the word itself, or else the one choice whose
    word stands whole inside them ("cada 2 semanas", "every month"). Where the words
    name two choices ("2 weeks or a month"), none: the member is asked again."""
    if folded in words:
        return words[folded]
    inside = [w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", folded)]
    widest = [w for w in inside if not any(w != o and w in o for o in inside)]
    chosen = {words[w] for w in widest}
    return chosen.pop() if len(chosen) == 1 else None


def choice_labels(option: Option, t: Translator) -> tuple[Choice, ...]:
    """The choices as a reader of `t`'s language reads them, each with its own value."""
    if option.type == "weekday":
        return tuple(Choice(value, t.weekday(day)) for day, value in enumerate(WEEKDAYS))
    if option.type == "bool":
        return (
            Choice("yes", t.pgettext("choice", "yes")),
            Choice("no", t.pgettext("choice", "no")),
        )
    return tuple(Choice(c, t.pgettext("choice", c)) for c in option.choices)


def accepted_values(option: Option, t: Translator) -> str | None:
    """The values an option takes, in the reader's language, for help and for errors."""
    if option.type == "weekday":  # short, as typed: lun, mar ...
        return ", ".join(t.choice(value) for value in WEEKDAYS)
    if option.type in ("choice", "bool"):
        return ", ".join(choice.label for choice in choice_labels(option, t))
    return None


_TWELVE_HOUR = re.compile(r"([0-9]{1,2})(?::([0-9]{2}))?\s*([ap])\.?\s*m\.?")


def parse_time(text: str) -> time:
    """ "19:00", "7:30", "0:30" or "19" as a time of day, from 00:00 to 23:59; and, as
    many parents write it, "7pm", "7:30 am" or "7 p. m." (12am is midnight)."""
    twelve = _TWELVE_HOUR.fullmatch(text.strip().lower())
    if twelve and 1 <= int(twelve[1]) <= 12 and int(twelve[2] or 0) <= 59:
        hour = int(twelve[1]) % 12 + (12 if twelve[3] == "p" else 0)
        return time(hour, int(twelve[2] or 0))
    match = re.fullmatch(r"([0-9]{1,2})(?::([0-9]{2}))?", text.strip())
    if not match or int(match[1]) > 23 or int(match[2] or 0) > 59:
        raise CommandError(
            N_("“{value}” isn't a time of day. Write it like 19:00 or 7pm."), {"value": text}
        )
    return time(int(match[1]), int(match[2] or 0))


FIRST_DATE, LAST_DATE = date(2000, 1, 1), date(2099, 12, 31)


def parse_date(text: str, option: str) -> date:
    """A date written 2026-10-05, within this century (far dates overflow date sums)."""
    text = text.strip()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        raise CommandError(
            N_("“{value}” isn't a date I can read for “{option}”. Use the form 2026-10-05."),
            {"value": text, "option": option},
        )
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            N_("“{value}” isn't a date I can read for “{option}”. Use the form 2026-10-05."),
            {"value": text, "option": option},
        ) from None
    if not FIRST_DATE <= day <= LAST_DATE:
        raise CommandError(
            N_("“{value}” is too far off for “{option}”. Use a date from {first} to {last}."),
            {
                "value": text,
                "option": option,
                "first": FIRST_DATE.isoformat(),
                "last": LAST_DATE.isoformat(),
            },
        )
    return day


def parse_timezone(text: str) -> str:
    """A valid IANA zone name, or a CommandError with a close suggestion."""
    try:
        if len(text) > MAX_LENGTH["timezone"]:
            raise ValueError("longer than any zone name")
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: name too long for a file
        raise CommandError(
            N_(
                "I don't know the time zone “{value}”. "
                "Use a name like America/New_York or Europe/Madrid."
            ),
            {"value": text},
        ) from None
    return text


MAX_DURATION = timedelta(days=366)
# The words for each unit of time, as each reader types them: English always works too.
_UNITS = {
    NP_("duration", "w, wk, wks, week, weeks"): timedelta(weeks=1),
    NP_("duration", "d, day, days"): timedelta(days=1),
    NP_("duration", "h, hr, hrs, hour, hours"): timedelta(hours=1),
    NP_("duration", "m, min, mins, minute, minutes"): timedelta(minutes=1),
}
# Lengths kept in whole days (`retention set questions=6m`): here `m` is a month, and a
# month is 30 days, a year 365.
_DAY_UNITS = {
    NP_("days", "d, day, days"): timedelta(days=1),
    NP_("days", "w, wk, wks, week, weeks"): timedelta(weeks=1),
    NP_("days", "m, mo, month, months"): timedelta(days=30),
    NP_("days", "y, yr, yrs, year, years"): timedelta(days=365),
}
# Words around a length of time that add nothing: "in 3 days", "1 hour and 30 minutes".
_FILLER = NP_("duration", "in, and")
_DURATION_PART = re.compile(r"[0-9]+(?:[.,][0-9]+)?|[^\W\d_]+|\S")


@cache
def _duration_words(context: str = "duration") -> tuple[dict[str, timedelta], frozenset[str]]:
    """Units and filler words in every language we ship: "3 días" reads the same to a
    Spanish speaker whose Discord is set to English."""
    units: dict[str, timedelta] = {}
    filler: set[str] = set()
    table = _UNITS if context == "duration" else _DAY_UNITS
    for reader in (translator(language) for language in SUPPORTED_LANGUAGES):
        for words, unit in table.items():
            units.update(dict.fromkeys(_word_list(reader.pgettext(context, words)), unit))
        filler.update(_word_list(reader.pgettext("duration", _FILLER)))
    return units, frozenset(filler)


def _word_list(words: str) -> list[str]:
    return [fold(word) for part in words.split(",") for word in part.split() if word]


def _length(text: str, context: str, most: timedelta) -> float | None:
    """The one reading of a length of time for both kinds ("duration", "days"): numbers
    each followed by a unit, filler words skipped, summed in seconds; None when the text
    is not one. Stops adding once past `most` (the sum is then more than `most`)."""
    units, filler = _duration_words(context)
    parts = _DURATION_PART.findall(fold(text))
    seconds, counted, at = 0.0, 0, 0
    while at < len(parts):
        part = parts[at]
        if part in filler:
            at += 1
            continue
        unit = units.get(parts[at + 1]) if at + 1 < len(parts) else None
        if not part[0].isdigit() or unit is None:
            return None
        seconds += float(part.replace(",", ".")) * unit.total_seconds()
        if seconds > most.total_seconds():
            return seconds
        counted, at = counted + 1, at + 2
    return seconds if counted else None


def parse_duration(text: str, option: str) -> timedelta:
    """A length of time: "3d", "in 2h", "90m", "1h30m", "2 days", "3 días", "1,5 horas".

    Whole seconds, more than none and at most a year (far more would overflow sums)."""
    seconds = _length(text, "duration", MAX_DURATION)
    if seconds is not None and seconds > MAX_DURATION.total_seconds():
        raise CommandError(
            N_("“{option}” can be at most a year, and “{value}” is longer."),
            {"option": option, "value": text},
        )
    if seconds is None or round(seconds) <= 0:
        raise _not_a_duration(text, option)
    return timedelta(seconds=round(seconds))


MAX_DAYS = 100_000  # far past any bound a command sets, near enough to never overflow


def _days_between(text: str, option: Option, t: Translator) -> int:
    """A `days` option's value, within its `between` (1 to MAX_DAYS when it has none)."""
    least, most = (int(end) for end in option.between or (1, MAX_DAYS))
    days = parse_days(text)
    if days is None or not least <= days <= most:
        raise CommandError(
            N_(
                "“{option}” needs {least} to {most} days, like 365, 90d, 12w, 6m or 1y, "
                "and I can't use “{value}”."
            ),
            {
                "option": option_word(option, t),
                "least": str(least),
                "most": str(most),
                "value": text,
            },
        )
    return days


def parse_days(text: str) -> int | None:
    """A number of whole days: "90", "90d", "90 days", "90 días", "12w", "6m" or
    "6 months" (30 days each), "1y" (365), "1y 6m"; None when the text is not one. The
    caller bounds it and says so in its own words."""
    text = text.strip()
    if text.isascii() and text.isdecimal():
        return int(text) if len(text) <= 6 else MAX_DAYS + 1
    seconds = _length(text, "days", timedelta(days=MAX_DAYS))
    if seconds is None:
        return None
    return min(round(seconds / 86400), MAX_DAYS + 1)


def _not_a_duration(text: str, option: str) -> CommandError:
    return CommandError(
        N_(
            "“{option}” needs a length of time, like 3d, 2h, 90m, 1h30m or “in 2 days”, "
            "and I can't read “{value}” as one."
        ),
        {"option": option, "value": text},
    )


_NUMBER = re.compile(r"(?P<sign>[+-]?)(?P<whole>[0-9]+)(?:(?P<point>[.,])(?P<part>[0-9]+))?")


def parse_number(text: str, option: Option, t: Translator) -> float:
    """A plain number, with the reader's decimal sign ("1,5" in Spanish) or a point,
    which is how every platform's own number fields send it; no thousands separators,
    so "1,000" is refused in English rather than read as one."""
    name = option_word(option, t)
    match = _NUMBER.fullmatch(text.strip().replace("\u2212", "-"))
    if not match or match["point"] not in (None, ".", get_decimal_symbol(t.language)):
        raise CommandError(
            N_("“{option}” needs a number, like 2 or 1.5, and “{value}” isn't one I can read."),
            {"option": name, "value": text},
        )
    value = float(f"{match['sign']}{match['whole']}.{match['part'] or 0}")
    if option.between and not option.between[0] <= value <= option.between[1]:
        least, most = (format_decimal(end, locale=t.language) for end in option.between)
        raise CommandError(
            N_("“{option}” needs a number from {least} to {most}, and {value} isn't."),
            {"option": name, "value": text, "least": least, "most": most},
        )
    return value


def parse_languages(text: str) -> tuple[str, ...]:
    codes = tuple(dict.fromkeys(c.strip().lower() for c in re.split(r"[,\s]+", text) if c.strip()))
    unknown = [c for c in codes if c not in SUPPORTED_LANGUAGES]
    if unknown or not codes:
        raise unsupported_language(", ".join(unknown) or text)
    return codes


def unsupported_language(value: str, option: str | None = None) -> CommandError:
    """The refusal of a language Homeroom has no catalog for, naming those it has by
    their codes (what a member types) and their own names (`es (español)`), which read
    the same in any reader's language."""
    supported = ", ".join(
        f"{code} ({Locale.parse(code).get_display_name(code)})" for code in SUPPORTED_LANGUAGES
    )
    return CommandError(
        N_("I can speak {supported} so far, so I can't use “{value}”."),
        {"supported": supported, "value": value},
        option=option,
    )


def form_fields(options: Sequence[Option], given: Args, t: Translator) -> tuple[FormField, ...]:
    """Form fields for options in the reader's language, prefilled with what was given."""
    fields = []
    for option in options:
        default = given.values.get(option.name)
        fields.append(
            FormField(
                name=option.name,
                label=t._(option.description),
                kind=_FIELD_KIND.get(option.type, "text"),
                required=option.required,
                choices=choice_labels(option, t),
                default=_raw_default(default, t),
                asked_if=option.asked_if,
            )
        )
    return tuple(fields)


_FIELD_KIND: dict[
    str, Literal["text", "long_text", "choice", "member", "channel", "timezone", "languages"]
] = {
    "text": "long_text",
    "choice": "choice",
    "weekday": "choice",
    "bool": "choice",
    "member": "member",
    "channel": "channel",
    "timezone": "timezone",
    "languages": "languages",
}


def _raw_default(value: object, t: Translator) -> str | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return _compact(value)
    if isinstance(value, float):
        return format_decimal(value, locale=t.language, group_separator=False)
    if isinstance(value, MemberRef):
        return f"<@{value.id}>"
    if isinstance(value, ConversationRef):
        return f"<#{value.channel}>"
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, frozenset):
        return ",".join(sorted(d.isoformat() for d in value))
    return str(value)


def _compact(length: timedelta) -> str:
    """A length of time as typed back into a form: "1d2h30m"."""
    minutes = round(length.total_seconds() / 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    found = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n]
    return "".join(found) or "1m"


async def complete_timezone(ctx: Context, typed: str) -> list[Choice]:
    """Time zone names containing what was typed ("madr" -> Europe/Madrid)."""
    wanted = fold(typed.strip())
    return [Choice(zone, zone) for zone, folded in _zones() if wanted in folded][:MAX_SUGGESTIONS]


@cache
def _zones() -> list[tuple[str, str]]:
    """Every time zone's name and its folded form, listed when first suggested: listing
    them walks the time zone database, 25 ms that every start paid at import."""
    return [(zone, fold(zone)) for zone in sorted(available_timezones())]


MAX_SUGGESTIONS = 25  # more than a member reads; Discord shows at most this many
_TYPE_COMPLETERS: dict[str, Completer] = {"timezone": complete_timezone}
