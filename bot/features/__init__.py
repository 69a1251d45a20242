"""Capabilities of Homeroom, one module each: its rules and its command specs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from bot.commands import CommandSpec
from bot.context import Context
from bot.directory import Role
from bot.events import Event
from bot.intents import Intent
from bot.timers import Timed, TimerHandler

ActionHandler = Callable[[Context, str], Awaitable[list[Intent]]]
# Hears members' messages and reactions (MessagePosted, ReplyPosted, ReactionAdded).
Listener = Callable[[Context, Event], Awaitable[list[Intent]]]


@dataclass(frozen=True, slots=True)
class Action:
    """A button's handler and who may press it; the core checks the role before the
    handler runs, as it does for commands and their forms."""

    handler: ActionHandler
    role: Role = Role.PARENT


def _no_actions() -> Mapping[str, Action | ActionHandler]:
    return MappingProxyType({})


def _no_timers() -> Mapping[str, Timed | TimerHandler]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Feature:
    """What a feature adds to the core: commands, and handlers for its buttons
    (keyed by `action_id`; the button's `value` names the record it acts on). A button
    only organizers or liaisons may press is declared as `Action(handler, role)`; a bare
    handler may be pressed by anyone. `timers`: a handler per kind of timer the feature
    sets (bot/timers.py), run by the core's one timer loop; a feature starts no loop."""

    name: str
    commands: tuple[CommandSpec, ...] = ()
    actions: Mapping[str, Action | ActionHandler] = field(default_factory=_no_actions)
    listeners: tuple[Listener, ...] = ()
    timers: Mapping[str, Timed | TimerHandler] = field(default_factory=_no_timers)


def default_features() -> list[Feature]:
    """The features a Homeroom bot runs with."""
    from bot.features import help, roles, setup
    from bot.features.prompts import commands as prompts
    from bot.features.prompts import discussions, series, suggestions

    return [
        help.FEATURE,
        setup.FEATURE,
        roles.FEATURE,
        series.FEATURE,
        prompts.FEATURE,
        suggestions.FEATURE,
        discussions.FEATURE,
    ]
