"""Core messages and forms as Discord content, embeds, buttons and modals, within
Discord's limits: 2,000 characters of content, 4,096 in an embed's description, 25
fields, 6,000 across embeds, 5 rows of 5 buttons, 100-character custom IDs, modals of
5 text inputs with 45-character labels.

Every message sets allowed_mentions: only members the core listed may be pinged, never
@everyone, @here or a role, whatever the text says.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.intents import Button, Form, Message
from bot.render import message_text

CONTENT_LIMIT = 2000
BUTTONS_PER_ROW, ROWS = 5, 5
FORM_PREFIX = "form|"
ACTION_SEPARATOR = "|"
_STYLES = {
    "default": discord.ButtonStyle.secondary,
    "primary": discord.ButtonStyle.primary,
    "danger": discord.ButtonStyle.danger,
}


def allowed_mentions(message: Message) -> discord.AllowedMentions:
    return discord.AllowedMentions(
        everyone=False,
        roles=False,
        replied_user=False,
        users=[discord.Object(id=int(m.id)) for m in message.mentions if m.id.isdigit()],
    )


def send_kwargs(message: Message) -> dict[str, Any]:
    """Arguments for `Messageable.send` / followups: content or an embed, buttons."""
    kwargs: dict[str, Any] = {"allowed_mentions": allowed_mentions(message)}
    if message.title or message.fields or message.footer:
        embed = discord.Embed(
            title=(message.title or "")[:256] or None, description=message.text[:4096] or None
        )
        for label, value in message.fields[:25]:
            embed.add_field(name=label[:256] or "-", value=value[:1024] or "-", inline=False)
        if message.footer:
            embed.set_footer(text=message.footer[:2048])
        kwargs["embed"] = embed
    else:
        kwargs["content"] = message.text[:CONTENT_LIMIT]
    if message.buttons:
        kwargs["view"] = buttons_view(message.buttons)
    return kwargs


def custom_id(button: Button) -> str:
    """The action and its record, so a click works after a restart with no stored view."""
    return f"{button.action_id}{ACTION_SEPARATOR}{button.value}"[:100]


def parse_custom_id(value: str) -> tuple[str, str]:
    action, _, record = value.partition(ACTION_SEPARATOR)
    return action, record


def buttons_view(buttons: tuple[Button, ...]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for index, button in enumerate(buttons[: BUTTONS_PER_ROW * ROWS]):
        view.add_item(
            discord.ui.Button(
                label=button.label[:80],
                custom_id=custom_id(button),
                style=_STYLES[button.style],
                row=index // BUTTONS_PER_ROW,
            )
        )
    return view


def form_modal(form: Form) -> discord.ui.Modal:
    """A modal of text inputs (choices are named in each placeholder)."""
    modal = discord.ui.Modal(
        title=form.title[:45], custom_id=f"{FORM_PREFIX}{form.form_id}"[:100], timeout=None
    )
    for field in form.fields[:5]:
        hint = field.label if len(field.label) > 45 else ""
        if field.choices:
            hint = " / ".join(c.value for c in field.choices)
        modal.add_item(
            discord.ui.TextInput(
                label=field.label[:45],
                custom_id=field.name,
                required=field.required,
                default=field.default,
                placeholder=hint[:100] or None,
                style=discord.TextStyle.paragraph
                if field.kind == "long_text"
                else discord.TextStyle.short,
                max_length=1000,
            )
        )
    return modal


def modal_values(data: dict[str, Any]) -> dict[str, str]:
    """A submitted modal's answers, by field name."""
    values: dict[str, str] = {}
    for row in data.get("components", []):
        for component in row.get("components", [row.get("component", {})]):
            if component.get("custom_id"):
                values[component["custom_id"]] = component.get("value") or ""
    return values


def plain_text(message: Message) -> str:
    return message_text(message)[:CONTENT_LIMIT]
