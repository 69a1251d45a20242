"""A digest's content, shaped for reading and independent of how it is shown: its
questions in order, each with its answers (optionally grouped by perspective), the
credit each answer carries, which answers the group valued, and the links people shared.

Shaping walks every item once and gives the event loop a turn every `YIELD_EVERY`
items, so a digest of twenty thousand replies never holds up anyone's button press.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.features.digests.store import Digest, ItemRow, TopicRow

YIELD_EVERY = 250
# How many answers of a question the group's reactions may highlight (ties included):
# what it valued, never a ranking of who said it.
VALUED = 3
# Only web addresses become links: `javascript:` or `data:` never match.
_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}»”’'\""
# A liaison speaks from the school; every other member (organizers are parent leaders
# too) from the families' side.
SCHOOL_ROLES = frozenset({"liaison"})


@dataclass(frozen=True, slots=True)
class Entry:
    number: int
    text: str
    credit: str | None  # a name or initials; None: not credited (or anonymous)
    link: str | None
    valued: bool


@dataclass(frozen=True, slots=True)
class Group:
    # "parents", "school" or "unsigned" (anonymous) when grouped by role; else None
    perspective: str | None
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class Section:
    label: str
    text: str
    link: str | None
    groups: tuple[Group, ...]


@dataclass(frozen=True, slots=True)
class SharedLink:
    url: str
    where: str  # the question's label, its place in a week ("3"), or "" for one thread


@dataclass(frozen=True, slots=True)
class Shaped:
    digest: Digest
    sections: tuple[Section, ...]
    links: tuple[SharedLink, ...]
    answers: int

    @property
    def valued(self) -> bool:
        """Whether any answer is highlighted (so the legend is shown)."""
        return any(e.valued for s in self.sections for g in s.groups for e in g.entries)


def links_in(text: str) -> list[str]:
    """The http(s) addresses in a member's text, without the punctuation after them."""
    return [m.group(0).rstrip(_TRAILING) for m in _URL.finditer(text)]


def safe_link(url: str | None) -> str | None:
    """`url` only when it is an http(s) address (a link back to a message)."""
    if url and _URL.fullmatch(url.strip()):
        return url.strip()
    return None


def _threshold(reactions: Sequence[int]) -> int | None:
    """The fewest reactions an answer needs to be highlighted; None when none had any."""
    ranked = sorted((r for r in reactions if r > 0), reverse=True)
    return ranked[min(VALUED, len(ranked)) - 1] if ranked else None


async def shape(
    digest: Digest,
    topics: Sequence[TopicRow],
    items: Sequence[ItemRow],
    credits: Mapping[str, str | None],
    *,
    keep_dropped: bool = False,
) -> Shaped:
    """The digest's content. Dropped items are left out (shown only with `keep_dropped`,
    which nothing published uses)."""
    by_topic: dict[int, list[ItemRow]] = {t.position: [] for t in topics}
    for item in items:
        if (keep_dropped or not item.dropped) and item.topic in by_topic:
            by_topic[item.topic].append(item)
    sections: list[Section] = []
    shared: dict[str, SharedLink] = {}
    seen = 0
    for order, topic in enumerate(topics, 1):
        kept = by_topic[topic.position]
        least = _threshold([i.reactions for i in kept])
        # Where a shared link was said: its question's label, or its place in a week.
        where = topic.label or (str(order) if len(topics) > 1 else "")
        entries: dict[str | None, list[Entry]] = {}
        for item in kept:
            seen += 1
            if seen % YIELD_EVERY == 0:
                await asyncio.sleep(0)
            credit = credits.get(item.author_id) if item.author_id else None
            perspective = None
            if digest.group_by == "role" and item.author_id is None:
                perspective = "unsigned"  # no side: a role could point at the writer
            elif digest.group_by == "role":
                perspective = "school" if item.role in SCHOOL_ROLES else "parents"
            entries.setdefault(perspective, []).append(
                Entry(
                    number=item.number,
                    text=item.text,
                    credit=credit,
                    link=safe_link(item.link),
                    valued=least is not None and item.reactions >= least,
                )
            )
            for url in links_in(item.text):
                shared.setdefault(url, SharedLink(url, where))
        order_of = ("parents", "school", "unsigned") if digest.group_by == "role" else (None,)
        groups = tuple(Group(p, tuple(entries[p])) for p in order_of if p in entries)
        sections.append(Section(topic.label, topic.text, safe_link(topic.link), groups))
    return Shaped(digest, tuple(sections), tuple(shared.values()), seen)
