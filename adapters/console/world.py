"""The console's pretend platform: a demo community with channels, members, messages,
threads and direct messages. It stands where Slack's or Discord's servers would, so
it lives in memory like any platform's state does from the bot's point of view."""

from __future__ import annotations

import itertools
import json
from dataclasses import asdict, dataclass, field

from bot.i18n import N_
from bot.intents import Button

PLATFORM = "console"
COMMUNITY = "demo"


@dataclass(frozen=True)
class Character:
    name: str
    role: str
    locale: str
    is_admin: bool = False


CAST = (
    Character("dana", N_("organizer (runs the parent group)"), "en", is_admin=True),
    Character("sam", N_("school staff (family liaison to be)"), "en"),
    Character("maria", N_("parent (reads Spanish)"), "es"),
    Character("lee", N_("parent"), "en"),
)
CHANNELS = ("parents", "liaisons")
KEPT_MESSAGES = 500
PRIVATE_CHANNELS = ("liaisons",)  # for school staff only


@dataclass
class ConsoleMessage:
    id: str
    channel: str
    author: str
    text: str
    thread: str | None = None


@dataclass(frozen=True)
class ShownButton:
    """A button on a card on screen: `owner` alone sees it (None: everyone in `channel`).
    `message` is the card's own number where it has one (a post), so pressing the button
    tells the core which card to update; `thread` is where the card stands."""

    owner: str | None
    channel: str
    button: Button
    message: str | None = None
    thread: str | None = None
    # One choice of a menu (a `Select` shown as numbered choices): up to `menu_max` of the
    # same menu may be pressed at once (`:press 2 5`), and go as one pick.
    menu_max: int = 0


@dataclass
class World:
    messages: dict[str, ConsoleMessage] = field(default_factory=dict)
    inbox: dict[str, list[str]] = field(default_factory=dict)
    buttons: dict[int, ShownButton] = field(default_factory=dict)
    locales: dict[str, str] = field(default_factory=lambda: {c.name: c.locale for c in CAST})
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _button_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    # Set when a message was added since the world was last kept (`dump`).
    changed: bool = False

    def show_buttons(
        self,
        owner: str | None,
        channel: str,
        buttons: tuple[Button, ...],
        message: str | None = None,
        thread: str | None = None,
        menu: tuple[int, int] = (0, 0),
    ) -> int:
        """Number the buttons of a card shown; the first number, as the card shows it.
        `menu` is (how many of the buttons, at the end, are a menu's choices; how many
        of those may be chosen together)."""
        first = 0
        choices, most = menu
        for index, button in enumerate(buttons):
            number = next(self._button_ids)
            first = first or number
            in_menu = most if index >= len(buttons) - choices else 0
            self.buttons[number] = ShownButton(owner, channel, button, message, thread, in_menu)
        return first or 1

    def character(self, name: str) -> Character | None:
        return next((c for c in CAST if c.name == name), None)

    def add_message(
        self, channel: str, author: str, text: str, thread: str | None
    ) -> ConsoleMessage:
        message = ConsoleMessage(str(next(self._ids)), channel, author, text, thread)
        self.messages[message.id] = message
        self.changed = True
        return message

    def dump(self, keep: int = KEPT_MESSAGES) -> str:
        """The newest `keep` messages as JSON, kept across restarts like a platform keeps
        its history: `:reply` still reaches an earlier run's prompt, and a new message
        never reuses an old one's number (a discussion is keyed by its prompt's). Direct
        messages are not kept: in Homeroom's database they would tie a member to what they
        asked anonymously (tests/features/rights/test_console_audit.py)."""
        self.changed = False
        newest = sorted(self.messages.values(), key=lambda m: int(m.id))[-keep:]
        return json.dumps([asdict(m) for m in newest])

    def load(self, dumped: str) -> None:
        """Take back what `dump` kept; numbering goes on after the highest number."""
        for row in json.loads(dumped):
            message = ConsoleMessage(**row)
            self.messages[message.id] = message
        highest = max((int(i) for i in self.messages), default=0)
        self._ids = itertools.count(highest + 1)
