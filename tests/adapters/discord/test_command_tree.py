"""The command tree Discord stores shows options and choices in the member's language."""

import re
from typing import Any

from adapters.discord.commands import application_commands
from bot.testing import declared_features

TREE = application_commands([s for f in declared_features() for s in f.commands])


def _options(command: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """Each command's (or subcommand's) own options."""
    options = command.get("options", [])
    if options and options[0]["type"] == 1:
        return [sub.get("options", []) for sub in options]
    return [options]


def test_spanish_discord_shows_spanish_option_names_and_day_names() -> None:
    [prompt] = [c for c in TREE if c["name"] == "prompt"]
    [schedule] = [s for s in prompt["options"] if s["name"] == "schedule"]
    [weekday] = [o for o in schedule["options"] if o["name"] == "weekday"]
    assert weekday["name_localizations"] == {"es-ES": "día", "es-419": "día"}
    assert [(c["value"], c["name_localizations"]["es-419"]) for c in weekday["choices"]] == [
        ("mon", "lunes"),
        ("tue", "martes"),
        ("wed", "miércoles"),
        ("thu", "jueves"),
        ("fri", "viernes"),
        ("sat", "sábado"),
        ("sun", "domingo"),
    ]


def test_localized_option_names_are_valid_and_distinct_in_each_command() -> None:
    for command in TREE:
        for options in _options(command):
            for locale in ("es-ES", "es-419"):
                names = [o.get("name_localizations", {}).get(locale, o["name"]) for o in options]
                assert len(set(names)) == len(names), (command["name"], names)
                assert all(re.fullmatch(r"[-_\w]{1,32}", n) and n == n.lower() for n in names)
