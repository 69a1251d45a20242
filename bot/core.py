"""The core: one `dispatch(event) -> intents` for every platform.

It drops redeliveries, builds the handler's context (who, where, which language and
role), routes commands, button presses, forms and messages to features, checks
permissions, and rewrites the answer to what the event's adapter can show. It raises
at an adapter only `Unavailable`, for a kept event while the database is out of reach
(try it again later); any other problem becomes a short, kind message to the member.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType

from bot.capabilities import Capabilities
from bot.commands import (
    COMMAND_FORM,
    MAX_LENGTH,
    MAX_SUGGESTIONS,
    Args,
    CommandError,
    CommandRegistry,
    CommandSpec,
    convert,
    form_fields,
    parse_text_kept,
)
from bot.context import ROLE_NEEDED, Context, needs_role, reader_language
from bot.dedupe import InboundDedupe
from bot.directory import Role
from bot.events import (
    CommandInvoked,
    ComponentSubmitted,
    Event,
    FormSubmitted,
    HomeOpened,
    InboundEvent,
    MemberLeft,
    MessagePosted,
    OptionTyped,
    ReactionAdded,
)
from bot.fallbacks import Fallbacks
from bot.features import Action, Feature, FormAction, HomeSection, Listener
from bot.features.home import home_page
from bot.i18n import N_, Translator, pick_language, translator
from bot.intake import admit
from bot.intents import Choice, DirectMessage, Ephemeral, Form, Intent, Message, OpenForm
from bot.kernel import Kernel
from bot.render import field_prompt
from bot.unavailable import Unavailable, is_transient

log = logging.getLogger(__name__)

_STALE_FORM = N_("That form is no longer in use. Nothing was changed.")
# The answer to a direct message no feature took up (a parent's "hello?" with no open
# question): silence there reads as a broken bot.
_DIRECT_GUIDE = N_(
    "Hello! I read direct messages when you reply to a question you asked. To ask the "
    "school a question, type “ask” and your question, like “ask When is the field "
    "trip?”. “help” shows the rest."
)


class Core:
    """Built once at start with the kernel and the features, then passed to adapters."""

    def __init__(
        self,
        kernel: Kernel,
        features: Sequence[Feature],
        dedupe: InboundDedupe,
        fallbacks: Fallbacks,
    ) -> None:
        self.kernel = kernel
        self.features = tuple(features)
        self._dedupe = dedupe
        self._fallbacks = fallbacks
        self._capabilities: dict[str, Capabilities] = {}
        self._actions: dict[str, Action] = {}
        self._forms: dict[str, FormAction] = {}
        self._listeners: list[tuple[Listener, object]] = []
        self._home: list[tuple[HomeSection, object]] = []
        # Whose state a handler is given as `ctx.own`: by command path, action, form prefix.
        self._owner: dict[str, object] = {}
        for feature in features:
            for spec in feature.commands:
                kernel.commands.add(spec)
                self._owner["command:" + spec.path] = feature.state
            for action_id, action in feature.actions.items():
                self._actions[action_id] = (
                    action if isinstance(action, Action) else Action(action, Role.PARENT)
                )
                self._owner["action:" + action_id] = feature.state
            for prefix, form in feature.forms.items():
                if prefix.startswith(COMMAND_FORM) or prefix in self._forms:
                    raise ValueError(f"form prefix {prefix!r} of {feature.name} is taken")
                self._forms[prefix] = form if isinstance(form, FormAction) else FormAction(form)
                self._owner["form:" + prefix] = feature.state
            self._listeners.extend((listener, feature.state) for listener in feature.listeners)
            if feature.home is not None:
                self._home.append((feature.home, feature.state))

    @property
    def actions(self) -> Mapping[str, Action]:
        """Every button's action, by `action_id`, with the role it needs."""
        return MappingProxyType(self._actions)

    @property
    def commands(self) -> CommandRegistry:
        return self.kernel.commands

    def add_platform(self, platform: str, capabilities: Capabilities) -> None:
        """Declare what an adapter can show; fallbacks are chosen from this."""
        self._capabilities[platform] = capabilities

    def capabilities(self, platform: str) -> Capabilities:
        known = self._capabilities.get(platform)
        return known if known is not None else Capabilities()

    async def dispatch(self, event: Event, *, kept: bool = False) -> list[Intent]:
        """Handle one inbound event and return what should be sent in answer.

        `kept`: the adapter kept the event before acknowledging it (bot.inbox), which
        claimed its ID, so it is not claimed again here; and it can be handled again
        later. Then a database (or network) out of reach raises `Unavailable` instead
        of becoming "something went wrong": nothing was decided, the inbox handles the
        event again once the database is back, and the member gets a real answer, once.
        An event that was not kept (the console's) would be lost either way, so it gets
        the apology. Any other failure gets the apology too: trying again would not help.
        """
        try:
            return await self._dispatch(event, kept)
        except Exception as error:
            if kept and is_transient(error) and not isinstance(error, Unavailable):
                raise Unavailable(type(error).__name__) from error
            raise

    async def _dispatch(self, event: Event, kept: bool) -> list[Intent]:
        if not isinstance(event, InboundEvent):
            raise TypeError(f"not an inbound event: {type(event).__name__}")
        event, refusal = admit(event)  # nothing below ever sees unstorable text
        platform = event.conversation.platform
        if not kept and not await self._dedupe.claim(platform, event.event_id):
            log.debug("event=redelivery_dropped platform=%s event_id=%s", platform, event.event_id)
            return []
        caps = self.capabilities(platform)
        try:
            ctx = await self._context(event)
        except Exception as error:
            if kept and is_transient(error):
                raise
            fallback_t = translator(pick_language(event.actor.locale))
            return await self._fallbacks.adapt(
                self._failed(event, "context", fallback_t), caps, fallback_t
            )
        try:
            if refusal is not None:
                raise CommandError(refusal.message, refusal.values)
            intents = await self._route(ctx, event)
        except CommandError as problem:
            # Refused input must have changed nothing (the fuzz test holds us to it).
            log.debug("event=refused platform=%s event_id=%s", platform, event.event_id)
            intents = [ctx.reply(problem.text(ctx.t))]
        except Exception as error:
            if kept and is_transient(error):
                raise
            intents = self._failed(event, "handler", ctx.t)
        return await self._fallbacks.adapt(intents, caps, ctx.t)

    async def suggest(self, event: OptionTyped) -> list[Choice]:
        """Suggestions for the option a member is typing, from the feature that declared
        it (none for an option that suggests nothing, or a command the member may not run)."""
        spec = self.commands.get(event.command)
        option = spec.option(event.option) if spec else None
        completer = option.completer if option else None
        if spec is None or option is None or completer is None:
            return []
        try:
            ctx = (await self._context(event)).owned_by(self._owner.get("command:" + spec.path))
            if not ctx.may(spec.role):
                return []
            typed = event.typed[: MAX_LENGTH.get(option.type, MAX_LENGTH["str"])]
            return list(await completer(ctx, typed))[:MAX_SUGGESTIONS]
        except Exception:
            log.exception(
                "event=suggest_failed platform=%s command=%s option=%s event_id=%s",
                event.conversation.platform,
                event.command,
                event.option,
                event.event_id,
            )
            return []

    def _failed(self, event: InboundEvent, stage: str, t: Translator) -> list[Intent]:
        """Log with the IDs an engineer needs (never the text) and tell the member kindly."""
        log.exception(
            "event=%s_failed platform=%s community=%s event_id=%s kind=%s",
            stage,
            event.conversation.platform,
            event.conversation.community,
            event.event_id,
            type(event).__name__,
        )
        if not isinstance(event, CommandInvoked | ComponentSubmitted | FormSubmitted):
            return []  # nobody asked for anything; a conversation message needs no reply
        sorry = t._("Sorry, something went wrong on my side. Please try again in a moment.")
        return [
            Ephemeral(
                to=event.conversation,
                member=event.actor.ref,
                message=Message(text=sorry),
                in_reply_to=event.event_id,
            )
        ]

    async def _context(self, event: InboundEvent | OptionTyped) -> Context:
        directory = self.kernel.directory
        community = await directory.community(event.conversation.community_ref)
        profile = await directory.profile(event.actor.ref)
        if event.actor.locale and profile.locale != event.actor.locale[:16]:
            directory.note_locale(profile, community, event.actor.locale)
        language = reader_language(profile, event.actor, community)
        return Context(
            kernel=self.kernel,
            event=event,
            conversation=event.conversation,
            actor=event.actor,
            profile=profile,
            community=community,
            t=translator(language),
        )

    async def _route(self, ctx: Context, event: Event) -> list[Intent]:
        if isinstance(event, CommandInvoked):
            return await self._command(ctx, event)
        if isinstance(event, ComponentSubmitted):
            return await self._action(ctx, event)
        if isinstance(event, FormSubmitted):
            return await self._form(ctx, event)
        if isinstance(event, MessagePosted):
            # An answer to a form's question or a numbered choice is not conversation.
            answered = await self._message(ctx, event)
            if answered is not None:
                return answered
            heard = await self._hear(ctx, event)
            if event.is_direct and not heard:
                return [self._direct_guide(ctx, event)]
            return heard
        if isinstance(event, ReactionAdded | MemberLeft):
            return await self._hear(ctx, event)
        if isinstance(event, HomeOpened):
            sections = [(section, ctx.owned_by(own)) for section, own in self._home]
            return [await home_page(ctx, sections)]
        return []

    @staticmethod
    def _direct_guide(ctx: Context, event: MessagePosted) -> Intent:
        """Every direct message gets an answer: when no listener (a question's reply,
        say) took it up, a kind word on what the bot does there, in the member's
        language. Slack, Discord and the console all send DMs down this one path."""
        return DirectMessage(
            member=event.actor.ref,
            message=Message(text=ctx.t._(_DIRECT_GUIDE), keep_copy=False),
            in_reply_to=event.event_id,
            asked=True,
        )

    async def _command(self, ctx: Context, event: CommandInvoked) -> list[Intent]:
        if event.name:
            spec = self.commands.get(event.name)
            if spec is None:
                raise CommandError(
                    N_("I don't know the command “{asked}”. Type “help” to see what I can do."),
                    {"asked": event.name},
                )
            raw = dict(event.options)
        else:
            spec, rest = self.commands.find(event.text)
            raw = parse_text_kept(spec, rest, ctx.t)
        return await self._run(ctx, spec, raw)

    async def _run(self, ctx: Context, spec: CommandSpec, raw: dict[str, str]) -> list[Intent]:
        if not ctx.may(spec.role):
            raise CommandError(ROLE_NEEDED[spec.role])
        args, missing = convert(spec, raw, ctx.conversation, ctx.t)
        if missing:
            return [self._command_form(ctx, spec, args)]
        return await spec.handler(ctx.owned_by(self._owner.get("command:" + spec.path)), args)

    def _command_form(self, ctx: Context, spec: CommandSpec, given: Args) -> OpenForm:
        form = Form(
            form_id=COMMAND_FORM + spec.path,
            title=ctx.t._(spec.description),
            fields=form_fields(spec.options, given, ctx.t),
            submit_label=ctx.t._("Send"),
            keep_copy=spec.keeps_copies,
            left_out=ctx.t._(spec.left_out) if spec.left_out else None,
        )
        return ctx.form(form)

    async def _action(self, ctx: Context, event: ComponentSubmitted) -> list[Intent]:
        action = self._actions.get(event.action_id)
        if action is None:
            log.warning(
                "event=unknown_action action_id=%s event_id=%s", event.action_id, event.event_id
            )
            raise CommandError(N_("That button is no longer in use. Nothing was changed."))
        if not ctx.may(action.role):
            return [ctx.reply(needs_role(action.role, ctx.t))]
        own = self._owner.get("action:" + event.action_id)
        return await action.handler(ctx.owned_by(own), event.value)

    async def _form(self, ctx: Context, event: FormSubmitted) -> list[Intent]:
        prefix = self._form_prefix(event.form_id)
        if prefix is not None:  # a feature's own form
            form = self._forms[prefix]
            if not ctx.may(form.role):
                raise CommandError(ROLE_NEEDED[form.role])
            own = self._owner.get("form:" + prefix)
            return await form.handler(ctx.owned_by(own), event.form_id, event.values)
        if not event.form_id.startswith(COMMAND_FORM):
            log.warning("event=unknown_form form_id=%s event_id=%s", event.form_id, event.event_id)
            raise CommandError(_STALE_FORM)
        spec = self.commands.get(event.form_id.removeprefix(COMMAND_FORM))
        if spec is None:
            raise CommandError(_STALE_FORM)
        raw = {name: value for name, value in event.values.items() if value.strip()}
        return await self._run(ctx, spec, raw)

    def _form_prefix(self, form_id: str) -> str | None:
        """The longest declared prefix of `form_id`, if a feature declared one."""
        found = [prefix for prefix in self._forms if form_id.startswith(prefix)]
        return max(found, key=len) if found else None

    async def _hear(self, ctx: Context, event: Event) -> list[Intent]:
        heard: list[Intent] = []
        for listener, own in self._listeners:
            heard += await listener(ctx.owned_by(own), event)
        return heard

    async def _message(self, ctx: Context, event: MessagePosted) -> list[Intent] | None:
        caps = self.capabilities(event.conversation.platform)
        if caps.forms and caps.buttons:
            return None
        intercepted = await self._fallbacks.intercept(event, ctx.t)
        if intercepted is None:
            return None
        intents, stands_for = intercepted
        if isinstance(stands_for, FormSubmitted):
            return intents + await self._dialogue_done(ctx, event, stands_for)
        if stands_for is not None:  # where the pick points (never the member's own reply)
            ctx = replace(ctx, conversation=stands_for.conversation)
            intents = [*intents, *await self._route(ctx, stands_for)]
        return intents

    async def _dialogue_done(
        self, ctx: Context, event: MessagePosted, submitted: FormSubmitted
    ) -> list[Intent]:
        """Run a form answered as a dialogue. If the command refuses one of the answers,
        that question is asked again with the reason, and the other answers are kept."""
        try:
            intents = await self._route(ctx, submitted)
        except CommandError as problem:
            step = await self._fallbacks.refused(event.actor.ref, problem.values, problem.option)
            reopened = await self._fallbacks.open_dialogue(event.actor.ref) if step else None
            if reopened is None:
                raise
            form = reopened.form
            question = field_prompt(ctx.t, form, form.fields[step - 1], step)
            text = problem.text(ctx.t) + "\n" + question
            return [ctx.reply(Message(text=text, keep_copy=form.keep_copy))]
        except Exception:
            await self._fallbacks.finished(event.actor.ref)  # no answers kept after a failure
            raise
        await self._fallbacks.finished(event.actor.ref)
        return intents
