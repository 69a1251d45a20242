"""How the console shows things: rich panels in a terminal, plain lines when piped."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import TextIO

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from bot.intents import Button, Message
from bot.render import message_text, plain_mentions

WELCOME = """\
Welcome to Homeroom's console community: a pretend school group where you can try
everything with no account. You are one of the members below; switch with :as NAME.

  Commands go to Homeroom:   /homeroom help   (or homeroom help, or /help)
  Anything else is a message in the channel you are in.

  :as NAME          act as dana, sam, maria or lee
  :in CHANNEL       move to #parents or #liaisons
  :reply N TEXT     reply in the thread of message N
  :react N EMOJI    react to message N
  :press N          press button N on the last card you were shown
  :dm               read your direct messages
  :next             jump ahead in time to the next scheduled prompt
  :who              who is here     :help   this text     :quit   leave
"""


class View:
    """Writes to the terminal; everything a member reads passes through `show`."""

    def __init__(self, out: TextIO | None = None, *, rich: bool | None = None) -> None:
        stream = out or sys.stdout
        self.rich = stream.isatty() if rich is None else rich
        self._console = Console(
            file=stream, highlight=False, soft_wrap=not self.rich, no_color=not self.rich
        )

    def line(self, text: str, style: str = "") -> None:
        if self.rich:
            self._console.print(Text(text, style=style))
        else:
            self._console.print(text, markup=False)

    def show(self, heading: str, message: Message, *, style: str = "cyan") -> None:
        body = plain_mentions(message_text(message))
        buttons = _buttons(message.buttons)
        if self.rich:
            # In a terminal, the title is bold and the footer dim, not *marked* up.
            content = Text()
            if message.title:
                content.append(plain_mentions(message.title) + "\n", style="bold")
            content.append(plain_mentions(message_text(replace(message, title=None, footer=None))))
            if message.footer:
                content.append("\n" + plain_mentions(message.footer), style="dim italic")
            if buttons:
                content.append("\n\n" + buttons, style="bold")
            self._console.print(
                Panel(content, title=heading, title_align="left", border_style=style)
            )
            return
        self.line(heading)
        for row in (body + ("\n" + buttons if buttons else "")).splitlines():
            self.line("    " + row)

    def welcome(self, cast: list[str]) -> None:
        if self.rich:
            self._console.print(
                Panel(WELCOME + "\n" + "\n".join(cast), title="Homeroom", border_style="green")
            )
        else:
            self.line("Homeroom console community (type :help for the console commands).")


def _buttons(buttons: tuple[Button, ...]) -> str:
    return "  ".join(f"[{n}] {b.label}" for n, b in enumerate(buttons, 1)) + (
        "   (:press N)" if buttons else ""
    )
