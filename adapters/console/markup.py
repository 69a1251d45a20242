"""Chat markup as a terminal shows it, and a member's text made inert for a terminal.

The core writes messages the way chat platforms mark them up (`<@dana>`, `<#liaisons>`,
`*bold*`, `_italic_`, `` `code` ``). A terminal has no such markup: here mentions become
names, and emphasis becomes a style in a live terminal or plain words in a piped
transcript. Any text may quote what a member typed, so control characters (escape
sequences that could move the cursor, retitle the window or hide text) and bidi
overrides (that could reorder what is shown) are made visible and harmless first.
"""

from __future__ import annotations

import re

from rich.text import Text

# C0 controls but tab and newline, DEL, C1 controls, the bidi marks, embeddings,
# overrides and isolates, and lone surrogates (no terminal can be sent those): shown as
# their code, never sent to the terminal.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def inert(text: str) -> str:
    """`text` with every character that could steer a terminal shown as its code."""
    return _UNSAFE.sub(_visible, text)


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return "^" + chr(code + 0x40)  # ESC as ^[, as terminals print them
    return f"<U+{code:04X}>"


# One pattern for everything that is marked up; the first alternative that matches wins.
_MARKUP = re.compile(
    r"<@!?(?P<member>[^>|\s]+)(?:\|(?P<member_name>[^>]*))?>"
    r"|<#(?P<channel>[^>|\s]+)(?:\|(?P<channel_name>[^>]*))?>"
    r"|<!(?P<special>[a-z]+)(?:\|[^>]*)?>"
    r"|<(?P<link>(?:https?|mailto):[^>|\s]+)(?:\|(?P<link_label>[^>]*))?>"
    r"|```\n?(?P<block>.+?)\n?```"
    r"|`(?P<code>[^`\n]+)`"
    r"|(?<![\w*])\*(?P<bold>[^*\s](?:[^*\n]*[^*\s])?)\*(?![\w*])"
    r"|(?<![\w_])_(?P<italic>[^_\s](?:[^_\n]*[^_\s])?)_(?![\w_])"
    r"|(?<![\w~])~(?P<strike>[^~\s](?:[^~\n]*[^~\s])?)~(?![\w~])",
    re.S,
)

_STYLES = {
    "member": "bold",
    "channel": "bold",
    "special": "bold",
    "link": "underline",
    "block": "dim",
    "code": "dim",
    "bold": "bold",
    "italic": "italic",
    "strike": "strike",
}


def styled(text: str, style: str = "") -> Text:
    """Marked-up `text` as styled terminal text: names, bold, italic, dim code."""
    shown = Text(style=style)
    text = inert(text)
    at = 0
    for match in _MARKUP.finditer(text):
        shown.append(text[at : match.start()])
        kind, words = _part(match)
        inner = styled(words) if kind in ("bold", "italic", "strike") else Text(words)
        inner.stylize(_STYLES[kind])
        shown.append_text(inner)
        at = match.end()
    shown.append(text[at:])
    return shown


def plain(text: str) -> str:
    """Marked-up `text` as the plain words a transcript shows."""
    return styled(text).plain


def _part(match: re.Match[str]) -> tuple[str, str]:
    """Which kind of markup matched, and the words to show for it."""
    found = match.groupdict()
    if found["member"]:
        return "member", "@" + (found["member_name"] or found["member"])
    if found["channel"]:
        return "channel", "#" + (found["channel_name"] or found["channel"])
    if found["special"]:
        return "special", "@" + found["special"]
    if found["link"]:
        label = found["link_label"]
        return "link", f"{label} ({found['link']})" if label else found["link"]
    kind = next(k for k in ("block", "code", "bold", "italic", "strike") if found[k] is not None)
    return kind, found[kind]
