"""Privacy audit across every feature, enumerated from the features' declarations so a
new feature is covered without touching this file: a member without the organizer or
liaison role reaches none of those commands, buttons or forms; and an anonymous vote
never reaches that member's export."""

from __future__ import annotations

import base64
import io

from adapters.console import ConsoleAdapter
from adapters.console.view import View
from bot.app import Homeroom
from bot.context import ROLE_NEEDED
from bot.directory import Role
from bot.features import Action, FormAction
from bot.intents import DirectMessage, Intent
from bot.testing import TestBot, declared_features, text_of

REFUSALS = tuple(ROLE_NEEDED.values())


def guarded() -> tuple[list[str], list[str], list[str]]:
    """Commands, buttons and form prefixes that need a role beyond parent."""
    commands, actions, forms = [], [], []
    for feature in declared_features():
        commands += [c.path for c in feature.commands if c.role is not Role.PARENT]
        actions += [
            a
            for a, h in feature.actions.items()
            if isinstance(h, Action) and h.role is not Role.PARENT
        ]
        forms += [
            f
            for f, h in feature.forms.items()
            if isinstance(h, FormAction) and h.role is not Role.PARENT
        ]
    return commands, actions, forms


def test_the_enumeration_sees_every_guarded_feature() -> None:
    commands, actions, forms = guarded()
    assert "retention set" in commands and "role grant" in commands
    assert len(commands) > 10 and actions and forms


async def test_a_parent_reaches_no_organizer_or_liaison_command_button_or_form(
    bot: TestBot,
) -> None:
    await bot.say("lee", "/homeroom me settings")  # lee is known; nothing else changes
    state = await bot.state()
    commands, actions, forms = guarded()
    for path in commands:
        replies = await bot.say("lee", f"/homeroom {path}")
        assert [text_of(r) for r in replies] and all(
            any(text_of(r) == bot_text for bot_text in _refusals()) for r in replies
        ), path
    for action in actions:
        replies = await bot.press("lee", action, "1")
        assert all(text_of(r) in _refusals() for r in replies) and replies, action
    for prefix in forms:
        replies = await bot.submit("lee", prefix + "1", text="x")
        assert all(text_of(r) in _refusals() for r in replies) and replies, prefix
    assert await bot.state() == state


def _refusals() -> tuple[str, ...]:
    return REFUSALS


async def test_an_anonymous_vote_is_in_no_export(bot: TestBot) -> None:
    await bot.say("dana", '/homeroom poll create Rides? options="yes; no" anonymous=yes')
    await bot.press("wren", "polls.vote", "1:0")
    token = bot.app.kernel.anonymity.token("poll", "1", bot.member("wren"))
    sent = await bot.say("wren", "/homeroom me export")
    [dm] = [i for i in sent if isinstance(i, DirectMessage)]
    assert dm.message.attachment is not None
    document = base64.b64decode(dm.message.attachment.data_base64).decode()
    assert token not in document and "Rides?" not in document
    assert '"poll_ballots": []' in document


async def test_through_the_console_too_a_parent_runs_no_guarded_command(
    homeroom: Homeroom,
) -> None:
    """The console's own front door (typed lines) reaches the same checks."""
    out = io.StringIO()
    adapter = ConsoleAdapter(homeroom, View(out, rich=False))
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    delivered: list[Intent] = []
    deliver = adapter.deliver

    async def recording(intent: Intent, *, key: str | None = None) -> str | None:
        delivered.append(intent)
        return await deliver(intent, key=key)

    adapter.deliver = recording  # type: ignore[method-assign]
    assert await adapter.handle_line(":as lee")
    commands, _, _ = guarded()
    for path in commands:
        delivered.clear()
        assert await adapter.handle_line(f"/{path}")
        assert delivered and all(text_of(i) in REFUSALS for i in delivered), path
