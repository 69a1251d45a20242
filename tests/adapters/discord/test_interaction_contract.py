"""Discord's side of the interaction contract: autocomplete exactly where an option
declares it, answered by the feature through the core; option kinds map to Discord's
types; and a button press tells the core which card it was pressed on."""

import asyncio
from typing import Any

from adapters.discord.commands import SUB_COMMAND, application_commands
from adapters.discord.fake import BOT_ID, PARENTS, TIMESTAMP, button_press, interaction
from bot.commands import CommandSpec, Option
from bot.directory import Role
from bot.events import ComponentSubmitted, Event
from bot.features.prompts.series import complete_series
from bot.testing import declared_features
from tests.adapters.discord.conftest import DANA, LEE, DiscordRig

SPECS = [s for f in declared_features() for s in f.commands]
CALLBACK = "POST /interactions/"
CARD = "1500000000000000001"  # the message `button_press` says was pressed on
THREAD = "1310000000000000002"


def _declared(specs: list[CommandSpec]) -> dict[tuple[str, str], dict[str, Any]]:
    """Every option of the tree Discord stores, by (command path, option name)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for command in application_commands(specs):
        subs = command.get("options", [])
        if subs and subs[0]["type"] == SUB_COMMAND:
            for sub in subs:
                for option in sub["options"]:
                    found[(f"{command['name']} {sub['name']}", option["name"])] = option
        else:
            for option in subs:
                found[(command["name"], option["name"])] = option
    return found


async def _nothing(ctx: object, args: object) -> list[Any]:
    return []


def test_autocomplete_is_offered_for_exactly_the_options_that_declare_it() -> None:
    tree = _declared(SPECS)
    wanted = {
        (spec.path, option.name) for spec in SPECS for option in spec.options if option.completer
    }
    offered = {key for key, option in tree.items() if option.get("autocomplete")}
    assert offered == wanted
    assert offered == {  # what the features declare today, so the test cannot pass empty
        ("help", "topic"),
        ("setup", "timezone"),
        ("series preview", "series"),
        ("prompt schedule", "series"),
        ("prompt schedule", "timezone"),
        ("hours set", "timezone"),
    }
    assert all("choices" not in tree[key] for key in offered)


def test_numbers_are_discord_numbers_with_their_range_and_durations_are_text() -> None:
    spec = CommandSpec(
        path="remind",
        description="Remind me",
        handler=_nothing,
        options=(
            Option("in", "duration", "When", required=True),
            Option("score", "number", "How much", between=(1, 5)),
        ),
    )
    tree = _declared([spec])
    assert tree[("remind", "in")]["type"] == 3
    score = tree[("remind", "score")]
    assert (score["type"], score["min_value"], score["max_value"]) == (10, 1, 5)
    assert "autocomplete" not in score


async def _autocomplete(
    rig: DiscordRig, command: str, option: str, typed: str, who: str, *, sub: str | None = None
) -> list[dict[str, str]]:
    focused = [{"name": option, "type": 3, "value": typed, "focused": True}]
    options = [{"name": sub, "type": SUB_COMMAND, "options": focused}] if sub else focused
    data = {"id": "1", "name": command, "type": 1, "options": options}
    rig.fake.calls.clear()
    await rig.fake.dispatch(
        "INTERACTION_CREATE", interaction(4, data, user_id=who, admin=who == DANA)
    )
    [callback] = await rig.fake.wait_for(1, CALLBACK)
    assert callback.body["type"] == 8  # APPLICATION_COMMAND_AUTOCOMPLETE_RESULT
    choices: list[dict[str, str]] = callback.body["data"]["choices"]
    return choices


async def test_help_topics_are_suggested_by_the_help_feature_for_this_member(
    discord_bot: DiscordRig,
) -> None:
    roots = list(dict.fromkeys(s.root for s in SPECS))
    everyone = [c["value"] for c in await _autocomplete(discord_bot, "help", "topic", "", DANA)]
    assert everyone == roots
    parent = [c["value"] for c in await _autocomplete(discord_bot, "help", "topic", "", LEE)]
    parents = [r for r in roots if any(s.root == r and s.role is Role.PARENT for s in SPECS)]
    assert parent == parents
    assert "role" in everyone and "role" not in parent  # organizers' commands: not offered


async def test_series_are_suggested_by_the_prompts_feature(discord_bot: DiscordRig) -> None:
    found = await _autocomplete(discord_bot, "series", "series", "homework", DANA, sub="preview")
    library = discord_bot.app.state("prompts").library
    expected = [
        s for s in library.in_locale("en") if "homework" in s.id or "homework" in s.title.lower()
    ]
    assert expected
    assert found == [{"name": f"{s.title} ({s.id})", "value": s.id} for s in expected]
    assert complete_series in {o.complete for s in SPECS for o in s.options if o.name == "series"}
    parent = await _autocomplete(discord_bot, "series", "series", "", LEE, sub="preview")
    assert parent == []  # organizers' command: nothing suggested to a parent


async def test_a_button_press_carries_the_card_it_was_pressed_on(discord_bot: DiscordRig) -> None:
    seen: list[Event] = []
    original = discord_bot.app.core.dispatch

    async def spy(event: Event, **how: bool):  # type: ignore[no-untyped-def]
        seen.append(event)
        return await original(event, **how)

    discord_bot.app.core.dispatch = spy  # type: ignore[method-assign]
    press = button_press("help.topic|role", user_id=DANA, admin=True)
    await discord_bot.fake.dispatch("INTERACTION_CREATE", press)
    await discord_bot.fake.wait_for(1, CALLBACK)
    await asyncio.sleep(0)
    [event] = seen
    assert isinstance(event, ComponentSubmitted)
    assert press["message"]["id"] == CARD
    assert (event.conversation.channel, event.conversation.message) == (
        press["channel_id"],
        CARD,
    )


async def test_a_button_press_in_a_thread_carries_the_thread_and_the_card(
    discord_bot: DiscordRig,
) -> None:
    seen: list[Event] = []
    original = discord_bot.app.core.dispatch

    async def spy(event: Event, **how: bool):  # type: ignore[no-untyped-def]
        seen.append(event)
        return await original(event, **how)

    discord_bot.app.core.dispatch = spy  # type: ignore[method-assign]
    press = button_press("help.topic|role", user_id=DANA, admin=True, channel_id=THREAD)
    press["channel"] = {
        **press["channel"],
        "type": 11,  # a public thread under #parents
        "parent_id": PARENTS,
        "owner_id": BOT_ID,
        "message_count": 1,
        "member_count": 1,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": TIMESTAMP,
            "locked": False,
        },
    }
    press["message"] = {**press["message"], "channel_id": THREAD}
    await discord_bot.fake.dispatch("INTERACTION_CREATE", press)
    await discord_bot.fake.wait_for(1, CALLBACK)
    [event] = seen
    assert isinstance(event, ComponentSubmitted)
    where = event.conversation
    assert (where.channel, where.thread, where.message) == (PARENTS, THREAD, CARD)
