"""Who may do what, checked in the core for every command, form and button.

A liaison answers parents' questions; only organizers change schedules, routing, roles
and settings. Each check below walks every organizer-only command, command form and
button the core knows, so a new one is covered the day it is declared.
"""

from bot.core import COMMAND_FORM
from bot.directory import Role
from bot.intents import Ephemeral, Intent
from bot.testing import TestBot

ONLY_ORGANIZERS = (
    "Only organizers can do that. If you help run this group, "
    "an organizer can give you the role with “role grant”."
)


async def a_group_with_a_liaison(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom setup timezone=America/New_York queue=#liaisons")
    await bot.say("dana", "/homeroom role grant @sam liaison")
    await bot.say("lee", "/homeroom prompt suggest What helps mornings go calmly?")  # idea 1
    for who in ("sam", "maria"):  # a first contact notes the member's locale: not state
        await bot.say(who, "/homeroom help")
    roles = (await bot.app.directory.profile(bot.member("sam"))).roles
    assert Role.LIAISON in roles and Role.ORGANIZER not in roles


def refused(bot: TestBot, intents: list[Intent]) -> bool:
    return (
        len(intents) == 1
        and isinstance(intents[0], Ephemeral)
        and intents[0].member == bot.member("sam")
        and bot.texts(intents) == [ONLY_ORGANIZERS]
    )


async def test_a_liaison_cannot_run_any_organizer_command(bot: TestBot) -> None:
    await a_group_with_a_liaison(bot)
    specs = [s for s in bot.app.core.commands.all() if s.role is Role.ORGANIZER]
    assert {"role grant", "setup", "prompt schedule", "prompt suggestions"} <= {
        s.path for s in specs
    }
    before = await bot.state()
    for spec in specs:
        replies = await bot.say("sam", f"/homeroom {spec.path}")
        assert refused(bot, replies), (spec.path, bot.texts(replies))
    assert await bot.state() == before


async def test_a_liaison_cannot_submit_any_organizer_form(bot: TestBot) -> None:
    await a_group_with_a_liaison(bot)
    specs = [s for s in bot.app.core.commands.all() if s.role is Role.ORGANIZER]
    before = await bot.state()
    for spec in specs:
        values = {option.name: "x" for option in spec.options}
        replies = await bot.submit("sam", COMMAND_FORM + spec.path, **values)
        assert refused(bot, replies), (spec.path, bot.texts(replies))
    assert await bot.state() == before


async def test_a_liaison_cannot_press_any_organizer_button(bot: TestBot) -> None:
    await a_group_with_a_liaison(bot)
    actions = [a for a, action in bot.app.core.actions.items() if action.role is Role.ORGANIZER]
    assert {"prompts.accept", "prompts.set-aside"} <= set(actions)
    before = await bot.state()
    for action_id in actions:
        replies = await bot.press("sam", action_id, "1")  # idea 1 is waiting
        assert refused(bot, replies), (action_id, bot.texts(replies))
    assert await bot.state() == before
    done, _ = await bot.press("dana", "prompts.accept", "1")  # an organizer still may
    assert bot.texts([done]) == ["Added to “our-prompts”, the group's own series."]


async def test_parents_cannot_press_organizer_buttons_either(bot: TestBot) -> None:
    await a_group_with_a_liaison(bot)
    before = await bot.state()
    for action_id, action in bot.app.core.actions.items():
        if action.role is Role.ORGANIZER:
            [reply] = await bot.press("maria", action_id, "1")
            assert isinstance(reply, Ephemeral) and reply.member == bot.member("maria")
    assert await bot.state() == before
