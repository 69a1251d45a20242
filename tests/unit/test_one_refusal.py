"""One way to say "organizers only": the text lives in one place, which the core's role
checks and any feature use, and the catalog holds it once."""

from pathlib import Path

from bot.context import ROLE_NEEDED, needs_role
from bot.directory import Role
from bot.i18n import translator

ROOT = Path(__file__).resolve().parents[2]


def test_the_refusal_for_a_missing_role_is_written_once() -> None:
    for role, words in ((Role.ORGANIZER, "Only organizers can"), (Role.LIAISON, "Only school")):
        assert ROLE_NEEDED[role].startswith(words)
        holders = [
            path.relative_to(ROOT).as_posix()
            for folder in ("bot", "adapters")
            for path in sorted((ROOT / folder).rglob("*.py"))
            if words in path.read_text(encoding="utf-8")
        ]
        assert holders == ["bot/context.py"], role
        catalog = (ROOT / "bot/i18n/homeroom.pot").read_text(encoding="utf-8")
        assert catalog.count(f'msgid "{words}') + catalog.count(f'msgid ""\n"{words}') == 1


def test_each_reader_gets_the_refusal_in_their_language() -> None:
    assert needs_role(Role.ORGANIZER, translator("en")) == ROLE_NEEDED[Role.ORGANIZER]
    assert needs_role(Role.LIAISON, translator("es")) != ROLE_NEEDED[Role.LIAISON]
