"""Which language an FAQ entry is written in, when its writer does not say.

An English-reading organizer pasting the Spanish version of an entry filed it as `[en]`,
so Spanish searches never found it ("Nada en español todavía"). The rule an organizer
expects: in a group that reads more than one language, the entry is filed under the
language its words are in — counted by the little words each language cannot write
without (articles, prepositions, pronouns) and the marks only Spanish uses (¿ ¡ ñ);
a tie, or a group of one language, keeps the writer's own. `language=` always wins.
"""

from __future__ import annotations

import re

# Words common in one language and not written in the other (no "a", "no", "me", ...).
_MARKERS: dict[str, frozenset[str]] = {
    "en": frozenset(
        [
            "the",
            "and",
            "of",
            "is",
            "are",
            "to",
            "what",
            "when",
            "where",
            "who",
            "how",
            "does",
            "do",
            "can",
            "will",
            "for",
            "with",
            "your",
            "you",
            "my",
            "our",
            "at",
            "this",
            "that",
            "it",
            "be",
            "from",
            "there",
            "which",
            "about",
        ]
    ),
    "es": frozenset(
        [
            "el",
            "la",
            "los",
            "las",
            "y",
            "de",
            "del",
            "que",
            "qué",
            "es",
            "son",
            "un",
            "una",
            "unos",
            "unas",
            "para",
            "por",
            "con",
            "su",
            "sus",
            "mi",
            "cuándo",
            "cuando",
            "dónde",
            "donde",
            "quién",
            "cómo",
            "como",
            "hay",
            "está",
            "están",
            "puede",
            "se",
            "al",
            "lo",
            "nuestra",
            "nuestro",
            "muy",
            "también",
        ]
    ),
}
_SPANISH_MARKS = re.compile(r"[¿¡ñÑ]")
_WORD = re.compile(r"[^\W\d_]+")


def guessed(text: str, readable: tuple[str, ...], writer: str) -> str:
    """The language of `text` among the group's `readable` ones; `writer`'s own when
    the group reads one language or the words do not tell."""
    if len(readable) < 2:
        return writer
    words = [w.lower() for w in _WORD.findall(text)]
    scores = {
        language: sum(w in _MARKERS[language] for w in words)
        for language in readable
        if language in _MARKERS
    }
    if "es" in scores:
        scores["es"] += len(_SPANISH_MARKS.findall(text))
    if not scores:
        return writer
    best = max(scores.values())
    leaders = [language for language, score in scores.items() if score == best]
    if best == 0 or len(leaders) > 1:
        return writer
    return leaders[0]
