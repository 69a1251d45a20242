"""Every string a member reads is translated; a missing Spanish entry fails here."""

import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, WEEKDAY_CODES, pick_language, translator
from bot.settings import SUPPORTED_LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "NP_": ((1, "c"), 2)}


def _source_messages() -> set[str | tuple[str, ...]]:
    return {message for message, _context in _source_entries()}


def _source_entries() -> set[tuple[str | tuple[str, ...], str | None]]:
    """Each marked message with its context (words marked with NP_ have one)."""
    found: set[tuple[str | tuple[str, ...], str | None]] = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        ROOT, method_map=[("bot/**.py", "python"), ("adapters/**.py", "python")], keywords=KEYWORDS
    ):
        found.add((message if isinstance(message, str) else tuple(message), context))
    return found


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", [lang for lang in SUPPORTED_LANGUAGES if lang != "en"])
def test_every_source_string_is_translated(language: str) -> None:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "homeroom.po").open("rb") as po:
        catalog = read_po(po, locale=language)
    missing, broken = [], []
    for message, context in sorted(_source_entries(), key=str):
        key = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(key, context=context)
        if entry is None or entry.fuzzy or not entry.string or not all(entry.string):
            missing.append(message)
            continue
        sources = message if isinstance(message, tuple) else (message,)
        targets = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if any(_fields(t) - _fields(" ".join(sources)) for t in targets):
            broken.append(message)
    assert missing == [], f"untranslated in {language} (run: python3 tasks.py messages)"
    assert broken == [], "translations use placeholders their source lacks"


@pytest.mark.parametrize("language", [lang for lang in SUPPORTED_LANGUAGES if lang != "en"])
def test_a_translation_quotes_with_the_same_marks_as_every_other_message(language: str) -> None:
    """What a member types is quoted “like this” everywhere, so one message's «ask»
    beside another's “ask” never reads as two kinds of thing."""
    with (LOCALES_DIR / language / "LC_MESSAGES" / "homeroom.po").open("rb") as po:
        catalog = read_po(po, locale=language)
    other_marks = [
        entry.id
        for entry in catalog
        if entry.id
        and any(
            mark in text
            for text in (entry.string if isinstance(entry.string, tuple) else (entry.string,))
            for mark in "«»„"
        )
    ]
    assert other_marks == []


def test_the_check_finds_source_strings() -> None:
    assert "Homeroom help" in _source_messages()


def test_spanish_plural_and_format() -> None:
    t = translator("es")
    assert t.ngettext("liaison", "liaisons", 2) == "enlaces escolares"
    assert t._("Help: {topic}", topic="role") == "Ayuda: role"


def test_times_are_shown_in_the_readers_zone() -> None:
    from datetime import UTC, datetime

    instant = datetime(2026, 3, 9, 0, 30, tzinfo=UTC)
    assert translator("en").when(instant, "America/New_York") == "Sunday 8 March, 20:30"
    assert translator("es").when(instant, "America/New_York") == "domingo 8 de marzo, 20:30"


def test_days_read_as_each_language_writes_them() -> None:
    from datetime import date

    assert translator("en").day(date(2026, 12, 1)) == "Tuesday 1 December"
    assert translator("es").day(date(2026, 12, 1)) == "martes 1 de diciembre"
    assert translator("es").weekday(2) == "miércoles"
    es = [translator("es").choice(code) for code in WEEKDAY_CODES]
    assert es == ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"]
    assert [translator("en").choice(code) for code in WEEKDAY_CODES] == list(WEEKDAY_CODES)


@pytest.mark.parametrize("language", [lang for lang in SUPPORTED_LANGUAGES if lang != "en"])
def test_every_option_name_and_choice_has_a_name_in_each_language(language: str) -> None:
    from bot.i18n.words import CHOICES
    from bot.testing import declared_features

    t = translator(language)
    options = {o.name for f in declared_features() for s in f.commands for o in s.options}
    untranslated = sorted(n for n in options if n != "id" and t.option_name(n) == n)
    assert untranslated == [], "add them to bot/i18n/words.py and translate them"
    assert [c for c in CHOICES if t.choice(c) == c] == []
    assert t.option_name("topic") == "tema"


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [(("es-MX",), "es"), (("es_ES",), "es"), ((None, "fr"), "en"), (("en-GB", "es"), "en")],
)
def test_pick_language(candidates: tuple[str | None, ...], expected: str) -> None:
    assert pick_language(*candidates) == expected


def test_a_day_in_another_year_or_far_off_shows_its_year() -> None:
    """Today is Monday 7 September 2026 (the fake clock): a day of another year, or
    more than about six months away, says its year, in each language."""
    from datetime import UTC, date, datetime

    en, es = translator("en"), translator("es")
    assert en.day(date(2027, 3, 26)) == "Friday 26 March 2027"
    assert es.day(date(2027, 3, 26)) == "viernes 26 de marzo de 2027"
    assert en.day(date(2027, 1, 4)) == "Monday 4 January 2027"  # next year, though near
    assert en.day(date(2026, 12, 31)) == "Thursday 31 December"
    assert en.day(date(2026, 3, 1)) == "Sunday 1 March 2026"  # over six months ago
    assert en.day(date(2026, 3, 9)) == "Monday 9 March"
    late = datetime(2027, 1, 2, 18, 0, tzinfo=UTC)
    assert en.when(late, "America/New_York") == "Saturday 2 January 2027, 13:00"
    assert es.when(late, "America/New_York") == "sábado 2 de enero de 2027, 13:00"
    # New Year's Eve in New York is already next year in UTC: the reader's zone decides.
    assert en.when(datetime(2027, 1, 1, 3, 0, tzinfo=UTC), "America/New_York") == (
        "Thursday 31 December, 22:00"
    )


def test_numbers_in_sentences_are_written_for_the_reader() -> None:
    """A float never shows Python's "16.0", and Spanish gets its decimal comma."""
    en, es = translator("en"), translator("es")
    one, many = "answer within {hours} working hour", "answer within {hours} working hours"
    assert en.ngettext(one, many, 2, hours=16.0) == "answer within 16 working hours"
    assert en.ngettext(one, many, 2, hours=1.5) == "answer within 1.5 working hours"
    assert es.ngettext(one, many, 2, hours=1.5) == "respuesta en 1,5 horas de trabajo"
    assert es.ngettext(one, many, 2, hours=16.0) == "respuesta en 16 horas de trabajo"
    assert en.number(2.25) == "2.25" and es.number(1000.5) == "1000,5"
