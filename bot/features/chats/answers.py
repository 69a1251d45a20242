"""Reading a live-chat message for the answers it files: pure, no database, no clock.

#PTChat participants write `A2: ...`, `a2 - ...`, `A2) ...`, `A 2 ...`, `A1/A2 ...` (one
answer to both questions) or `R2: ...` (Spanish *respuesta*), several on separate lines
of one message, or simply reply in the question's thread. What looks like an answer but
is someone else's words is not filed: a quote (`> A1 ...`, `"A1 ..."`), a retweet-style
repost (`RT @x: A1 ...`, `MT @x ...`), or a label glued to more letters or digits
(`R2-D2`, `A1C`, `a 2nd`). A label with nothing after it is no answer either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_QUESTION = 99  # Q1..Q99: more than any chat asks; bigger numbers are not labels

# Markdown emphasis or a bullet a label may hide behind: "**A1:**", "_A1_", "- A1".
_LEAD = r"[\s*_~•·]*"
# A label: A or R (any case), a number, no letter or digit glued after it. The spaced
# form "A 2" needs a capital or a separator, so that "a 2 hour drive" is no answer.
_ONE = (
    r"(?:[AaRr]\d{1,2}"
    r"|[AR]\s\d{1,2}(?=\s*[:.)\-–—]|\s+\S)"
    r"|[ar]\s\d{1,2}(?=\s*[:)\-–—]))"
)
_MORE = r"(?:\s*(?:/|&|,|\+|\band\b|\by\b)\s*(?:[AaRr]\s?)?\d{1,2})*"
_LABEL = re.compile(
    rf"^{_LEAD}(?P<label>{_ONE}{_MORE})(?![^\W_]|[@#]|[-–]\w)[*_~]*\s*(?P<sep>[:.)\-–—]+)?[*_~]*\s*(?P<body>.*)$",
    re.DOTALL,
)
_NUMBERS = re.compile(r"\d{1,2}")
# Another's words reposted: quotes and retweet forms.
_QUOTED = re.compile(r"^\s*(?:>|&gt;|[\"“”«„'‘])")
_REPOST = re.compile(r"^\s*(?:RT|MT|QT)\b\s*[:@]?", re.IGNORECASE)
# A second label mid-line, after a sentence ends: "A1: Reading. A2: Less TV."
_INLINE = re.compile(r"(?<=[.!?])\s+(?=(?:[AaRr]\d{1,2})\s*[:)])")
# A mention the answer is addressed to, before the label: "<@U123> A2: yes!".
_MENTIONS = re.compile(r"^\s*(?:<@!?[\w.-]+(?:\|[^>]*)?>\s*|@[\w.-]+\s+)+")


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer found in a message: the questions it answers and its words."""

    questions: tuple[int, ...]
    text: str


def labelled(text: str) -> list[Answer]:
    """The answers a message labels (`A2: ...`), in order; [] when it labels none."""
    if _QUOTED.match(text) or _REPOST.match(text):
        return []
    text = _MENTIONS.sub("", text, count=1)
    found: list[Answer] = []
    for part in _parts(text):
        answer = _one(part)
        if answer is None:
            if not found:
                return []  # the message does not open with a label: conversation
            # A line with no label continues the answer above it.
            last = found.pop()
            found.append(Answer(last.questions, f"{last.text}\n{part.strip()}".strip()))
            continue
        found.append(answer)
    return [a for a in found if a.text]


def in_thread(text: str, question: int) -> list[Answer]:
    """A message posted in question `question`'s thread: what it labels, if it labels
    anything, else the whole message answers that question (quotes and reposts never)."""
    found = labelled(text)
    if found:
        return found
    if _QUOTED.match(text) or _REPOST.match(text) or not text.strip():
        return []
    return [Answer((question,), text.strip())]


def _parts(text: str) -> list[str]:
    """Lines, and sentences that start a new label mid-line ("... A2: ...")."""
    parts: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts.extend(p for p in _INLINE.split(line) if p.strip())
    return parts


def _one(part: str) -> Answer | None:
    match = _LABEL.match(part)
    if match is None:
        return None
    label = match["label"]
    numbers = tuple(dict.fromkeys(int(n) for n in _NUMBERS.findall(label)))
    if not numbers or any(not 1 <= n <= MAX_QUESTION for n in numbers):
        return None
    return Answer(numbers, match["body"].strip())
