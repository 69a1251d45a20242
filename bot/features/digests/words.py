"""The digest's own words (headings, notes), in every language of the group at once:
"Links shared / Enlaces compartidos". Members' answers are never translated."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import N_, Translator, translator

KINDS = {
    "chat": N_("Live chat"),
    "discussion": N_("Prompt discussion"),
    "week": N_("A week of prompts"),
}
PERSPECTIVES = {
    "parents": N_("From parents"),
    "school": N_("From the school"),
    "unsigned": N_("Unsigned"),
}
TITLE = N_("Digest: {title}")
VALUED = N_("★ marks what the group valued most.")
LINKS = N_("Links shared")
DRAFT = N_("Draft: only organizers see this. Numbers in [ ] are for “digest drop”.")
CONTINUED = N_("continued")
NO_ANSWERS = N_("No answers here.")
ARCHIVE = N_("Digests of {channel}")
EMPTY_ARCHIVE = N_("No digest has been published here yet.")


def readers(languages: Sequence[str]) -> list[Translator]:
    """One translator per language the group reads, in the community's order."""
    codes = list(dict.fromkeys(translator(code).language for code in languages)) or ["en"]
    return [translator(code) for code in codes]


def said(ts: Sequence[Translator], message: str, **values: object) -> str:
    """`message` in each reader's language, joined, each said once."""
    return " / ".join(dict.fromkeys(t._(message, **values) for t in ts))


def answers(ts: Sequence[Translator], n: int) -> str:
    return " / ".join(dict.fromkeys(t.ngettext("{n} answer", "{n} answers", n) for t in ts))


def day(ts: Sequence[Translator], at: datetime, zone: str) -> str:
    """The day the conversation took place, as each reader writes it."""
    day = at.astimezone(ZoneInfo(zone)).date()
    return " / ".join(dict.fromkeys(t.day(day) for t in ts))
