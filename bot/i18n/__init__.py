"""Every string a person reads goes through here (gettext catalogs via Babel).

The `.po` files are the only source: they are compiled in memory when first used, so a
stale `.mo` can never ship. English is the source language; `es` ships complete and a
test fails when any marked string lacks a Spanish translation.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, get_day_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from bot.settings import SUPPORTED_LANGUAGES

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "homeroom"

# A day as each language writes it in a sentence: "Tuesday 1 December", "martes 1 de
# diciembre" (Spanish writes day and month names in lower case, and Babel gives them so).
_DAY_PATTERNS = {"en": "EEEE d MMMM", "es": "EEEE d 'de' MMMM"}
# The same with the year, for a day in another year or far from today ("Friday 26 March
# 2027", "viernes 26 de marzo de 2027"): without it such a day reads as this year's.
_YEAR_PATTERNS = {"en": "EEEE d MMMM y", "es": "EEEE d 'de' MMMM 'de' y"}
# A span of days ("7–13 September", "31 August – 6 September"), the day and month of
# each end, with the year when either end needs it ("… 2027", "… de 2027").
_SPAN_PATTERNS = {"en": ("d MMMM", "d MMMM y"), "es": ("d 'de' MMMM", "d 'de' MMMM 'de' y")}
FAR = timedelta(days=183)  # about six months, before or after today

# What "today" is when a day is written: the app's injected clock (`use_clock`), so a
# test's fake clock decides whether a year is shown, as it decides everything else.
_now: list[Callable[[], datetime]] = [lambda: datetime.now(UTC)]


def use_clock(now: Callable[[], datetime]) -> None:
    """Write days relative to `now` (the app passes its clock's `now`)."""
    _now[0] = now


def shows_year(day: date, today: date) -> bool:
    """Whether `day` needs its year to be read right: another year, or ~6 months away."""
    return day.year != today.year or abs(day - today) > FAR


# The weekday codes commands take (`weekday=mon`), Monday first as `date.weekday()` counts.
WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def N_(message: str) -> str:
    """Mark a string for translation where it is defined; translate where it is shown."""
    return message


def NP_(context: str, message: str) -> str:
    """Mark a word with a context (`Translator.pgettext`): option names ("option") and
    choice words ("choice") are translated apart from sentences that use the same word."""
    return message


@cache
def _catalog(language: str) -> NullTranslations:
    po_path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


class Translator:
    """Translations for one language; formatting happens per call, never shared."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._catalog = _catalog(language)
        self._option_names: dict[str, str] = {}  # the catalog's, looked up once each

    def _(self, message: str, /, **values: object) -> str:
        text = self._catalog.gettext(message)
        return text.format(**self._shown(values)) if values else text

    def ngettext(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        text = self._catalog.ngettext(singular, plural, n)
        return text.format(n=n, **self._shown(values))

    def number(self, value: float | Decimal | int) -> str:
        """A number as the reader writes it: "16" not "16.0", "1.5" in English and
        "1,5" in Spanish (Babel's `format_decimal`, at most three decimals)."""
        return str(format_decimal(value, locale=self.language, group_separator=False))

    def _shown(self, values: dict[str, object]) -> dict[str, object]:
        """Fractional numbers put into a sentence are written for the reader (`number`),
        so a float can never show Python's "16.0" or an English decimal point in
        Spanish; whole numbers (`int`) and text go in as they are."""
        if not any(isinstance(v, float | Decimal) for v in values.values()):
            return values
        return {
            k: self.number(v) if isinstance(v, float | Decimal) else v for k, v in values.items()
        }

    def pgettext(self, context: str, message: str, /) -> str:
        """A word whose translation depends on where it stands (an option's name)."""
        return str(self._catalog.pgettext(context, message))

    def when(self, instant: datetime, timezone: str) -> str:
        """A moment as the reader would say it, in their own time zone (with the year
        when it is in another year or far off: see `shows_year`)."""
        zone = ZoneInfo(timezone)
        local = instant.astimezone(zone)
        pattern = self._pattern(local.date(), _now[0]().astimezone(zone).date())
        return format_datetime(local, f"{pattern}, HH:mm", locale=self.language)

    def day(self, day: date, today: date | None = None) -> str:
        """A calendar day as the reader would say it: "martes 1 de diciembre" (and "de
        2027" when it is in another year or far off: see `shows_year`)."""
        today = today or _now[0]().date()
        return format_date(day, self._pattern(day, today), locale=self.language)

    def days(self, first: date, last: date, today: date | None = None) -> str:
        """A span of days as the reader would write it: "7–13 September", "7–13 de
        septiembre", "31 August – 6 September"; the year as `day` shows it, once when
        both ends share it ("28 December 2026 – 3 January 2027" when they don't)."""
        today = today or _now[0]().date()
        plain, with_year = _SPAN_PATTERNS.get(self.language, _SPAN_PATTERNS["en"])
        year = shows_year(first, today) or shows_year(last, today)
        end = format_date(last, with_year if year else plain, locale=self.language)
        if first.year != last.year:
            return f"{format_date(first, with_year, locale=self.language)} – {end}"
        if first.month != last.month:
            return f"{format_date(first, plain, locale=self.language)} – {end}"
        if first == last:
            return end
        return f"{first.day}–{end}"

    def _pattern(self, day: date, today: date) -> str:
        if shows_year(day, today):
            return _YEAR_PATTERNS.get(self.language, _YEAR_PATTERNS["en"])
        return self._day_pattern

    def weekday(
        self, index: int, width: Literal["abbreviated", "narrow", "short", "wide"] = "wide"
    ) -> str:
        """Monday (0) to Sunday (6) by name, as written mid-sentence in the language."""
        return str(get_day_names(width, locale=self.language)[index])

    def option_name(self, name: str) -> str:
        """An option's name as this reader types it (`tema` for `topic` in Spanish)."""
        found = self._option_names.get(name)
        if found is None:
            found = self._option_names[name] = self.pgettext("option", name)
        return found

    def choice(self, value: str) -> str:
        """A choice's value as this reader types it: weekday codes are the language's
        short day names (`mar` for `tue`), other values come from the catalog."""
        if value in WEEKDAY_CODES:
            short = self.weekday(WEEKDAY_CODES.index(value), "abbreviated")
            return short.rstrip(".").lower()
        return self.pgettext("choice", value)

    @property
    def _day_pattern(self) -> str:
        return _DAY_PATTERNS.get(self.language, _DAY_PATTERNS["en"])

    def language_name(self, code: str) -> str:
        try:
            return str(Locale.parse(code).get_display_name(self.language) or code)
        except (ValueError, UnknownLocaleError):
            return code


@cache
def translator(language: str) -> Translator:
    """The translator for a supported language (unknown ones fall back to English)."""
    return Translator(language if language in SUPPORTED_LANGUAGES else "en")


def pick_language(*candidates: str | None, default: str = "en") -> str:
    """The first candidate we ship a catalog for: 'es-MX' and 'es_ES' both mean 'es'."""
    for candidate in candidates:
        if not candidate:
            continue
        base = candidate.replace("_", "-").split("-")[0].lower()
        if base in SUPPORTED_LANGUAGES:
            return base
    return default
