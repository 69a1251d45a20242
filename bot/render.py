"""Every message as plain text: the fallback where an adapter lacks a rich form, the
`text` Slack shows in notifications, and the console's plain transcript."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from bot.i18n import Translator, translator
from bot.intents import OFFER, Button, Form, FormField, Message

# The longest shared post every platform we serve takes whole (Discord's 2,000 characters
# of content), so a post in several languages never loses its last language to a cut.
SHARED_POST_LIMIT = 2000
ELLIPSIS = "…"

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


def question_count(form: Form, step: int) -> int:
    """How many questions a dialogue asks, as the member sees it at question `step`: up
    to the offer of the optional ones (`OFFER`), and all of them once they asked for
    them one by one."""
    offer = next((n for n, f in enumerate(form.fields, 1) if f.name == OFFER), None)
    return offer if offer is not None and step <= offer else len(form.fields)


def field_prompt(t: Translator, form: Form, field: FormField, step: int) -> str:
    """One question of a form asked as a conversation (forms fallback)."""
    lines = [f"{form.title} ({step}/{question_count(form, step)}): {field.label}"]
    if field.name == OFFER:
        lines.append(
            t._(
                "Send “ok” to go ahead as it is, or “more” to answer the other questions "
                "one by one."
            )
        )
    if field.choices:
        lines.append(t._("Choices: {choices}", choices=", ".join(c.label for c in field.choices)))
    if field.default:
        # A choice's value as its label reads ("sí", "al-cerrar"), never its code.
        shown = next((c.label for c in field.choices if c.value == field.default), field.default)
        lines.append(t._("Send “-” to keep “{value}”.", value=shown))
    elif not field.required:
        lines.append(t._("Send “-” to leave it empty."))
    lines.append(t._("Send “cancel” to stop."))
    return "\n".join(lines)


def plain_mentions(text: str) -> str:
    """`<@maria>` as `@maria` and `<#parents>` as `#parents`, for terminals."""
    text = _MENTION.sub(lambda m: "@" + (m.group(2) or m.group(1)), text)
    return _CHANNEL.sub(lambda m: "#" + (m.group(2) or m.group(1)), text)


def in_languages(
    languages: Sequence[str],
    compose: Callable[[Translator], Message],
    limit: int = SHARED_POST_LIMIT,
) -> Message:
    """One shared post for a group that reads several languages.

    `compose` writes the post for one reader's language. With one language that is the
    post. With several, each language's version stands one under the other in the
    community's order, in one message (so a prompt keeps one thread), each trimmed to
    its share of `limit` so that every language arrives whole on every platform. Text
    the versions share (a prompt the group wrote itself) is shown once. Polls, chats and
    digests post through this too.
    """
    readers = list(dict.fromkeys(translator(code).language for code in languages)) or ["en"]
    versions = [compose(translator(code)) for code in readers]
    if len(versions) == 1:
        return versions[0]
    separator = "\n\n"
    share = (limit - len(separator) * (len(versions) - 1)) // len(versions)
    blocks: list[str] = []
    shown: set[str] = set()
    for version in versions:
        text = "" if version.text in shown else version.text
        shown.add(version.text)
        body = message_text(
            Message(text=text, title=version.title, fields=version.fields, footer=version.footer)
        )
        blocks.append(_trim(body, share))
    return Message(
        text=separator.join(blocks),
        buttons=_merged_buttons(versions),
        mentions=tuple(dict.fromkeys(m for v in versions for m in v.mentions)),
    )


def _trim(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word end and marked with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + ELLIPSIS


def _merged_buttons(versions: Sequence[Message]) -> tuple[Button, ...]:
    """One button per action, labelled in every language ("Accept / Aceptar")."""
    first = versions[0].buttons
    merged: list[Button] = []
    for index, button in enumerate(first):
        labels = [v.buttons[index].label for v in versions if index < len(v.buttons)]
        label = " / ".join(dict.fromkeys(labels))
        merged.append(Button(label, button.action_id, button.value, button.style))
    return tuple(merged)
