"""Core messages and forms as Discord content, embeds, buttons and modals, within
Discord's limits: 2,000 characters of content, 4,096 in an embed's description, 25
fields, 6,000 across embeds, 5 rows of 5 buttons, 100-character custom IDs, modals of
5 text inputs with 45-character labels. A select menu takes a row of its own and at most
25 options (more are split over several menus); its placeholder takes 150 characters, an
option's label and value 100 each. An image goes as an attachment that the embed shows
(`attachment://chart.png`).

Every message sets allowed_mentions: only members the core listed may be pinged, never
@everyone, @here or a role, whatever the text says.
"""

from __future__ import annotations

import base64
import io
import re
from typing import Any

import discord

from bot.intents import Button, Form, Message, Select
from bot.render import message_text

CONTENT_LIMIT = 2000
BUTTONS_PER_ROW, ROWS = 5, 5
OPTIONS_PER_SELECT = 25
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


# The core writes chat markup as Slack does (bot.render): one `*` for bold, one `~` to
# strike. Discord reads `*x*` as italics and shows a lone `~` as it is, so both are
# rewritten; code is left exactly as written.
_CODE = re.compile(r"```.*?```|`[^`\n]+`", re.S)
_BOLD = re.compile(r"(?<![\w*])\*([^*\s](?:[^*\n]*[^*\s])?)\*(?![\w*])")
_STRIKE = re.compile(r"(?<![\w~])~([^~\s](?:[^~\n]*[^~\s])?)~(?![\w~])")


def discord_markup(text: str, limit: int | None = None) -> str:
    """`text`'s chat markup as Discord shows it: `*bold*` as `**bold**`, `~x~` as `~~x~~`.
    Where the longer marks would push `text` past `limit`, it is left as written: the
    core fitted it to the limit, and a cut end is worse than italics for bold."""
    parts: list[str] = []
    at = 0
    for code in _CODE.finditer(text):
        parts += [_rewritten(text[at : code.start()]), code.group()]
        at = code.end()
    parts.append(_rewritten(text[at:]))
    rewritten = "".join(parts)
    return text if limit is not None and len(rewritten) > limit else rewritten


def _rewritten(text: str) -> str:
    return _STRIKE.sub(r"~~\1~~", _BOLD.sub(r"**\1**", text))


def send_kwargs(message: Message) -> dict[str, Any]:
    """Arguments for `Messageable.send` / followups: content or an embed, buttons and a
    select menu, and the image as a file the embed shows."""
    kwargs: dict[str, Any] = {"allowed_mentions": allowed_mentions(message)}
    if message.title or message.fields or message.footer or message.image:
        embed = discord.Embed(
            title=(message.title or "")[:256] or None,
            description=discord_markup(message.text, 4096)[:4096] or None,
        )
        for label, value in message.fields[:25]:
            embed.add_field(
                name=label[:256] or "-",
                value=discord_markup(value, 1024)[:1024] or "-",
                inline=False,
            )
        if message.footer:
            embed.set_footer(text=message.footer[:2048])
        if message.image:
            image = message.image
            embed.set_image(url=f"attachment://{image.filename}")
            data = base64.b64decode(image.png_base64)
            kwargs["file"] = discord.File(
                io.BytesIO(data), filename=image.filename, description=image.alt[:1024]
            )
        kwargs["embed"] = embed
    else:
        kwargs["content"] = discord_markup(message.text, CONTENT_LIMIT)[:CONTENT_LIMIT]
    if message.attachment is not None:  # a file sent with the message (an export)
        attached = message.attachment
        files = [kwargs.pop("file")] if "file" in kwargs else []
        files.append(
            discord.File(
                io.BytesIO(base64.b64decode(attached.data_base64)),
                filename=attached.filename,
                description=attached.description[:1024] or None,
            )
        )
        kwargs["files"] = files
    if message.buttons or message.select:
        kwargs["view"] = components_view(message.buttons, message.select)
    return kwargs


def edit_kwargs(message: Message) -> dict[str, Any]:
    """Arguments for editing a posted message into `message`: what it no longer has
    (buttons once a poll closes, an embed, a picture) goes too."""
    kwargs = send_kwargs(message)
    file = kwargs.pop("file", None)
    kwargs["attachments"] = kwargs.pop("files", [file] if file is not None else [])
    kwargs.setdefault("content", None)
    kwargs.setdefault("embed", None)
    kwargs.setdefault("view", None)
    return kwargs


def custom_id(button: Button) -> str:
    """The action and its record, so a click works after a restart with no stored view."""
    return f"{button.action_id}{ACTION_SEPARATOR}{button.value}"[:100]


def parse_custom_id(value: str) -> tuple[str, str]:
    action, _, record = value.partition(ACTION_SEPARATOR)
    return action, record


def buttons_view(buttons: tuple[Button, ...]) -> discord.ui.View:
    return components_view(buttons, None)


def components_view(buttons: tuple[Button, ...], select: Select | None) -> discord.ui.View:
    """Buttons five a row, then the select menu's rows (one per 25 options): together at
    most five rows, so buttons give way to a menu."""
    view = discord.ui.View(timeout=None)
    menus = select_menus(select) if select is not None else []
    button_rows = ROWS - len(menus)
    for index, button in enumerate(buttons[: BUTTONS_PER_ROW * button_rows]):
        view.add_item(
            discord.ui.Button(
                label=button.label[:80],
                custom_id=custom_id(button),
                style=_STYLES[button.style],
                row=index // BUTTONS_PER_ROW,
            )
        )
    first_menu_row = min(button_rows, -(-len(buttons) // BUTTONS_PER_ROW))
    for offset, menu in enumerate(menus):
        menu.row = first_menu_row + offset
        view.add_item(menu)
    return view


def select_menus(select: Select) -> list[discord.ui.Select[Any]]:
    """A string select per 25 options (at most five), each with its own custom ID (the
    action, then the menu's position); a pick comes back as the chosen values."""
    menus: list[discord.ui.Select[Any]] = []
    for position, start in enumerate(range(0, len(select.options), OPTIONS_PER_SELECT)):
        if position >= ROWS:
            break
        chunk = select.options[start : start + OPTIONS_PER_SELECT]
        menus.append(
            discord.ui.Select(
                custom_id=f"{select.action_id}{ACTION_SEPARATOR}#{position}"[:100],
                placeholder=select.placeholder[:150] or None,
                min_values=1,
                max_values=max(1, min(select.max_values, len(chunk))),
                options=[
                    discord.SelectOption(label=c.label[:100] or "-", value=c.value[:100])
                    for c in chunk
                ],
            )
        )
    return menus


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
    return discord_markup(message_text(message), CONTENT_LIMIT)[:CONTENT_LIMIT]
