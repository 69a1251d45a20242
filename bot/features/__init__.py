"""Capabilities of Homeroom, one module or package each.

A feature declares in one place, its `Feature`, everything it adds: commands, buttons
(with the role that may press them), forms (by `form_id` prefix), listeners, delivery
receipts (by the type of tag it put on what it staged), its App Home section, its
tables, and the export and delete hooks for its members' data. Each feature module
exposes `build(kernel) -> Feature`; the app builds the features from a list, so adding
one touches no shared file. What a feature builds for itself (a store, a scheduler) is
its `state`: the core hands it to the feature's own handlers as `ctx.own`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData, Table
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.commands import CommandSpec
from bot.context import Context
from bot.directory import Role
from bot.events import Event
from bot.intents import Intent, Tag
from bot.refs import MemberRef
from bot.timers import Timed, TimerHandler

if TYPE_CHECKING:
    from bot.kernel import Kernel

ActionHandler = Callable[[Context, str], Awaitable[list[Intent]]]
# A submitted form of the feature's own: (ctx, the full form_id, the answers by field).
FormHandler = Callable[[Context, str, Mapping[str, str]], Awaitable[list[Intent]]]
# Hears members' messages and reactions (MessagePosted, ReplyPosted, ReactionAdded).
Listener = Callable[[Context, Event], Awaitable[list[Intent]]]
# A paragraph of the member's App Home, or None when the feature has nothing for them.
HomeSection = Callable[[Context], Awaitable[str | None]]
# Told, in the transaction that marks it sent, that an intent carrying the feature's tag
# was delivered (with the platform's message ID); returns the intents that follow it.
TagReceipt = Callable[[AsyncConnection, Intent, Any, str | None], Awaitable[Sequence[Intent]]]
# A member's data, table by table, as plain rows; and its deletion (rows changed).
Export = Callable[[AsyncConnection, MemberRef], Awaitable[dict[str, list[dict[str, Any]]]]]
Delete = Callable[[AsyncConnection, MemberRef], Awaitable[int]]
Builder = Callable[["Kernel"], "Feature"]


@dataclass(frozen=True, slots=True)
class Action:
    """A button's handler and who may press it; the core checks the role before the
    handler runs, as it does for commands and their forms."""

    handler: ActionHandler
    role: Role = Role.PARENT


@dataclass(frozen=True, slots=True)
class FormAction:
    """A feature's own form (any `form_id` starting with its prefix) and who may send it."""

    handler: FormHandler
    role: Role = Role.PARENT


@dataclass(frozen=True, slots=True)
class Privacy:
    """A feature's export and delete hooks, and the (table, column) pairs holding a
    member's ID or words that they cover (a test fails on any such column no feature
    covers)."""

    covers: tuple[tuple[str, str], ...]
    export: Export
    delete: Delete


def _empty() -> Mapping[Any, Any]:
    return MappingProxyType({})


def _no_timers() -> Mapping[str, Timed | TimerHandler]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Feature:
    """What a feature adds to the core. Buttons are keyed by `action_id` (the button's
    `value` names the record it acts on); a button only organizers or liaisons may
    press is declared as `Action(handler, role)`, a bare handler may be pressed by
    anyone. Forms are keyed by a `form_id` prefix, likewise. Receipts are keyed by the
    `Tag` subclass the feature put on the intents it staged. `timers`: a handler per
    kind of timer the feature sets (bot/timers.py), run by the core's one timer loop
    with the feature's `state`; a feature starts no loop."""

    name: str
    commands: tuple[CommandSpec, ...] = ()
    actions: Mapping[str, Action | ActionHandler] = field(default_factory=_empty)
    forms: Mapping[str, FormAction | FormHandler] = field(default_factory=_empty)
    listeners: tuple[Listener, ...] = ()
    receipts: Mapping[type[Tag], TagReceipt] = field(default_factory=_empty)
    home: HomeSection | None = None
    tables: tuple[Table, ...] = ()
    privacy: Privacy | None = None
    state: object = None  # handed to this feature's handlers as `ctx.own`
    timers: Mapping[str, Timed | TimerHandler] = field(default_factory=_no_timers)


# The features a Homeroom bot runs with, as modules exposing `build(kernel)`.
DEFAULT_FEATURES = (
    "bot.features.help",
    "bot.features.setup",
    "bot.features.roles",
    "bot.features.prompts",
    "bot.features.members",  # after prompts, so `help` offers the main topics first
    "bot.features.polls",
    "bot.features.questions",
    "bot.features.faq",
    "bot.features.office_hours",
    "bot.features.chats",
    "bot.features.digests",
    "bot.features.rights",
)


def shared_metadata() -> MetaData:
    """The shared metadata with every default feature's tables on it: the migrations are
    checked against it, and Alembic's environment compares with it. A feature's tables
    are declared by one of its modules, which its `build` may import only when called;
    so every module of each feature package is imported here."""
    import pkgutil
    from importlib import import_module

    from bot.storage.tables import metadata

    for name in DEFAULT_FEATURES:
        feature = import_module(name)
        for module in pkgutil.iter_modules(getattr(feature, "__path__", ()), f"{name}."):
            import_module(module.name)
    return metadata


def default_features() -> list[Builder]:
    """The builders of the features a Homeroom bot runs with, in order."""
    from importlib import import_module

    return [import_module(name).build for name in DEFAULT_FEATURES]
