"""Console adapter: terminal lines -> core events, intents -> what the terminal shows.

Reads one action per line. In a terminal it draws rich panels; when standard input is
not a terminal it prints a plain transcript, so a scenario can be piped in and tested.
After each action it waits until Homeroom's answer is delivered, so the transcript
reads in order.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import uuid
from collections.abc import Callable

from adapters.console.view import WELCOME, View
from adapters.console.world import CAST, CHANNELS, COMMUNITY, PLATFORM, PRIVATE_CHANNELS, World
from bot.app import Homeroom
from bot.capabilities import UNLIMITED, Capabilities
from bot.clock import ShiftableClock
from bot.events import (
    Actor,
    CommandInvoked,
    ComponentSubmitted,
    Event,
    FormSubmitted,
    MessagePosted,
    ReactionAdded,
)
from bot.intents import DirectMessage, Ephemeral, Intent, OpenForm, Pin, Post, React, Update
from bot.people import PlatformMember
from bot.refs import ConversationRef, MemberRef

ROOT_COMMANDS = ("/homeroom ", "homeroom ")


class ConsoleAdapter:
    """The demo community's platform, and the person typing at it."""

    platform = PLATFORM
    capabilities = Capabilities(max_text=8000)
    limits = UNLIMITED

    def __init__(self, app: Homeroom, view: View | None = None) -> None:
        self.app = app
        self.view = view or View()
        self.world = World()
        self.me = "dana"
        self.channel = "parents"
        self._form_answers: dict[str, str] = {}

    async def can_post(self, channel: str) -> bool:
        return channel in CHANNELS

    async def channel_is_private(self, channel: str) -> bool | None:
        return channel in PRIVATE_CHANNELS

    async def find_member(self, community: str, user_id: str) -> PlatformMember | None:
        character = self.world.character(user_id)
        if character is None:
            return None
        locale = self.world.locales.get(character.name, character.locale)
        return PlatformMember(character.name, character.name, locale, character.is_admin)

    async def list_members(self, community: str) -> list[PlatformMember]:
        return [m for c in CAST if (m := await self.find_member(community, c.name))]

    # -- outbound: intents -> the terminal -------------------------------------------------
    async def deliver(self, intent: Intent) -> str | None:
        if isinstance(intent, Post):
            where = intent.to
            posted = self.world.add_message(
                where.channel, "Homeroom", intent.message.text, where.thread
            )
            self._remember_buttons(None, where.channel, intent)
            place = f"#{where.channel}" + (f" › thread {where.thread}" if where.thread else "")
            thread = f", opens a thread: :reply {posted.id} TEXT" if intent.opens_thread else ""
            self.view.show(f"{place} | Homeroom (message {posted.id}{thread})", intent.message)
            return posted.id
        if isinstance(intent, Ephemeral):
            self._remember_buttons(intent.member.id, intent.to.channel, intent)
            who = intent.member.id
            self.view.show(
                f"#{intent.to.channel} | Homeroom → {who} (only {who} sees this)",
                intent.message,
                style="yellow",
            )
            return None
        if isinstance(intent, DirectMessage):
            self.world.inbox.setdefault(intent.member.id, []).append(intent.message.text)
            self._remember_buttons(intent.member.id, "dm", intent)
            self.view.show(
                f"✉ Homeroom → {intent.member.id} (direct message)", intent.message, style="magenta"
            )
            return None
        if isinstance(intent, Update):
            self.view.show(
                f"#{intent.to.channel} | message {intent.to.message} updated", intent.message
            )
            return intent.to.message
        if isinstance(intent, React):
            where, emoji = intent.to, intent.emoji
            self.view.line(
                f"#{where.channel} | Homeroom reacted {emoji} to message {where.message}"
            )
            return None
        if isinstance(intent, Pin):
            verb = "pinned" if intent.pinned else "unpinned"
            self.view.line(f"#{intent.to.channel} | 📌 Homeroom {verb} message {intent.to.message}")
            return None
        if isinstance(intent, OpenForm):
            self.world.forms[intent.member.id] = intent.form
            self._form_answers = {}
            if intent.member.id == self.me:
                self._ask_next_field()
            return None
        return None

    def _remember_buttons(
        self, member: str | None, channel: str, intent: Post | Ephemeral | DirectMessage
    ) -> None:
        if not intent.message.buttons:
            return
        for name in [member] if member else [c.name for c in CAST]:
            self.world.buttons[name] = (channel, intent.message.buttons)

    def _ask_next_field(self) -> None:
        form = self.world.forms[self.me]
        step = len(self._form_answers)
        if step == 0:
            self.view.line(
                f"📝 {form.title}: answer each question (- keeps the value shown, :cancel stops)"
            )
        field = form.fields[step]
        keep = f" [{field.default}]" if field.default else ("" if field.required else " (optional)")
        choices = f" ({', '.join(c.value for c in field.choices)})" if field.choices else ""
        self.view.line(f"  {step + 1}/{len(form.fields)} {field.label}{choices}{keep}")

    # -- inbound: typed lines -> events ----------------------------------------------------
    def _actor(self) -> Actor:
        character = self.world.character(self.me)
        return Actor(
            MemberRef(PLATFORM, COMMUNITY, self.me),
            locale=self.world.locales.get(self.me, "en"),
            is_platform_admin=bool(character and character.is_admin),
        )

    def _where(self, thread: str | None = None) -> ConversationRef:
        return ConversationRef(PLATFORM, COMMUNITY, self.channel, thread)

    @staticmethod
    def _event_id() -> str:
        # Unique across runs: the core de-duplicates by event ID for 15 minutes.
        return uuid.uuid4().hex

    async def handle_line(self, line: str) -> bool:
        """Act on one typed line; False when the person asked to leave."""
        text = line.strip()
        if not text:
            return True
        if self.me in self.world.forms and not text.startswith((":as", ":quit")):
            await self._answer_form(text)
            return True
        if text.startswith(":"):
            return await self._console_command(text)
        for prefix in ROOT_COMMANDS:
            if text.lower().startswith(prefix) or text.lower() == prefix.strip():
                return await self._command(text[len(prefix) :])
        if text.startswith("/"):
            return await self._command(text[1:])
        await self._dispatch(self._message(text, None))
        return True

    async def _command(self, body: str) -> bool:
        await self._dispatch(
            CommandInvoked(
                event_id=self._event_id(),
                at=self.app.clock.now(),
                conversation=self._where(),
                actor=self._actor(),
                text=body.strip() or "help",
            )
        )
        return True

    def _message(self, text: str, thread: str | None) -> MessagePosted:
        posted = self.world.add_message(self.channel, self.me, text, thread)
        self.view.line(
            f"#{self.channel} | {self.me} posted message {posted.id}"
            + (f" in thread {thread}" if thread else "")
        )
        return MessagePosted(
            event_id=self._event_id(),
            at=self.app.clock.now(),
            conversation=ConversationRef(PLATFORM, COMMUNITY, self.channel, thread, posted.id),
            actor=self._actor(),
            text=text,
        )

    async def _answer_form(self, text: str) -> None:
        form = self.world.forms[self.me]
        if text == ":cancel":
            del self.world.forms[self.me]
            self.view.line("📝 Form closed; nothing was sent.")
            return
        field = form.fields[len(self._form_answers)]
        self._form_answers[field.name] = (field.default or "") if text == "-" else text
        if len(self._form_answers) < len(form.fields):
            self._ask_next_field()
            return
        del self.world.forms[self.me]
        await self._dispatch(
            FormSubmitted(
                event_id=self._event_id(),
                at=self.app.clock.now(),
                conversation=self._where(),
                actor=self._actor(),
                form_id=form.form_id,
                values=dict(self._form_answers),
            )
        )

    async def _console_command(self, text: str) -> bool:
        verb, _, rest = text[1:].partition(" ")
        action: Callable[[str], str | None] | None = {
            "as": self._switch_member,
            "in": self._switch_channel,
            "who": lambda _: self._who(),
            "help": lambda _: WELCOME,
            "dm": lambda _: self._read_dms(),
            "lang": self._set_locale,
        }.get(verb)
        if verb in ("quit", "exit", "q"):
            return False
        if verb == "next":
            await self._jump_to_next_prompt()
            return True
        if action is not None:
            said = action(rest.strip())
            if said:
                self.view.line(said)
            return True
        event = self._platform_action(verb, rest.strip())
        if isinstance(event, str):
            self.view.line(event)
        else:
            await self._dispatch(event)
        return True

    def _platform_action(self, verb: str, rest: str) -> Event | str:
        """:reply, :react and :press become platform events; a problem becomes a hint."""
        if verb == "reply":
            number, _, reply = rest.partition(" ")
            if number not in self.world.messages or not reply:
                return "Use :reply N TEXT, where N is a message number shown above."
            root = self.world.messages[number]
            self.channel = root.channel
            return self._message(reply, root.thread or root.id)
        if verb == "react":
            number, _, emoji = rest.partition(" ")
            if number not in self.world.messages or not emoji:
                return "Use :react N EMOJI, for example :react 3 👍"
            target = self.world.messages[number]
            return ReactionAdded(
                event_id=self._event_id(),
                at=self.app.clock.now(),
                conversation=ConversationRef(
                    PLATFORM, COMMUNITY, target.channel, target.thread, target.id
                ),
                actor=self._actor(),
                emoji=emoji,
            )
        if verb == "press":
            channel, buttons = self.world.buttons.get(self.me, ("", ()))
            if not rest.isdigit() or not 0 < int(rest) <= len(buttons):
                return "There is no such button. Use :press N with a number shown in [N]."
            button = buttons[int(rest) - 1]
            return ComponentSubmitted(
                event_id=self._event_id(),
                at=self.app.clock.now(),
                conversation=ConversationRef(
                    PLATFORM, COMMUNITY, channel if channel != "dm" else self.channel
                ),
                actor=self._actor(),
                action_id=button.action_id,
                value=button.value,
            )
        return f"I don't know :{verb}. Type :help for the console commands."

    async def _jump_to_next_prompt(self) -> None:
        """Move the pretend community's clock to the next scheduled prompt, and run it."""
        due = await self.app.scheduler.soonest_due()
        clock = self.app.clock
        if due is None or not isinstance(clock, ShiftableClock):
            self.view.line("No prompt is scheduled yet. Try /homeroom prompt schedule.")
            return
        clock.shift((due - clock.now()).total_seconds() + 1)
        self.view.line("⏩ Time jumps ahead to the next scheduled prompt.")
        await self.app.scheduler.run_due()
        await self.app.outbox.idle()

    def _switch_member(self, name: str) -> str:
        if self.world.character(name) is None:
            return f"There is no {name or 'one'} here. Members: {', '.join(c.name for c in CAST)}."
        self.me = name
        if name in self.world.forms:
            self._form_answers = {}
            self._ask_next_field()
        return f"You are now {name}."

    def _switch_channel(self, name: str) -> str:
        name = name.lstrip("#")
        if name not in CHANNELS:
            return f"There is no #{name}. Channels: {', '.join('#' + c for c in CHANNELS)}."
        self.channel = name
        return f"You are in #{name}."

    def _set_locale(self, code: str) -> str:
        self.world.locales[self.me] = code or "en"
        return f"{self.me}'s platform language is now {code or 'en'}."

    def _who(self) -> str:
        return "\n".join(self.cast_lines())

    def cast_lines(self) -> list[str]:
        return [
            f"  {c.name:6} {c.role}, language {self.world.locales[c.name]}"
            + (" ← you" if c.name == self.me else "")
            for c in CAST
        ]

    def _read_dms(self) -> str:
        messages = self.world.inbox.get(self.me, [])
        if not messages:
            return f"{self.me} has no direct messages yet."
        return "\n".join(f"✉ {n}. {m}" for n, m in enumerate(messages, 1))

    async def _dispatch(self, event: Event) -> None:
        await self.app.handle(event)
        await self.app.outbox.idle()

    # -- the loop ----------------------------------------------------------------------------
    def prompt(self) -> str:
        if self.me in self.world.forms:
            return f"{self.me} 📝> "
        return f"{self.me}@#{self.channel}> "

    async def run(self) -> None:
        """Read lines until :quit or end of input."""
        self.view.welcome(self.cast_lines())
        lines = _stdin_lines()
        while True:
            if self.view.rich:
                print(self.prompt(), end="", flush=True)
            line = await lines.get()
            if line is None:
                return
            if not self.view.rich:
                self.view.line(self.prompt() + line.rstrip("\n"))
            if not await self.handle_line(line):
                return


def _stdin_lines() -> asyncio.Queue[str | None]:
    """Standard input, read on a daemon thread so the event loop never blocks on it."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def pump() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=pump, name="console-stdin", daemon=True).start()
    return queue
