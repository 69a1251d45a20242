"""A group's digests as one Markdown file and one self-contained HTML page, rendered by
Jinja2 templates with autoescaping: member text is always escaped, and only http(s)
addresses ever become links, so `<script>` or a `javascript:` link written by a member
is shown as text and never runs. The page makes no request of its own (inline CSS, no
images, scripts or fonts, and a Content-Security-Policy that forbids them anyway),
reads on a phone, and prints."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from bot.features.digests import words
from bot.features.digests.shape import Shaped, links_in
from bot.i18n import Translator

if TYPE_CHECKING:
    from jinja2 import Environment

_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
# Characters Markdown reads as formatting or links, backslash-escaped in member text.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")


@dataclass(frozen=True, slots=True)
class Page:
    """What the templates are given: the group's name, its digests, and its words."""

    channel: str
    language: str
    digests: Sequence[Shaped]
    ts: Sequence[Translator]
    zone: str


def linkify(text: str) -> Markup:
    """Member text as HTML: everything escaped, and each http(s) address an anchor."""
    out: list[str] = []
    last = 0
    urls = set(links_in(text))
    for match in _URL.finditer(text):
        url = match.group(0)
        trimmed = next((u for u in urls if url.startswith(u)), url)
        out.append(str(escape(text[last : match.start()])))
        out.append(
            f'<a href="{escape(trimmed)}" rel="nofollow noopener noreferrer">{escape(trimmed)}</a>'
        )
        last = match.start() + len(trimmed)
    out.append(str(escape(text[last:])))
    return Markup("".join(out))


def markdown_text(text: str) -> Markup:
    """Member text for Markdown: HTML-escaped (a renderer shows `<script>` as text) and
    Markdown's own syntax escaped (no `[x](javascript:...)` link can form); line breaks
    kept as Markdown line breaks."""
    escaped = _MARKDOWN.sub(r"\\\1", str(escape(" ".join(text.split(" ")))))
    return Markup(escaped.replace("\n", "  \n  "))


@cache
def _environment() -> Environment:
    # Jinja2 (~40 ms and 9 MB at start) is loaded the first time a digest is exported.
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("bot.features.digests", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["linkify"] = linkify
    env.filters["md"] = markdown_text
    return env


def _context(page: Page) -> dict[str, object]:
    ts = page.ts

    def said(message: str, **values: object) -> str:
        return words.said(ts, message, **values)

    return {
        "page": page,
        "words": words,
        "said": said,
        "title": lambda d: words.titled(ts, d),
        "kind": lambda d: said(words.KINDS.get(d.kind, words.KINDS["discussion"])),
        "day": lambda d: words.day(ts, d.started_at, page.zone),
        "answers": lambda n: words.answers(ts, n),
    }


def markdown(page: Page) -> str:
    return _environment().get_template("digests.md.j2").render(_context(page))


def html(page: Page) -> str:
    return _environment().get_template("digests.html.j2").render(_context(page))
