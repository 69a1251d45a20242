"""Every string a person reads goes through here (gettext catalogs via Babel).

The `.po` files are the only source: they are compiled in memory when first used, so a
stale `.mo` can never ship. English is the source language; `es` ships complete and a
test fails when any marked string lacks a Spanish translation.
"""

from __future__ import annotations

import io
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from bot.settings import SUPPORTED_LANGUAGES

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "homeroom"


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

    def _(self, message: str, /, **values: object) -> str:
        text = self._catalog.gettext(message)
        return text.format(**values) if values else text

    def pgettext(self, context: str, message: str, /) -> str:
        return str(self._catalog.pgettext(context, message))

    def ngettext(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        text = self._catalog.ngettext(singular, plural, n)
        return text.format(n=n, **values)

    def when(self, instant: datetime, timezone: str) -> str:
        """A moment as the reader would say it, in their own time zone."""
        local = instant.astimezone(ZoneInfo(timezone))
        return format_datetime(local, "EEEE d MMMM, HH:mm", locale=self.language)

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
