"""How the console shows things: rich panels in a terminal, plain lines when piped."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import TextIO

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from adapters.console.markup import inert, plain, styled
from bot.i18n import N_, Translator
from bot.intents import Button, Message
from bot.render import message_text

WELCOME = N_("""\
Welcome to Homeroom's console community: a pretend school group where you can try
everything with no account. You are one of the members below; switch with :as NAME.

  Commands go to Homeroom:   /homeroom help   (or homeroom help, or /help)
  Anything else is a message in the channel you are in.

  :as NAME          act as dana, sam, maria or lee
  :in CHANNEL       move to #parents or #liaisons
  :reply N TEXT     reply in the thread of message N
  :react N EMOJI    react to message N
  :press N          press button [N] on any card on screen (numbers run across cards)
  :on N COMMAND     run a command on message N, as a message's menu does (chat file)
  :dm               read your direct messages
  :dm TEXT          write to Homeroom privately (a reply to its direct messages)
  :next             jump ahead in time to the next timed thing (a prompt) and run it
  :who              who is here and their roles   :help  this text   :quit  leave

  In a form, answer one question per line; a line starting with / or : asks
  whether to leave the form first.
""")


class View:
    """Writes to the terminal; everything a member reads passes through here, made inert
    (no member's text can steer the terminal) and with chat markup shown as a terminal
    would: styles in a live terminal, plain words in a piped transcript."""

    def __init__(self, out: TextIO | None = None, *, rich: bool | None = None) -> None:
        stream = out or sys.stdout
        self.rich = stream.isatty() if rich is None else rich
        self._console = Console(
            file=stream,
            highlight=False,
            emoji=False,  # ":smile:" a member typed stays as typed
            soft_wrap=not self.rich,
            no_color=not self.rich,
        )

    def line(self, text: str, style: str = "") -> None:
        """A line of the console's own, or one a member typed: shown as it is, made inert."""
        self._print(Text(inert(text), style=style))

    def said(self, text: str, style: str = "") -> None:
        """A line of Homeroom's, marked up as chat: names, bold, italic, dim code."""
        self._print(styled(text, style))

    def _print(self, text: Text) -> None:
        if self.rich:
            self._console.print(text)
        else:
            self._console.print(text.plain, markup=False, highlight=False)

    def show(
        self, heading: str, message: Message, *, style: str = "cyan", first_button: int = 1
    ) -> None:
        buttons = _buttons(message.buttons, first_button)
        if self.rich:
            content = Text()
            if message.title:
                content.append_text(styled(message.title, "bold"))
                content.append("\n")
            content.append_text(styled(message_text(replace(message, title=None, footer=None))))
            if message.footer:
                content.append("\n")
                content.append_text(styled(message.footer, "dim italic"))
            if buttons:
                content.append("\n\n" + buttons, style="bold")
            self._console.print(
                Panel(content, title=Text(inert(heading)), title_align="left", border_style=style)
            )
            return
        self.line(heading)
        body = plain(message_text(message))
        for row in (body + ("\n" + buttons if buttons else "")).splitlines():
            self.line("    " + row)

    def welcome(self, cast: list[str], t: Translator) -> None:
        """The greeting, in the language of the member at the keyboard."""
        if self.rich:
            self._console.print(
                Panel(t._(WELCOME) + "\n" + "\n".join(cast), title="Homeroom", border_style="green")
            )
        else:
            self.line(t._("Homeroom console community (type :help for the console commands)."))


def _buttons(buttons: tuple[Button, ...], first: int) -> str:
    """Buttons numbered across every card shown, so any of them can be pressed."""
    return "  ".join(f"[{n}] {inert(b.label)}" for n, b in enumerate(buttons, first)) + (
        "   (:press N)" if buttons else ""
    )
