"""A poll end to end on Slack, against the local fake: the card in Block Kit with a button
per option (a select menu when there are more options than an actions block holds), a
vote answered privately through the response_url, and the card edited in place with
chat.update, at most once a second however fast the votes come."""

import json
from typing import Any

from adapters.slack.fake import Call, block_action, select_action, slash
from bot.app import Homeroom
from bot.clock import FakeClock
from bot.testing import run_until
from tests.adapters.slack.conftest import SlackRig
from tests.conftest import DANA, LEE, MARIA, SAM


def shown(call: Call) -> list[dict[str, Any]]:
    blocks = call.params["blocks"]
    return json.loads(blocks) if isinstance(blocks, str) else blocks  # type: ignore[no-any-return]


def elements(call: Call) -> list[dict[str, Any]]:
    return [e for b in shown(call) if b["type"] == "actions" for e in b["elements"]]


async def create(slack: SlackRig, homeroom: Homeroom, text: str) -> Call:
    await slack.client.command(slash(text, user=DANA, respond_to=slack.fake.url))
    [card] = await run_until(homeroom, slack.fake.wait_for(1, "chat.postMessage"))
    return card


def press(slack: SlackRig, ts: str, action_id: str, value: str, user: str) -> dict[str, Any]:
    payload = block_action(action_id, value, user=user, respond_to=slack.fake.url)
    payload["container"].update(message_ts=ts, is_ephemeral=False)
    return payload


def texts(calls: list[Call]) -> list[str]:
    return [str(c.params.get("text")) for c in calls]


async def test_a_vote_is_confirmed_privately_and_the_card_edited_in_place(
    slack: SlackRig, homeroom: Homeroom, clock: FakeClock
) -> None:
    card = await create(slack, homeroom, 'poll create When shall we meet? options="Mon; Tue; Wed"')
    ts = (await slack.fake.wait_for(1, "chat.postMessage"))[0].params.get("ts") or next(
        m["ts"] for m in slack.fake.messages["C0PARENTS"]
    )
    buttons = elements(card)
    assert [(b["type"], b["text"]["text"]) for b in buttons] == [
        ("button", "1. Mon"),
        ("button", "2. Tue"),
        ("button", "3. Wed"),
        ("button", "Take back my vote"),
    ]
    replies_before = len([c for c in slack.fake.calls if c.method == "response_url"])
    tue = buttons[1]
    await slack.client.interaction(press(slack, ts, tue["action_id"], tue["value"], LEE))
    [update] = await run_until(homeroom, slack.fake.wait_for(1, "chat.update"))
    replies = await slack.fake.wait_for(replies_before + 1, "response_url")
    assert texts(replies[replies_before:]) == [
        "Your vote in poll #1: Tue. You can change it until the poll closes."
    ]
    assert replies[-1].params["response_type"] == "ephemeral"
    assert (update.params["channel"], update.params["ts"]) == ("C0PARENTS", ts)
    assert [b["text"]["text"] for b in elements(update)][:3] == ["1. Mon", "2. Tue", "3. Wed"]

    # Three more votes at once: the card goes once more, a second after its last edit,
    # showing all of them (the edits in between are replaced, never sent).
    edited_at = clock.monotonic()
    for user, button in ((SAM, buttons[0]), (MARIA, buttons[1]), (DANA, buttons[1])):
        await slack.client.interaction(press(slack, ts, button["action_id"], button["value"], user))
    # The answers are private, paced apart: they all arrive while the card waits.
    await slack.fake.wait_for(replies_before + 4, "response_url")
    assert clock.monotonic() == edited_at
    await run_until(homeroom)
    edits = [c for c in slack.fake.calls if c.method == "chat.update"]
    assert len(edits) == 2
    assert clock.monotonic() - edited_at == 1.0
    card_text = json.dumps(shown(edits[-1]), ensure_ascii=False)
    assert "█" in card_text and " 1 · 25%" in card_text and " 3 · 75%" in card_text


async def test_more_options_than_an_actions_block_holds_make_a_select_menu(
    slack: SlackRig, homeroom: Homeroom
) -> None:
    options = "; ".join(f"Day {n}" for n in range(1, 26))
    card = await create(slack, homeroom, f'poll create Which day? options="{options}"')
    ts = next(m["ts"] for m in slack.fake.messages["C0PARENTS"])
    retract, menu = elements(card)
    assert (menu["type"], len(menu["options"])) == ("static_select", 25)
    assert retract["type"] == "button"
    replies_before = len([c for c in slack.fake.calls if c.method == "response_url"])
    pick = select_action(
        menu["action_id"], [menu["options"][24]["value"]], user=LEE, respond_to=slack.fake.url
    )
    pick["container"].update(message_ts=ts, is_ephemeral=False)
    await slack.client.interaction(pick)
    [update] = await run_until(homeroom, slack.fake.wait_for(1, "chat.update"))
    replies = await slack.fake.wait_for(replies_before + 1, "response_url")
    assert texts(replies[replies_before:]) == [
        "Your vote in poll #1: Day 25. You can change it until the poll closes."
    ]
    assert update.params["ts"] == ts
    assert [e["type"] for e in elements(update)] == ["button", "static_select"]
