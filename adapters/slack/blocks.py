"""Core messages and forms as Block Kit, within Slack's limits, and modal answers back.

Limits that shape this: 50 blocks a message (a longer one is sent as several messages,
`message_parts`), 3,000 characters a section, 10 fields a
section, 25 elements an actions block, 75 characters a button label, a modal title of
24 characters, action IDs unique within a block (so the button's position is
appended to its action ID and stripped again on the way in), 100 options a select menu
(more are split over several menus, each with its own action ID), and 2,000 characters of
an image's alt text.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.fallbacks import split_text
from bot.intents import Button, Form, FormField, Message, Select
from bot.render import bold, message_text

MAX_BLOCKS = 50
SECTION_CHARS = 3000
FIELDS_PER_SECTION = 10
BUTTONS_PER_BLOCK = 25
OPTIONS_PER_SELECT = 100
FORM_CALLBACK = "homeroom.form"
_POSITION = "#"

_BROADCAST = re.compile(r"<!(channel|here|everyone|subteam\^[^>]*)(\|[^>]*)?>", re.I)


def neutralise(text: str) -> str:
    """Make `<!channel>`, `<!here>`, `<!everyone>` and group pings inert: the bot never
    pings everyone because of text someone wrote."""
    return _BROADCAST.sub(lambda m: "&lt;!" + m.group(1) + "&gt;", text)


# Every text object is made by one of these two, so no field (header, section, fields,
# context, button, modal title, label, hint, option) can carry a broadcast ping.
def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": neutralise(text or " ")[:limit], "emoji": True}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": neutralise(text or " ")}


def message_blocks(message: Message, image_file: str | None = None) -> list[dict[str, Any]]:
    """Blocks for a message; its `text` fallback is `fallback_text(message)`. Its image is
    shown from `image_file` (the ID of the file it was uploaded as), else its alt text
    stands in."""
    blocks: list[dict[str, Any]] = []
    if message.title:
        blocks.append({"type": "header", "text": _plain(message.title, 150)})
    blocks.extend(
        {"type": "section", "text": _mrkdwn(chunk)}
        for chunk in split_text(message.text, SECTION_CHARS)
    )
    for start in range(0, len(message.fields), FIELDS_PER_SECTION):
        fields = message.fields[start : start + FIELDS_PER_SECTION]
        blocks.append(
            {
                "type": "section",
                "fields": [_mrkdwn(f"{bold(label)}\n{value}"[:2000]) for label, value in fields],
            }
        )
    for start in range(0, len(message.buttons), BUTTONS_PER_BLOCK):
        row = message.buttons[start : start + BUTTONS_PER_BLOCK]
        blocks.append(
            {"type": "actions", "elements": [_button(b, start + i) for i, b in enumerate(row)]}
        )
    if message.select is not None:
        blocks.extend(select_blocks(message.select))
    if message.image is not None:
        if image_file is not None:
            blocks.append(
                {
                    "type": "image",
                    "slack_file": {"id": image_file},
                    "alt_text": neutralise(message.image.alt)[:2000] or " ",
                }
            )
        else:
            blocks.append({"type": "context", "elements": [_mrkdwn(message.image.alt)]})
    if message.footer:
        blocks.append({"type": "context", "elements": [_mrkdwn(message.footer)]})
    return blocks


def select_blocks(select: Select) -> list[dict[str, Any]]:
    """A menu in an actions block: `static_select` for one choice, else
    `multi_static_select` with `max_selected_items`; over 100 options, several menus."""
    blocks: list[dict[str, Any]] = []
    for start in range(0, len(select.options), OPTIONS_PER_SELECT):
        chunk = select.options[start : start + OPTIONS_PER_SELECT]
        element: dict[str, Any] = {
            "type": "static_select" if select.max_values <= 1 else "multi_static_select",
            "action_id": f"{select.action_id}{_POSITION}s{start}",
            "placeholder": _plain(select.placeholder, 150),
            "options": [{"text": _plain(c.label, 75), "value": c.value[:150]} for c in chunk],
        }
        if select.max_values > 1:
            element["max_selected_items"] = min(select.max_values, len(chunk))
        blocks.append({"type": "actions", "elements": [element]})
    return blocks


def chosen_values(action: dict[str, Any]) -> str:
    """What an action carries: a button's value, or the menu's choices, one a line."""
    if action.get("value") is not None:
        return str(action["value"])
    if "selected_options" in action:
        return "\n".join(str(o.get("value", "")) for o in action["selected_options"] or [])
    return str((action.get("selected_option") or {}).get("value", ""))


def message_parts(
    message: Message, image_file: str | None = None
) -> list[tuple[str, list[dict[str, Any]]]]:
    """The message as one or more Slack messages of at most MAX_BLOCKS blocks each, each
    with its fallback text: nothing past the 50th block is dropped."""
    all_blocks = message_blocks(message, image_file)
    chunks = [all_blocks[i : i + MAX_BLOCKS] for i in range(0, len(all_blocks), MAX_BLOCKS)]
    if len(chunks) <= 1:
        return [(fallback_text(message), all_blocks)]
    return [(fallback_text(message), chunks[0])] + [(_text_of(c), c) for c in chunks[1:]]


def _text_of(blocks: list[dict[str, Any]]) -> str:
    """A part's own fallback text: the (already neutralised) text of its blocks."""
    texts: list[str] = []
    for block in blocks:
        for element in (block.get("text"), *block.get("fields", ()), *block.get("elements", ())):
            if isinstance(element, dict) and element.get("type") in {"mrkdwn", "plain_text"}:
                texts.append(element["text"])
    return "\n".join(texts)[:3000] or " "


def fallback_text(message: Message) -> str:
    """The notification and accessibility text Slack shows where blocks are not."""
    text = message_text(message)
    if message.image is not None:
        text += "\n" + message.image.alt
    return neutralise(text)[:3000]


def _button(button: Button, position: int) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": _plain(button.label, 75),
        "action_id": f"{button.action_id}{_POSITION}{position}",
        "value": button.value[:2000],
    }
    if button.style != "default":
        element["style"] = button.style
    return element


def action_id_of(slack_action_id: str) -> str:
    """The core's action ID, without the position that keeps Slack's unique."""
    return slack_action_id.rsplit(_POSITION, 1)[0]


def modal(form: Form, *, channel: str, thread: str | None) -> dict[str, Any]:
    """A modal view for a form; where it was opened travels in private_metadata."""
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "private_metadata": json.dumps(
            {"form_id": form.form_id, "channel": channel, "thread": thread}
        ),
        "title": _plain(form.title, 24),
        "submit": _plain(form.submit_label, 24),
        "blocks": [_input(field) for field in form.fields],
    }


def _input(field: FormField) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": field.name,
        "optional": not field.required,
        "label": _plain(field.label, 2000),
        "element": _element(field),
        **({"hint": _plain(field.hint, 2000)} if field.hint else {}),
    }


def _element(field: FormField) -> dict[str, Any]:
    default = field.default
    if field.choices:
        options = [{"text": _plain(c.label, 75), "value": c.value} for c in field.choices[:100]]
        element: dict[str, Any] = {
            "type": "static_select",
            "action_id": "value",
            "options": options,
        }
        initial = next((o for o in options if o["value"] == default), None)
        if initial:
            element["initial_option"] = initial
        return element
    if field.kind == "member":
        element = {"type": "users_select", "action_id": "value"}
        if default and (found := re.match(r"<@([^>|]+)", default)):
            element["initial_user"] = found.group(1)
        return element
    if field.kind == "channel":
        element = {"type": "conversations_select", "action_id": "value"}
        if default and (found := re.match(r"<#([^>|]+)", default)):
            element["initial_conversation"] = found.group(1)
        return element
    element = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": field.kind == "long_text",
    }
    if default:
        element["initial_value"] = default
    return element


def submitted_values(state: dict[str, Any]) -> dict[str, str]:
    """A modal's answers as the text the core parses (members as <@U>, channels as <#C>)."""
    values: dict[str, str] = {}
    for block_id, actions in state.get("values", {}).items():
        answer = actions.get("value", {})
        kind = answer.get("type")
        if kind == "static_select":
            chosen = answer.get("selected_option") or {}
            values[block_id] = chosen.get("value", "")
        elif kind == "users_select":
            values[block_id] = (
                f"<@{answer['selected_user']}>" if answer.get("selected_user") else ""
            )
        elif kind == "conversations_select":
            picked = answer.get("selected_conversation")
            values[block_id] = f"<#{picked}>" if picked else ""
        else:
            values[block_id] = answer.get("value") or ""
    return values


HOME_BLOCKS = 100  # a Home tab is one view: Slack allows it 100 blocks


def home_view(message: Message) -> dict[str, Any]:
    return {"type": "home", "blocks": message_blocks(message)[:HOME_BLOCKS]}
