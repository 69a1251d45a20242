"""The digest's own words (headings, notes), in every language of the group at once:
"Links shared / Enlaces compartidos". Members' answers are never translated."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.features.digests.store import Digest
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
# Before a title that reads the same for everyone: "Digest / Resumen: <title>".
DIGEST = N_("Digest")
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


def week_span(digest: Digest) -> tuple[date, date] | None:
    """A week's first and last days, which its title keeps as dates ("2026-09-07/
    2026-09-13"; older drafts kept "2026-09-07 – 2026-09-13"), or None for a title that
    is words (a chat's or a discussion's)."""
    if digest.kind != "week":
        return None
    for separator in ("/", " – "):
        first, found, last = digest.title.partition(separator)
        if found:
            try:
                return date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
            except ValueError:
                return None
    return None


def title_in(t: Translator, digest: Digest, most: int | None = None) -> str:
    """The digest's title as this reader reads it: a week's days in their language
    ("7–13 de septiembre"), any other title as it was written (cut to `most`)."""
    span = week_span(digest)
    title = digest.title if span is None else t.days(*span)
    if most is not None and len(title) > most:
        title = title[: most - 1].rstrip() + "…"
    return title


def titled(ts: Sequence[Translator], digest: Digest, most: int | None = None) -> str:
    """ "Digest: …" in each reader's language, each said once. A title that reads the
    same for every reader (words an organizer wrote, or a chat's day already written in
    each of the group's languages) comes once, after the word in each language: "Digest
    / Resumen: Live chat of … / Chat en vivo …", never the whole title twice."""
    titles = [(t, title_in(t, digest, most)) for t in ts]
    if len(ts) > 1 and len({title for _, title in titles}) == 1:
        return " / ".join(dict.fromkeys(t._(DIGEST) for t in ts)) + ": " + titles[0][1]
    return " / ".join(dict.fromkeys(t._(TITLE, title=title) for t, title in titles))
