"""The core's command specs as Discord application commands (the JSON Discord stores).

Each root (`help`, `setup`, `role` ...) is one command; a root with several paths gets
subcommands (`role grant`). Options keep their types, choices, ranges and autocomplete
(where the option declares a completer: the core asks the feature for suggestions); names
and descriptions carry Spanish localizations from the catalog; organizer commands are
hidden behind Manage Server by default and are still checked in the core.

discord.py's CommandTree wants one typed Python callback per command. Our commands are
data, so we register this JSON ourselves and route every interaction through one
handler (adapter.py), which is what keeps the adapter a translator.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from typing import Any

from bot.commands import CommandSpec, Option, choice_labels, option_word
from bot.directory import Role
from bot.i18n import Translator, translator

MANAGE_GUILD = 1 << 5
SUB_COMMAND = 1
MESSAGE_COMMAND = 3  # an application command's type: a message's context menu
OPTION_TYPES = {
    "str": 3,
    "text": 3,
    "choice": 3,
    "weekday": 3,
    "time": 3,
    "date": 3,
    "dates": 3,
    "duration": 3,
    "days": 3,  # "90d", "6 months": read by the core, bounds included
    "timezone": 3,
    "languages": 3,
    "int": 4,
    "bool": 5,
    "member": 6,
    "channel": 7,
    "number": 10,
}
# Discord's locales for each catalog we ship, beyond the default (English).
DISCORD_LOCALES = {"es": ("es-ES", "es-419")}


def _localized(text: str) -> dict[str, str]:
    if not text:
        return {}
    found: dict[str, str] = {}
    for language, locales in DISCORD_LOCALES.items():
        translated = translator(language)._(text)
        if translated != text:
            found.update(dict.fromkeys(locales, translated[:100]))
    return found


def _named(name: str, localize: Callable[[Translator], str]) -> dict[str, str]:
    """A name as each language shows it; Discord still sends back the one we declared."""
    found: dict[str, str] = {}
    for language, locales in DISCORD_LOCALES.items():
        translated = localize(translator(language))
        if translated != name:
            found.update(dict.fromkeys(locales, translated))
    return found


def _option(option: Option) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": OPTION_TYPES[option.type],
        "name": option.name,
        "description": option.description[:100],
        "required": option.required,
    }
    if localized := _localized(option.description):
        payload["description_localizations"] = localized
    if localized := _localized_words(option_word, option):
        payload["name_localizations"] = localized
    if option.type in ("choice", "weekday"):
        payload["choices"] = _choices(option)
    elif option.completer is not None:  # the feature suggests; the core asks it
        payload["autocomplete"] = True
    if option.between is not None and option.type == "number":  # Discord bounds numbers only
        payload["min_value"], payload["max_value"] = option.between
    if option.type == "channel":
        payload["channel_types"] = [0, 5, 15]  # text, announcement, forum
    return payload


def _localized_words(word: Callable[[Option, Translator], str], option: Option) -> dict[str, str]:
    """The option's name as each catalog's readers type it, where it differs."""
    found: dict[str, str] = {}
    for language, locales in DISCORD_LOCALES.items():
        translated = word(option, translator(language))
        if translated != option.name:
            found.update(dict.fromkeys(locales, translated[:32]))
    return found


def _choices(option: Option) -> list[dict[str, Any]]:
    """Choices with their words in each reader's language (the value stays the same)."""
    english = choice_labels(option, translator("en"))[:25]
    choices: list[dict[str, Any]] = [{"name": c.label[:100], "value": c.value} for c in english]
    for language, locales in DISCORD_LOCALES.items():
        for choice, local in zip(
            choices, choice_labels(option, translator(language)), strict=False
        ):
            if local.label != choice["name"]:
                names = choice.setdefault("name_localizations", {})
                names.update(dict.fromkeys(locales, local.label[:100]))
    return choices


def _ordered(options: Iterable[Option]) -> list[dict[str, Any]]:
    # Discord wants required options before optional ones.
    listed = list(options)
    return [_option(o) for o in listed if o.required] + [
        _option(o) for o in listed if not o.required
    ]


def application_commands(specs: Iterable[CommandSpec]) -> list[dict[str, Any]]:
    """Slash commands for every root, subcommands where a root has several paths."""
    by_root: dict[str, list[CommandSpec]] = {}
    for spec in specs:
        by_root.setdefault(spec.root, []).append(spec)
    commands = []
    for root, group in by_root.items():
        single = len(group) == 1 and group[0].path == root
        description = (
            group[0].description
            if single
            else f"{root}: " + ", ".join(s.path.split()[-1] for s in group)
        )
        command: dict[str, Any] = {"type": 1, "name": root[:32], "description": description[:100]}
        if single and (localized := _localized(group[0].description)):
            command["description_localizations"] = localized
        if single:
            command["options"] = _ordered(group[0].options)
        else:
            command["options"] = [
                {
                    "type": SUB_COMMAND,
                    # A root that is a command too (`ask`, beside `ask list`) is its own
                    # subcommand: `/ask ask`; `invoked_path` reads it back as `ask`.
                    "name": spec.path.split()[-1][:32],
                    "description": spec.description[:100],
                    **(
                        {"description_localizations": loc}
                        if (loc := _localized(spec.description))
                        else {}
                    ),
                    "options": _ordered(spec.options),
                }
                for spec in group
            ]
        if all(spec.role is not Role.PARENT for spec in group):
            command["default_member_permissions"] = str(MANAGE_GUILD)
        command["contexts"] = [0]  # in servers, where communities live
        commands.append(command)
    for spec in specs_with_actions(by_root):
        menu: dict[str, Any] = {
            "type": MESSAGE_COMMAND,
            "name": spec.message_action[:32],
            "contexts": [0],
        }
        if localized := _localized(spec.message_action):
            menu["name_localizations"] = {k: v[:32] for k, v in localized.items()}
        commands.append(menu)
    return commands


def specs_with_actions(by_root: dict[str, list[CommandSpec]]) -> list[CommandSpec]:
    return [spec for group in by_root.values() for spec in group if spec.message_action]


def message_action_path(specs: Iterable[CommandSpec], name: str) -> str:
    """The command a message context-menu command named `name` runs ('' if none)."""
    return next((s.path for s in specs if s.message_action[:32] == name), "")


def invoked_target(data: dict[str, Any]) -> tuple[str, str]:
    """The message a context-menu command was run on: its ID and its text."""
    target = str(data.get("target_id", ""))
    message = (data.get("resolved", {}).get("messages", {}) or {}).get(target, {})
    return target, str(message.get("content", ""))


def invoked_target_author(data: dict[str, Any]) -> str:
    """Who wrote the message a context-menu command was run on (their user ID)."""
    target = str(data.get("target_id", ""))
    message = (data.get("resolved", {}).get("messages", {}) or {}).get(target, {})
    return str((message.get("author") or {}).get("id", ""))


def fingerprint(commands: list[dict[str, Any]]) -> str:
    """Changes exactly when what Discord must store changes; syncing is skipped otherwise."""
    return hashlib.sha256(json.dumps(commands, sort_keys=True).encode()).hexdigest()


def invoked_path(data: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The core command path and raw option values of an application-command interaction.

    Members and channels arrive as IDs; they are given to the core in the same mention
    form text commands use (`<@id>`, `<#id>`), so one parser serves every platform.
    """
    path = [data["name"]]
    options = data.get("options", [])
    while options and options[0].get("type") == SUB_COMMAND:
        if options[0]["name"] != path[-1]:  # `/ask ask` is the command `ask`
            path.append(options[0]["name"])
        options = options[0].get("options", [])
    values: dict[str, str] = {}
    for option in options:
        value = option.get("value")
        if option.get("type") == 6:
            values[option["name"]] = f"<@{value}>"
        elif option.get("type") == 7:
            values[option["name"]] = f"<#{value}>"
        elif isinstance(value, bool):
            values[option["name"]] = "yes" if value else "no"
        else:
            values[option["name"]] = str(value)
    return " ".join(path), values


def focused_option(data: dict[str, Any]) -> tuple[str, str] | None:
    """The option being typed in an autocomplete interaction, and what is typed so far."""
    options = data.get("options", [])
    while options and options[0].get("type") == SUB_COMMAND:
        options = options[0].get("options", [])
    for option in options:
        if option.get("focused"):
            return option["name"], str(option.get("value", ""))
    return None
