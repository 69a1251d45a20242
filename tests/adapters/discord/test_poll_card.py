"""A poll end to end on Discord, against the local fake gateway and REST API: the card's
buttons (a string select beyond 24 options), a vote answered through the interaction,
and the card's message edited in place."""

from typing import Any

from adapters.discord.fake import PARENTS, Call, button_press, select_pick, slash_command
from bot.testing import run_until
from tests.adapters.discord.conftest import DANA, LEE, DiscordRig

CALLBACK = "POST /interactions/"
EPHEMERAL = 64


def option(name: str, value: object) -> dict[str, object]:
    return {"name": name, "type": 3, "value": value}


async def create(rig: DiscordRig, options: str) -> Call:
    command = slash_command(
        "poll",
        [
            {
                "name": "create",
                "type": 1,
                "options": [option("question", "Which day?"), option("options", options)],
            }
        ],
        user_id=DANA,
        admin=True,
    )
    await rig.fake.dispatch("INTERACTION_CREATE", command)
    [card] = await run_until(rig.app, rig.fake.wait_for(1, f"POST /channels/{PARENTS}/messages"))
    return card


def components(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for row in body["components"] for c in row["components"]]


def on_card(payload: dict[str, Any], card_id: str) -> dict[str, Any]:
    payload["message"]["id"] = card_id
    return payload


async def test_a_button_vote_is_answered_privately_and_the_card_edited(
    discord_bot: DiscordRig,
) -> None:
    fake = discord_bot.fake
    card = await create(discord_bot, "Mon; Tue; Wed")
    card_id = fake.messages[-1]["id"]
    buttons = components(card.body)
    assert [(b["type"], b["label"]) for b in buttons] == [
        (2, "1. Mon"),
        (2, "2. Tue"),
        (2, "3. Wed"),
        (2, "Take back my vote"),
    ]
    callbacks = len([c for c in fake.calls if c.path.startswith("/interactions/")])
    press = on_card(button_press(buttons[1]["custom_id"], user_id=LEE), card_id)
    await fake.dispatch("INTERACTION_CREATE", press)
    answers = await run_until(discord_bot.app, fake.wait_for(callbacks + 1, CALLBACK))
    [edit] = await run_until(
        discord_bot.app, fake.wait_for(1, f"PATCH /channels/{PARENTS}/messages/{card_id}")
    )
    answer = answers[-1].body
    assert answer["type"] == 4 and answer["data"]["flags"] == EPHEMERAL
    assert answer["data"]["content"] == (
        "Your vote in poll #1: Tue. You can change it until the poll closes."
    )
    shown = edit.body["embeds"][0]["description"] if edit.body["embeds"] else edit.body["content"]
    assert " 1 · 100%" in shown
    assert [b["label"] for b in components(edit.body)] == [b["label"] for b in buttons]


async def test_more_options_than_buttons_make_a_string_select(discord_bot: DiscordRig) -> None:
    fake = discord_bot.fake
    card = await create(discord_bot, "; ".join(f"Day {n}" for n in range(1, 26)))
    card_id = fake.messages[-1]["id"]
    rows = card.body["components"]
    assert [[c["type"] for c in row["components"]] for row in rows] == [[2], [3]]
    [menu] = rows[1]["components"]
    assert (len(menu["options"]), menu["min_values"], menu["max_values"]) == (25, 1, 1)
    callbacks = len([c for c in fake.calls if c.path.startswith("/interactions/")])
    pick = on_card(
        select_pick(menu["custom_id"], [menu["options"][24]["value"]], user_id=LEE), card_id
    )
    await fake.dispatch("INTERACTION_CREATE", pick)
    answers = await run_until(discord_bot.app, fake.wait_for(callbacks + 1, CALLBACK))
    assert answers[-1].body["data"]["content"] == (
        "Your vote in poll #1: Day 25. You can change it until the poll closes."
    )
    [edit] = await run_until(
        discord_bot.app, fake.wait_for(1, f"PATCH /channels/{PARENTS}/messages/{card_id}")
    )
    assert [[c["type"] for c in row["components"]] for row in edit.body["components"]] == [[2], [3]]
