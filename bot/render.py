"""Every message as plain text: the fallback where an adapter lacks a rich form, the
`text` Slack shows in notifications, and the console's plain transcript."""

from __future__ import annotations

import re

from bot.i18n import Translator
from bot.intents import Button, Form, FormField, Message

_MENTION = re.compile(r"<@!?([^>|]+)(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#([^>|]+)(?:\|([^>]*))?>")


def message_text(message: Message, *, with_buttons: bool = False) -> str:
    """Title, body, fields and footer as text; buttons as a numbered list if asked."""
    parts: list[str] = []
    if message.title:
        parts.append(f"*{message.title}*")
    parts.append(message.text)
    parts.extend(f"• {label}: {value}" for label, value in message.fields)
    if with_buttons and message.buttons:
        parts.append(numbered_buttons(message.buttons))
    if message.footer:
        parts.append(f"_{message.footer}_")
    return "\n".join(part for part in parts if part)


def numbered_buttons(buttons: tuple[Button, ...]) -> str:
    return "\n".join(f"  [{n}] {button.label}" for n, button in enumerate(buttons, 1))


def field_prompt(t: Translator, form: Form, field: FormField, step: int) -> str:
    """One question of a form asked as a conversation (forms fallback)."""
    lines = [f"{form.title} ({step}/{len(form.fields)}): {field.label}"]
    if field.choices:
        lines.append(t._("Choices: {choices}", choices=", ".join(c.label for c in field.choices)))
    if field.default:
        lines.append(t._("Send “-” to keep “{value}”.", value=field.default))
    elif not field.required:
        lines.append(t._("Send “-” to leave it empty."))
    lines.append(t._("Send “cancel” to stop."))
    return "\n".join(lines)


def plain_mentions(text: str) -> str:
    """`<@maria>` as `@maria` and `<#parents>` as `#parents`, for terminals."""
    text = _MENTION.sub(lambda m: "@" + (m.group(2) or m.group(1)), text)
    return _CHANNEL.sub(lambda m: "#" + (m.group(2) or m.group(1)), text)
