"""Office hours in and out of words: the days a liaison types (`mon-fri`, `lun-vie`,
`mon,wed,fri`) and how hours and times away read, in the reader's language and zone."""

from __future__ import annotations

import re
from datetime import datetime

from bot.commands import CommandError, Option, convert_value
from bot.features.office_hours.calendar import Away, OfficeHours
from bot.i18n import N_, WEEKDAY_CODES, Translator, translator
from bot.refs import ConversationRef
from bot.settings import SUPPORTED_LANGUAGES

# One day, read as the `weekday` option reads it: English or the reader's language,
# short or long, with or without accents ("mié", "miercoles", "Wednesday").
_DAY = Option("days", "weekday", "")
# Between two days: a range ("mon-fri", "lunes a viernes"); filler between days.
_RANGE = re.compile(r"\s*[-–—]\s*")
_RANGE_WORDS = frozenset({"to", "through", "thru", "till", "until", "a", "al", "hasta"})
_FILLER = frozenset({"and", "y", "e", "&"})


def _examples(t: Translator) -> dict[str, str]:
    mon, wed, fri = (t.choice(code) for code in ("mon", "wed", "fri"))
    return {"range": f"{mon}-{fri}", "list": f"{mon},{wed},{fri}"}


def _day(word: str, where: ConversationRef, t: Translator) -> int:
    """A day's number from its name in the reader's language, English, or any language
    we ship (a liaison may type `lun-vie` whatever their platform speaks)."""
    for language in dict.fromkeys((t.language, *SUPPORTED_LANGUAGES)):
        try:
            code = convert_value(_DAY, word, where, translator(language))
        except CommandError:
            continue
        assert isinstance(code, str)
        return WEEKDAY_CODES.index(code)
    raise CommandError(
        N_("I don't know the day “{value}”. Write the days like {range} or {list}."),
        {"value": word, **_examples(t)},
        "days",
    )


def _joins(word: str) -> bool:
    return word == "-" or word.lower() in _RANGE_WORDS


def _span(first: int, last: int) -> set[int]:
    """Every day from `first` to `last`, going round the week ("fri-mon": 4 days)."""
    return {(first + step) % 7 for step in range((last - first) % 7 + 1)}


def parse_days(text: str, where: ConversationRef, t: Translator) -> frozenset[int]:
    """The days in `text` (0 = Monday): single days and ranges, separated by commas or
    spaces. A CommandError, kind and specific, for a word that is no day or for none."""
    spaced = _RANGE.sub(" - ", text.strip())
    words = [w for w in re.split(r"[\s,;/+]+", spaced) if w and w.lower() not in _FILLER]
    days: set[int] = set()
    at = 0
    while at < len(words):
        word = words[at]
        ranged = at + 2 < len(words) and _joins(words[at + 1])
        if _joins(word):
            raise CommandError(
                N_("I couldn't read the days in “{value}”. Write them like {range} or {list}."),
                {"value": text, **_examples(t)},
                "days",
            )
        if ranged:
            days |= _span(_day(word, where, t), _day(words[at + 2], where, t))
            at += 3
            continue
        days.add(_day(word, where, t))
        at += 1
    if not days:
        raise CommandError(
            N_("Please give at least one day, like {range} or {list}."),
            _examples(t),
            "days",
        )
    return frozenset(days)


def describe_days(days: frozenset[int], t: Translator) -> str:
    """ "Monday to Friday", "Monday, Wednesday, Friday", "every day": runs of three or
    more days read as a range."""
    if len(days) == 7:
        return t._("every day")
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(t._("{first} to {last}", first=t.weekday(run[0]), last=t.weekday(run[-1])))
        else:
            parts.extend(t.weekday(day) for day in run)
    return ", ".join(parts)


def describe_hours(hours: OfficeHours, t: Translator) -> str:
    """ "Monday to Friday, 08:00–15:30 (America/Chicago)": as set, in the liaison's zone."""
    return t._(
        "{days}, {opens}–{closes} ({zone})",
        days=describe_days(hours.days, t),
        opens=hours.opens.strftime("%H:%M"),
        closes=hours.closes.strftime("%H:%M"),
        zone=hours.timezone,
    )


def describe_away(away: Away, now: datetime, t: Translator, timezone: str) -> str:
    """A time away, in the reader's zone, with its backup."""
    values = {
        "starts": t.when(away.starts, timezone),
        "until": t.when(away.until, timezone),
        "zone": timezone,
        "backup": f"<@{away.backup}>",
    }
    if away.starts <= now:
        if away.backup:
            return t._("Away now, until {until} ({zone}); {backup} is the backup.", **values)
        return t._("Away now, until {until} ({zone}).", **values)
    if away.backup:
        return t._("Away from {starts} until {until} ({zone}); {backup} is the backup.", **values)
    return t._("Away from {starts} until {until} ({zone}).", **values)
