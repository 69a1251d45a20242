"""A digest as plain text, in parts that each fit a platform's message limit.

Plain text first: it is what the console shows, what Slack notifies with, and what
reads well anywhere (a bold heading per question, one line per answer, the credit after
an em dash, a link back after ↗). Parts break between lines, never inside an answer
unless a single answer is longer than a whole message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bot.features.digests import words
from bot.features.digests.shape import Entry, Shaped
from bot.i18n import Translator
from bot.render import bold, italic

YIELD_EVERY = 250


def _entry(entry: Entry, *, numbered: bool) -> str:
    text = entry.text.strip().replace("\n", "\n  ")
    line = "• "
    if numbered:
        line += f"[{entry.number}] "
    if entry.valued:
        line += "★ "
    line += text
    if entry.credit:
        line += f" — {entry.credit}"
    if entry.link:
        line += f" ↗ {entry.link}"
    return line


async def lines(shaped: Shaped, ts: Sequence[Translator], zone: str, *, draft: bool) -> list[str]:
    """The digest line by line; an empty string is a blank line."""
    d = shaped.digest
    out = [
        "📝 " + bold(words.titled(ts, d)),
        " · ".join(
            (
                words.said(ts, words.KINDS.get(d.kind, words.KINDS["discussion"])),
                words.day(ts, d.started_at, zone),
                words.answers(ts, shaped.answers),
            )
        ),
    ]
    if draft:
        out.append(words.said(ts, words.DRAFT))
    if shaped.valued:
        out.append(words.said(ts, words.VALUED))
    done = 0
    for section in shaped.sections:
        out.append("")
        head = bold(f"{section.label}. {section.text}" if section.label else section.text)
        out.append(head + (f" ↗ {section.link}" if section.link else ""))
        if not section.groups:
            out.append(words.said(ts, words.NO_ANSWERS))
        for group in section.groups:
            if group.perspective:
                out.append(italic(words.said(ts, words.PERSPECTIVES[group.perspective])))
            for entry in group.entries:
                out.append(_entry(entry, numbered=draft))
                done += 1
                if done % YIELD_EVERY == 0:
                    await asyncio.sleep(0)
    if shaped.links:
        out += ["", bold(words.said(ts, words.LINKS))]
        out += [
            f"• {link.url}" + (f" ({link.where})" if link.where else "") for link in shaped.links
        ]
    return out


async def split(all_lines: Sequence[str], limit: int, continued: str) -> list[str]:
    """The lines packed into parts of at most `limit` characters; each part after the
    first starts with `continued` and its number ("… (2/3)")."""
    room = limit - len(continued) - 12  # the continuation line and its " (99/99)\n"
    parts: list[list[str]] = [[]]
    size = 0
    for done, line in enumerate(all_lines, 1):
        if done % YIELD_EVERY == 0:
            await asyncio.sleep(0)
        pieces = [line[i : i + room] for i in range(0, len(line), room)] or [""]
        for piece in pieces:
            if parts[-1] and size + len(piece) + 1 > room:
                while parts[-1] and not parts[-1][-1]:
                    parts[-1].pop()  # no blank line at the end of a part
                parts.append([])
                size = 0
            if not parts[-1] and not piece:
                continue  # nor at its start
            parts[-1].append(piece)
            size += len(piece) + 1
    total = len(parts)
    texts = []
    for number, part in enumerate(parts, 1):
        body = "\n".join(part)
        texts.append(body if number == 1 else f"{continued} ({number}/{total})\n{body}")
    return texts


async def render(
    shaped: Shaped, ts: Sequence[Translator], zone: str, limit: int, *, draft: bool = False
) -> list[str]:
    """The digest as message texts of at most `limit` characters each."""
    title = words.titled(ts, shaped.digest, most=60)
    continued = bold(title) + ", " + words.said(ts, words.CONTINUED)
    return await split(await lines(shaped, ts, zone, draft=draft), limit, continued)
