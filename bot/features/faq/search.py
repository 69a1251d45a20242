"""Searching published FAQ entries with the database's own full-text engine.

No ranking is written here: SQLite ranks by FTS5's `bm25` (the question counts twice
the answer) and PostgreSQL by `ts_rank` over a tsvector whose question words weigh A
and answer words B. Both fold accents ("inscripcion" finds "inscripción" and the other
way round) and search one language at a time, the reader's, so PostgreSQL parses the
words with that language's configuration (its stemming and stop words).

The member's words become an OR of words: an entry with more of them, rarer ones, in
its question, ranks first, and a long question still finds an entry that shares only
its key words. SQLite has no stop words of its own, so the commonest words of each
language are dropped from the query first (an entry is not "relevant" for sharing
"the"); PostgreSQL's configurations drop their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.commands import fold

MAX_WORDS = 32  # a whole question is welcome; a pasted page is cut to its first words

_WORD = re.compile(r"[^\W_]+")
_CONFIGS = {"es": "spanish"}  # else english: the configurations migration 0020 indexes


def _listed(words: str) -> frozenset[str]:
    return frozenset(words.split())


# The commonest words, folded: what SQLite's FTS5 (which has no stop words) must not
# rank by. PostgreSQL's english and spanish configurations have their own lists.
STOP_WORDS = {
    "en": _listed(
        "a about am an and any are as at be been but by can could did do does doing for from "
        "get got had has have he her his how i if in into is it its me my no not of on or our "
        "she should so than that the their them then there these they this those to up us "
        "was we were what when where which who why will with would you your"
    ),
    "es": _listed(
        "a al algo como con cual cuales cuando de del donde el ella ellas ellos en era es esa "
        "ese eso esta estan este esto fue ha hay la las le les lo los mas me mi mis muy no nos "
        "o para pero por que quien se sea ser si sin sobre son su sus te tengo ti tiene tu tus "
        "un una uno unos unas y ya yo"
    ),
}


@dataclass(frozen=True, slots=True)
class FaqHit:
    """One published entry that matched, best first in a list of them."""

    entry_id: int
    question: str
    answer: str
    topic: str | None
    grade: str | None
    language: str


def query_words(words: str, language: str) -> list[str]:
    """The member's words worth searching for, folded, in order, each once."""
    stop = STOP_WORDS.get(language, STOP_WORDS["en"])
    found = (fold(w) for w in _WORD.findall(words))
    return list(dict.fromkeys(w for w in found if w not in stop))[:MAX_WORDS]


async def search(
    conn: AsyncConnection,
    community_id: int,
    words: str,
    language: str,
    *,
    topic: str | None = None,
    grade: str | None = None,
    limit: int = 5,
) -> list[FaqHit]:
    """Published entries of the community in `language` matching `words`, most relevant
    first, at most `limit`; none when no word is worth searching for."""
    terms = query_words(words, language)
    if not terms or limit <= 0:
        return []
    values: dict[str, Any] = {
        "community": community_id,
        "language": language,
        "limit": limit,
    }
    filters = ""
    if topic:
        filters += " AND e.topic = :topic"
        values["topic"] = topic
    if grade:
        filters += " AND e.grade = :grade"
        values["grade"] = grade
    if conn.dialect.name == "postgresql":
        values["config"] = _CONFIGS.get(language, "english")
        values["query"] = " | ".join(terms)
        statement = (
            "SELECT e.id, e.question, e.answer, e.topic, e.grade, e.language "
            "FROM faq_entries e, "
            "to_tsquery(CAST(:config AS regconfig), homeroom_fold(:query)) AS q "
            "WHERE e.community_id = :community AND e.language = :language "
            f"AND e.search_doc @@ q{filters} "
            "ORDER BY ts_rank(e.search_doc, q) DESC, e.id LIMIT :limit"
        )
    else:
        # Each word quoted: FTS5 then reads it as a word, never as an operator.
        values["query"] = " OR ".join(f'"{t}"' for t in terms)
        statement = (
            "SELECT e.id, e.question, e.answer, e.topic, e.grade, e.language "
            "FROM faq_search JOIN faq_entries e ON e.id = faq_search.rowid "
            "WHERE faq_search MATCH :query AND e.community_id = :community "
            f"AND e.language = :language{filters} "
            "ORDER BY bm25(faq_search, 2.0, 1.0), e.id LIMIT :limit"
        )
    rows = await conn.execute(text(statement), values)
    return [FaqHit(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]
