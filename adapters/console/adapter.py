"""Console adapter: terminal lines -> core events, intents -> what the terminal shows.

Reads one action per line. In a terminal it draws rich panels; when standard input is
not a terminal it prints a plain transcript, so a scenario can be piped in and tested.
After each action it waits until Homeroom's answer is delivered, so the transcript
reads in order.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from adapters.console.view import WELCOME, View
from adapters.console.world import CAST, CHANNELS, COMMUNITY, PLATFORM, PRIVATE_CHANNELS, World
from bot.app import Homeroom
from bot.capabilities import UNLIMITED, Capabilities
from bot.clock import ShiftableClock
from bot.directory import Role
from bot.events import (
    Actor,
    CommandInvoked,
    ComponentSubmitted,
    Event,
    MessagePosted,
    ReactionAdded,
)
from bot.fallbacks import OpenDialogue
from bot.i18n import N_, Translator, pick_language, translator
from bot.intents import (
    Button,
    DirectMessage,
    Ephemeral,
    Intent,
    Message,
    Pin,
    Post,
    React,
    Update,
)
from bot.people import PlatformMember
from bot.refs import CommunityRef, ConversationRef, MemberRef
from bot.render import message_text, question_count
from bot.storage.state import AdapterState

ROOT_COMMANDS = ("/homeroom ", "homeroom ")
QUIT = ("quit", "exit", "q")
# Console commands that only look or switch, so they work while a form is open.
ANYTIME = ("as", "help", "who", "dm")
UNREADABLE = N_(
    "That line has a character I couldn't read (it isn't UTF-8 text), so I left it out. "
    "Please type it again."
)


# Where `:next` last moved the pretend clock (kept in adapter_state).
PRETEND_NOW = "pretend_now"
WORLD = "world"


class ConsoleAdapter:
    """The demo community's platform, and the person typing at it."""

    platform = PLATFORM
    # No forms of its own: a form is the core's short dialogue, one question a line, with
    # each answer checked as it comes (bot.fallbacks), in the member's language.
    capabilities = Capabilities(forms=False, max_text=8000, message_actions="typed")
    limits = UNLIMITED

    def __init__(
        self, app: Homeroom, view: View | None = None, files: Path = Path("data/files")
    ) -> None:
        self.app = app
        self.view = view or View()
        self.files = files  # where a file sent with a DM (an export) is saved
        self.world = World()
        self.me = "dana"
        self.channel = "parents"
        self._form: OpenDialogue | None = None  # the form `me` is answering, if any
        self._held: str | None = None  # typed mid-form; run if the member leaves the form
        # Private messages (DMs, "only you see this" replies) to a member who is not at
        # the keyboard: shown to them, not to whoever is acting, when they are next
        # switched to (`:as`), as on a platform only the recipient sees them.
        self._unread: dict[str, list[tuple[str, Message, str, int]]] = {}

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
    def _show_buttons(
        self,
        owner: str | None,
        channel: str,
        message: Message,
        number: str | None = None,
        thread: str | None = None,
    ) -> int:
        """Number a card's buttons; its menu's choices come last (see `_as_shown`)."""
        menu = message.select
        choices = (len(menu.options), menu.max_values) if menu is not None else (0, 0)
        return self.world.show_buttons(owner, channel, message.buttons, number, thread, choices)

    def _saved(self, who: str, message: Message) -> Message:
        """The message with its file written to disk and the file's path under its text
        (a terminal has no attachments)."""
        assert message.attachment is not None
        self.files.mkdir(parents=True, exist_ok=True)
        path = self.files / f"{who}-{message.attachment.filename}"
        path.write_bytes(base64.b64decode(message.attachment.data_base64))
        path.chmod(0o600)  # a member's data: readable by whoever runs the console only
        return replace(message, text=f"{message.text}\n{path}", attachment=None)

    async def deliver(self, intent: Intent, *, key: str | None = None) -> str | None:
        if isinstance(intent, Post | Ephemeral | DirectMessage | Update):
            intent = replace(intent, message=_as_shown(intent.message))
        if isinstance(intent, Post):
            where = intent.to
            posted = self.world.add_message(
                where.channel, "Homeroom", intent.message.text, where.thread
            )
            first = self._show_buttons(None, where.channel, intent.message, posted.id, where.thread)
            opens = intent.opens_thread

            def heading(t: Translator) -> str:
                place = f"#{where.channel}"
                if where.thread:
                    place += t._(" › thread {thread}", thread=where.thread)
                if opens:
                    return t._(
                        "{place} | Homeroom (message {number}, opens a thread: :reply {number} "
                        "TEXT)",
                        place=place,
                        number=posted.id,
                    )
                return t._("{place} | Homeroom (message {number})", place=place, number=posted.id)

            await self._in_channel(where.channel, heading, intent.message, first)
            # Kept after the line that caused it is handled (`handle_line`): writing here
            # would wait on the very transaction that is delivering it.
            return posted.id
        if isinstance(intent, Ephemeral):
            who = intent.member.id
            first = self._show_buttons(who, intent.to.channel, intent.message)
            self._privately(
                who,
                self._t(who)._(
                    "#{channel} | Homeroom → {name} (only {name} sees this)",
                    channel=intent.to.channel,
                    name=who,
                ),
                intent.message,
                "yellow",
                first,
            )
            return None
        if isinstance(intent, DirectMessage):
            who = intent.member.id
            if intent.message.attachment is not None:
                intent = replace(intent, message=self._saved(who, intent.message))
            self.world.inbox.setdefault(who, []).append(message_text(intent.message))
            first = self._show_buttons(who, "dm", intent.message)
            self._privately(
                who,
                self._t(who)._("✉ Homeroom → {name} (direct message)", name=who),
                intent.message,
                "magenta",
                first,
            )
            return None
        if isinstance(intent, Update):
            to = intent.to
            first = self._show_buttons(None, to.channel, intent.message, to.message, to.thread)

            def updated(t: Translator) -> str:
                return t._(
                    "#{channel} | message {number} updated", channel=to.channel, number=to.message
                )

            await self._in_channel(to.channel, updated, intent.message, first)
            return intent.to.message
        if isinstance(intent, React):
            where, emoji = intent.to, intent.emoji
            self.view.line(
                self._t()._(
                    "#{channel} | Homeroom reacted {emoji} to message {number}",
                    channel=where.channel,
                    emoji=emoji,
                    number=where.message,
                )
            )
            return None
        if isinstance(intent, Pin):
            said = (
                N_("#{channel} | 📌 Homeroom pinned message {number}")
                if intent.pinned
                else N_("#{channel} | 📌 Homeroom unpinned message {number}")
            )
            self.view.line(self._t()._(said, channel=intent.to.channel, number=intent.to.message))
            return None
        return None

    async def _in_channel(
        self, channel: str, heading: Callable[[Translator], str], message: Message, first: int
    ) -> None:
        """Show a channel's message to whoever is at the keyboard, if they may read the
        channel; a private channel's (the liaisons' queue) is kept for its other readers
        until they are switched to, as a private message is, and never shown to a parent
        (a parent who asked without their name must not see their card appear)."""
        if channel not in PRIVATE_CHANNELS:
            self.view.show(heading(self._t()), message, first_button=first)
            return
        for character in CAST:
            name = character.name
            if not await self._may_read(name, channel):
                continue
            if name == self.me:
                self.view.show(heading(self._t()), message, first_button=first)
            else:
                kept = (heading(self._t(name)), message, "cyan", first)
                self._unread.setdefault(name, []).append(kept)

    async def _may_read(self, name: str, channel: str | None) -> bool:
        """Whether `name` may read and act in `channel`: a private one is for liaisons
        and organizers, as on a platform where a parent is not a member of it."""
        if channel not in PRIVATE_CHANNELS:
            return True
        actor = self._actor(name)
        roles = (await self.app.directory.profile(actor.ref)).roles
        return actor.is_platform_admin or bool(roles & {Role.LIAISON, Role.ORGANIZER})

    def _privately(self, who: str, heading: str, message: Message, style: str, first: int) -> None:
        """Show a private message now if its recipient is at the keyboard; else keep it
        for them, unseen by whoever is acting, until they are switched to."""
        if who == self.me:
            self.view.show(heading, message, style=style, first_button=first)
        else:
            self._unread.setdefault(who, []).append((heading, message, style, first))

    def _show_unread(self) -> None:
        """What came privately for `me` while someone else was at the keyboard."""
        waiting = self._unread.pop(self.me, [])
        if not waiting:
            return
        self.view.line(
            self._t().ngettext(
                "✉ {n} new message for {name}, sent while you were someone else:",
                "✉ {n} new messages for {name}, sent while you were someone else:",
                len(waiting),
                name=self.me,
            )
        )
        for heading, message, style, first in waiting:
            self.view.show(heading, message, style=style, first_button=first)

    # -- inbound: typed lines -> events ----------------------------------------------------
    def _actor(self, name: str | None = None) -> Actor:
        name = name or self.me
        character = self.world.character(name)
        return Actor(
            MemberRef(PLATFORM, COMMUNITY, name),
            locale=self.world.locales.get(name, "en"),
            is_platform_admin=bool(character and character.is_admin),
        )

    def _t(self, name: str | None = None) -> Translator:
        """The console's own words in the platform language of `name`, by default the
        member at the keyboard: whoever acts reads what happened in their language."""
        return translator(pick_language(self.world.locales.get(name or self.me), default="en"))

    def _where(self, thread: str | None = None) -> ConversationRef:
        return ConversationRef(PLATFORM, COMMUNITY, self.channel, thread)

    @staticmethod
    def _event_id() -> str:
        # Unique across runs: the core de-duplicates by event ID for 15 minutes.
        return uuid.uuid4().hex

    async def handle_line(self, line: str) -> bool:
        """Act on one typed line; False when the person asked to leave."""
        go_on = await self._handle_line(line)
        await self._keep_world()
        return go_on

    async def _keep_world(self) -> None:
        if self.world.changed:
            await AdapterState(self.app.db.engine).put(PLATFORM, WORLD, self.world.dump())

    async def _handle_line(self, line: str) -> bool:
        text = line.strip()
        if not text:
            return True
        verb = text[1:].partition(" ")[0].lower() if text.startswith(":") else ""
        if verb in QUIT:
            return False
        if self._form is not None and verb not in ANYTIME:
            await self._answer_form(text)
            return True
        if verb:
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
        said = (
            N_("#{channel} | {name} posted message {number} in thread {thread}")
            if thread
            else N_("#{channel} | {name} posted message {number}")
        )
        self.view.line(
            self._t()._(said, channel=self.channel, name=self.me, number=posted.id, thread=thread)
        )
        return MessagePosted(
            event_id=self._event_id(),
            at=self.app.clock.now(),
            conversation=ConversationRef(PLATFORM, COMMUNITY, self.channel, thread, posted.id),
            actor=self._actor(),
            text=text,
        )

    def _direct(self, text: str) -> MessagePosted:
        """`:dm TEXT`: a direct message from the member to Homeroom, as a reply to one of
        its DMs is on a platform (the answer to "just reply to this message")."""
        self.view.line(self._t()._("✉ {name} → Homeroom (direct message)", name=self.me))
        self.view.line("    " + text)
        return MessagePosted(
            event_id=self._event_id(),
            at=self.app.clock.now(),
            conversation=ConversationRef(PLATFORM, COMMUNITY, "dm"),
            actor=self._actor(),
            text=text,
            is_direct=True,
        )

    async def _answer_form(self, text: str) -> None:
        """A line typed while a form is open goes to the form's dialogue, not the channel:
        the core checks it and asks the next question (or whether to leave, for a line that
        looks like a command, which runs once the member has left the form)."""
        assert self._form is not None
        if text.startswith(("/", ":")):
            self._held = text
        await self._to_form(self._form.channel, text)
        if self._form is None and self._held is not None:
            held, self._held = self._held, None
            await self.handle_line(held)
        elif self._form is not None and not self._form.leaving:
            self._held = None

    async def _to_form(self, channel: str, text: str) -> None:
        """Send `text` to the member's open form (an empty text asks the question again)."""
        await self._dispatch(
            MessagePosted(
                event_id=self._event_id(),
                at=self.app.clock.now(),
                conversation=ConversationRef(PLATFORM, COMMUNITY, channel),
                actor=self._actor(),
                text=text,
            )
        )

    async def _console_command(self, text: str) -> bool:
        verb, _, rest = text[1:].partition(" ")
        verb, rest = verb.lower(), rest.strip()
        if verb == "next":
            await self._jump_to_next_timer()
            return True
        if verb == "as":
            await self._switch_member(rest)
            return True
        if verb == "who":
            self.view.line(await self._who())
            return True
        if verb == "dm":
            if rest:
                await self._dispatch(self._direct(rest))
            else:
                self._read_dms()
            return True
        if verb in ("in", "reply", "react", "on", "press"):
            refused = await self._kept_out(self._channel_of(verb, rest))
            if refused is not None:
                self.view.line(refused)
                return True
        action: Callable[[str], str] | None = {
            "in": self._switch_channel,
            "help": lambda _: self._t()._(WELCOME),
            "lang": self._set_locale,
        }.get(verb)
        if action is not None:
            self.view.line(action(rest))
            return True
        event = self._platform_action(verb, rest)
        if isinstance(event, str):
            self.view.line(event)
            return True
        if isinstance(event, ReactionAdded):
            self.view.line(
                self._t()._(
                    "#{channel} | {name} reacted {emoji} to message {number}",
                    channel=event.conversation.channel,
                    name=self.me,
                    emoji=event.emoji,
                    number=event.conversation.message,
                )
            )
        await self._dispatch(event)
        return True

    def _platform_action(self, verb: str, rest: str) -> Event | str:
        """:reply, :react, :on and :press become platform events; a problem becomes a
        hint."""
        t = self._t()
        if verb in ("reply", "react", "on"):
            number = rest.partition(" ")[0]
            if number.isdigit() and number not in self.world.messages:
                return t._(
                    "There is no message {number} yet; the numbers are in “message N” above.",
                    number=number,
                )
        if verb == "reply":
            number, _, reply = rest.partition(" ")
            if number not in self.world.messages or not reply.strip():
                return t._("Use :reply N TEXT, where N is a message number shown above.")
            root = self.world.messages[number]
            self.channel = root.channel
            return self._message(reply.strip(), root.thread or root.id)
        if verb == "react":
            number, _, emoji = rest.partition(" ")
            if number not in self.world.messages or not emoji.strip():
                return t._("Use :react N EMOJI, for example :react 3 👍")
            target = self.world.messages[number]
            return ReactionAdded(
                event_id=self._event_id(),
                at=self.app.clock.now(),
                conversation=ConversationRef(
                    PLATFORM, COMMUNITY, target.channel, target.thread, target.id
                ),
                actor=self._actor(),
                emoji=emoji.strip(),
            )
        if verb == "on":
            return self._on_message(rest)
        if verb == "press":
            return self._press(rest)
        return t._("I don't know :{verb}. Type :help for the console commands.", verb=verb)

    def _on_message(self, rest: str) -> Event | str:
        """`:on N COMMAND`: a command run on message N, as Slack's message shortcuts and
        Discord's message menus run one (`CommandSpec.message_action`)."""
        number, _, command = rest.partition(" ")
        command = command.strip().removeprefix("/homeroom").removeprefix("/").strip()
        if number not in self.world.messages or not command:
            return self._t()._("Use :on N COMMAND, for example :on 3 chat file, on message N.")
        target = self.world.messages[number]
        return CommandInvoked(
            event_id=self._event_id(),
            at=self.app.clock.now(),
            conversation=ConversationRef(PLATFORM, COMMUNITY, self.channel),
            actor=self._actor(),
            text=command,
            target=ConversationRef(PLATFORM, COMMUNITY, target.channel, target.thread, target.id),
            target_text=target.text,
            target_author=target.author,
        )

    def _press(self, numbers: str) -> Event | str:
        """`:press N`, or `:press N M ...` for several choices of one menu at once."""
        pressed = [self.world.buttons.get(int(n)) if n.isdigit() else None for n in numbers.split()]
        shown = pressed[0] if pressed else None
        together = (
            all(
                p is not None
                and p.menu_max >= len(pressed)
                and (p.channel, p.message, p.button.action_id)
                == (shown.channel, shown.message, shown.button.action_id)
                for p in pressed
            )
            if shown is not None and len(pressed) > 1
            else len(pressed) == 1
        )
        if shown is None or not together:
            return self._t()._(
                "There is no such button. Use :press N with a number shown in [N] above."
            )
        number = numbers.split()[0]
        if shown.owner not in (None, self.me):
            return self._t()._(
                "Button [{number}] is on a card only {name} can see.",
                number=number,
                name=shown.owner,
            )
        channel = self.channel if shown.channel == "dm" else shown.channel
        return ComponentSubmitted(
            event_id=self._event_id(),
            at=self.app.clock.now(),
            conversation=ConversationRef(PLATFORM, COMMUNITY, channel, shown.thread, shown.message),
            actor=self._actor(),
            action_id=shown.button.action_id,
            value="\n".join(p.button.value for p in pressed if p is not None),
        )

    async def _jump_to_next_timer(self) -> None:
        """Move the pretend community's clock to the next timer of any feature (a
        scheduled prompt, a notice), say what and when, and run it."""
        timer = await self.app.timers.soonest()
        clock = self.app.clock
        t = self._t()
        if timer is None or not isinstance(clock, ShiftableClock):
            self.view.line(
                t._(
                    "Nothing is scheduled: no prompt, reminder or notice is waiting. "
                    "Try /homeroom prompt list, or /homeroom prompt schedule."
                )
            )
            return
        wait = (timer.due_at - clock.now()).total_seconds()
        if wait > 0:
            clock.shift(wait + 1)
            # Kept, so a restart carries on from the pretend date instead of going back.
            await AdapterState(self.app.db.engine).put(
                PLATFORM, PRETEND_NOW, clock.now().isoformat()
            )
        zone = (await self.app.directory.community(CommunityRef(PLATFORM, COMMUNITY))).timezone
        label = self.app.timers.label(timer)
        self.view.line(
            t._(
                "⏩ Time jumps ahead to {when} ({zone}), when {what} is due.",
                when=t.when(timer.due_at, zone),
                zone=zone,
                what=t._(label) if label else t._("something timed"),
            )
        )
        fired = await self.app.timers.run_due()
        await self.app.outbox.settled()
        if not fired:
            self.view.line(t._("Nothing was due after all: it was handled elsewhere."))

    async def _switch_member(self, name: str) -> None:
        """Become another member. A form left open waits, in the database, for its member
        to come back; switching never drops it, and coming back asks its question again."""
        members = ", ".join(c.name for c in CAST)
        if not name:
            self.view.line(
                self._t()._(
                    "You are {name}. Switch with :as NAME; members: {members}.",
                    name=self.me,
                    members=members,
                )
            )
            return
        if self.world.character(name) is None:
            self.view.line(
                self._t()._(
                    "There is no {name} here. Members: {members}.", name=name, members=members
                )
            )
            return
        if self._form is not None and name != self.me:
            t = await self._translator(self.me)
            self.view.said(
                t._(
                    "📝 The form “{title}” is set aside, at question {step} of {count}. It "
                    "waits for {name}: switch back with “:as {name}” to go on.",
                    title=self._form.form.title,
                    step=self._form.step,
                    count=question_count(self._form.form, self._form.step),
                    name=self.me,
                )
            )
        self.me, self._held = name, None
        self.view.line(self._t()._("You are now {name}.", name=name))
        if await self._kept_out(self.channel) is not None:
            self.channel = "parents"  # a parent never lands in the staff's channel
            self.view.line(self._t()._("You are in #{channel}.", channel=self.channel))
        self._show_unread()
        await self.resume_form()

    async def resume_form(self) -> None:
        """Ask again the question of the form `me` left open (before a switch or a restart)."""
        await self._refresh_form()
        if self._form is not None:
            await self._to_form(self._form.channel, "")

    async def _translator(self, name: str) -> Translator:
        """The language the core would answer `name` in."""
        actor = self._actor(name)
        profile = await self.app.directory.profile(actor.ref)
        community = await self.app.directory.community(actor.ref.community_ref)
        return translator(
            pick_language(profile.language, actor.locale, default=community.default_language)
        )

    def _channel_of(self, verb: str, rest: str) -> str | None:
        """The channel a console command would take the member into or act in."""
        if verb == "in":
            return rest.lstrip("#") or None
        number = rest.partition(" ")[0]
        if verb == "press":  # the card's channel (a DM card is pressed where one is)
            shown = self.world.buttons.get(int(number)) if number.isdigit() else None
            return shown.channel if shown is not None and shown.channel != "dm" else None
        message = self.world.messages.get(number)
        return message.channel if message else None

    async def _kept_out(self, channel: str | None) -> str | None:
        """Why `me` may not enter or act in `channel`, or None when they may. A private
        channel (the liaisons' queue) is for liaisons and organizers, as on a platform
        where a parent is not a member of it: `:reply`, `:react`, `:on`, `:press` and `:in`
        must not carry a parent there (and an `:as` switch moves them out)."""
        if await self._may_read(self.me, channel):
            return None
        return self._t()._(
            "#{channel} is only for school liaisons and organizers, so you can't see it or "
            "post there. You are in #{here}.",
            channel=channel,
            here=self.channel if self.channel not in PRIVATE_CHANNELS else "parents",
        )

    def _switch_channel(self, name: str) -> str:
        name, t = name.lstrip("#"), self._t()
        channels = ", ".join("#" + c for c in CHANNELS)
        if not name:
            return t._(
                "You are in #{channel}. Channels: {channels}.",
                channel=self.channel,
                channels=channels,
            )
        if name not in CHANNELS:
            return t._(
                "There is no #{channel}. Channels: {channels}.", channel=name, channels=channels
            )
        self.channel = name
        return t._("You are in #{channel}.", channel=name)

    def _set_locale(self, code: str) -> str:
        if not code:
            return self._t()._(
                "{name}'s platform language is {code}. Change it with :lang CODE, for "
                "example :lang es.",
                name=self.me,
                code=self.world.locales[self.me],
            )
        self.world.locales[self.me] = code
        return self._t()._("{name}'s platform language is now {code}.", name=self.me, code=code)

    async def _who(self) -> str:
        """Who is here, with the roles Homeroom holds for them now."""
        lines, t = [], self._t()
        for c in CAST:
            actor = self._actor(c.name)
            roles = set((await self.app.directory.profile(actor.ref)).roles) | {Role.PARENT}
            if actor.is_platform_admin:
                roles.add(Role.ORGANIZER)
            held = ", ".join(t._(r.value) for r in reversed(Role) if r in roles)
            said = N_("language {code} ← you") if c.name == self.me else N_("language {code}")
            lines.append(f"  {c.name:6} {held:28} " + t._(said, code=self.world.locales[c.name]))
        return "\n".join(lines)

    def cast_lines(self) -> list[str]:
        t = self._t()
        return [
            f"  {c.name:6} {t._(c.role)}, "
            + t._(
                N_("language {code} ← you") if c.name == self.me else N_("language {code}"),
                code=self.world.locales[c.name],
            )
            for c in CAST
        ]

    def _read_dms(self) -> None:
        self._unread.pop(self.me, None)  # read now, with the rest
        messages = self.world.inbox.get(self.me, [])
        if not messages:
            self.view.line(self._t()._("{name} has no direct messages yet.", name=self.me))
        for n, message in enumerate(messages, 1):
            self.view.said(f"✉ {n}. {message}")

    async def _dispatch(self, event: Event) -> None:
        await self.app.handle(event)
        await self.app.outbox.settled()
        await self._refresh_form()

    async def _refresh_form(self) -> None:
        self._form = await self.app.fallbacks.open_dialogue(self._actor().ref)

    # -- the loop ----------------------------------------------------------------------------
    def prompt(self) -> str:
        if self._form is not None:
            return f"{self.me} 📝> "
        return f"{self.me}@#{self.channel}> "

    def unreadable(self, line: bytes) -> None:
        """A line that is not UTF-8 (a stray byte from a paste or another encoding): say
        so kindly, in the member's language, and go on."""
        if not self.view.rich:
            self.view.line(self.prompt() + line.decode("utf-8", "replace").rstrip("\n"))
        self.view.line(self._t()._(UNREADABLE))

    async def resume_time(self) -> None:
        """Move the pretend clock to where `:next` left it in an earlier run, so time
        in the pretend community never goes back across a restart; and take back the
        community's messages, so their numbers go on where they stopped."""
        clock = self.app.clock
        kept = AdapterState(self.app.db.engine)
        stored = await kept.get(PLATFORM, PRETEND_NOW)
        if stored and isinstance(clock, ShiftableClock):
            clock.shift((datetime.fromisoformat(stored) - clock.now()).total_seconds())
        world = await kept.get(PLATFORM, WORLD)
        if world:
            self.world.load(world)

    async def run(self) -> None:
        """Read lines until :quit or end of input."""
        await self.resume_time()
        self.view.welcome(self.cast_lines(), self._t())
        await self.resume_form()
        lines = _stdin_lines()
        while True:
            if self.view.rich:
                print(self.prompt(), end="", flush=True)
            line = await lines.get()
            if line is None:
                return
            if isinstance(line, bytes):
                # Not UTF-8 (a stray byte from a paste or another encoding): say so, go on.
                self.unreadable(line)
                continue
            if not self.view.rich:
                self.view.line(self.prompt() + line.rstrip("\n"))
            if not await self.handle_line(line):
                return


def _stdin_lines() -> asyncio.Queue[str | bytes | None]:
    """Standard input, read on a daemon thread so the event loop never blocks on it: each
    line as text, or as the raw bytes when they are not UTF-8, then None at the end."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | bytes | None] = asyncio.Queue()

    def put(raw: bytes) -> None:
        line: str | bytes = raw
        with contextlib.suppress(UnicodeDecodeError):
            line = raw.decode("utf-8")
        loop.call_soon_threadsafe(queue.put_nowait, line)

    def pump() -> None:
        # Raw reads of the descriptor, not sys.stdin: a thread blocked inside sys.stdin
        # holds its lock, and Python aborts at exit when the member leaves with :quit.
        pending = b""
        while chunk := os.read(fd, 65536):
            *lines, pending = (pending + chunk).split(b"\n")
            for raw in lines:
                put(raw + b"\n")
        if pending:
            put(pending)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    fd = sys.stdin.fileno()

    threading.Thread(target=pump, name="console-stdin", daemon=True).start()
    return queue


def _menu_buttons(message: Message) -> tuple[Button, ...]:
    """A menu's choices as buttons (its action, each choice's value), numbered after the
    card's own: a terminal has no menus, and `:press N M` picks several."""
    menu = message.select
    if menu is None:
        return ()
    return tuple(Button(choice.label, menu.action_id, choice.value) for choice in menu.options)


def _as_shown(message: Message) -> Message:
    """What a terminal shows: a menu's choices as numbered buttons after the card's own
    (the menu stays, to say how many may be picked), a picture by its alt text."""
    if message.select is None and message.image is None:
        return message
    text = message.text
    if message.image is not None:
        text = f"{text}\n{message.image.alt}" if text else message.image.alt
    buttons = message.buttons + _menu_buttons(message)
    return replace(message, text=text, buttons=buttons, image=None)
