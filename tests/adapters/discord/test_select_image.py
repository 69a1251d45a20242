"""Discord shows a Select as string select menus (a row each, 25 options a menu) under
the buttons, and an Image as an attachment the embed shows; a pick comes back as the
chosen values, one a line, with the card it was made on; an edit replaces the card's
components and picture."""

import base64
import json
from typing import Any

from adapters.discord import render
from adapters.discord.fake import PARENTS, select_pick
from bot.events import ComponentSubmitted, Event
from bot.intents import Button, Choice, Image, Message, Post, Select, Update
from bot.refs import ConversationRef
from tests.adapters.discord.conftest import MARIA, DiscordRig

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"chart" * 20).decode()
CARD_CHANNEL = ConversationRef("discord", "1", PARENTS)


def menu(count: int, max_values: int = 1) -> Select:
    options = tuple(Choice(f"7:{n}", f"{n + 1}. Option {n + 1}") for n in range(count))
    return Select("poll.pick", "Choose…", options, max_values)


def rows(view: Any) -> list[dict[str, Any]]:
    return view.to_components()  # type: ignore[no-any-return]


def test_a_menu_takes_a_row_under_the_buttons() -> None:
    retract = Button("Take back my vote", "poll.retract", "7")
    kwargs = render.send_kwargs(Message(text="Which day?", buttons=(retract,), select=menu(30, 3)))
    shown = rows(kwargs["view"])
    assert [[c["type"] for c in row["components"]] for row in shown] == [[2], [3], [3]]
    first, second = shown[1]["components"][0], shown[2]["components"][0]
    assert (first["custom_id"], second["custom_id"]) == ("poll.pick|#0", "poll.pick|#1")
    assert [len(m["options"]) for m in (first, second)] == [25, 5]
    assert [(m["min_values"], m["max_values"]) for m in (first, second)] == [(1, 3), (1, 3)]
    assert first["placeholder"] == "Choose…"
    assert first["options"][0] == {
        "label": "1. Option 1",
        "value": "7:0",
        "default": False,
    }


def test_buttons_give_way_to_menus_within_five_rows() -> None:
    buttons = tuple(Button(f"b{n}", "x", str(n)) for n in range(25))
    shown = rows(render.send_kwargs(Message(text="t", buttons=buttons, select=menu(3)))["view"])
    assert len(shown) == 5
    assert [c["type"] for c in shown[-1]["components"]] == [3]
    assert sum(len(r["components"]) for r in shown[:-1]) == 20


async def test_a_pick_is_a_component_submitted_with_the_values_and_the_card(
    discord_bot: DiscordRig,
) -> None:
    seen: list[Event] = []
    original = discord_bot.app.core.dispatch

    async def spy(event: Event, **how: bool):  # type: ignore[no-untyped-def]
        seen.append(event)
        return await original(event, **how)

    discord_bot.app.core.dispatch = spy  # type: ignore[method-assign]
    await discord_bot.fake.dispatch(
        "INTERACTION_CREATE", select_pick("poll.pick|#0", ["7:0", "7:4"], user_id=MARIA)
    )
    await discord_bot.fake.wait_for(1, "POST /interactions/")
    [event] = seen
    assert isinstance(event, ComponentSubmitted)
    assert (event.action_id, event.value) == ("poll.pick", "7:0\n7:4")
    assert event.conversation.message == "1500000000000000001"


async def test_a_card_with_a_chart_is_posted_with_it_attached_and_edited_in_place(
    discord_bot: DiscordRig,
) -> None:
    adapter, fake = discord_bot.adapter, discord_bot.fake
    chart = Image(PNG, "Bar chart: Tuesday 4, Friday 2")
    card = Message(text="Which day?", select=menu(3), image=chart)
    message_id = await adapter.deliver(Post(to=CARD_CHANNEL, message=card))
    where = ConversationRef("discord", "1", PARENTS, message=message_id)
    await adapter.deliver(Update(to=where, message=Message(text="Closed: Tuesday won")))
    [posted] = await fake.wait_for(1, f"POST /channels/{PARENTS}/messages")
    [edited] = await fake.wait_for(1, f"PATCH /channels/{PARENTS}/messages")
    assert (posted.method, edited.method) == ("POST", "PATCH")
    assert edited.path == f"/channels/{PARENTS}/messages/{message_id}"
    [embed] = posted.body["embeds"]
    assert embed["image"] == {"url": "attachment://chart.png"}
    assert embed["description"] == "Which day?"
    [file] = posted.body["files"]
    assert (file["filename"], file["size"]) == ("chart.png", len(base64.b64decode(PNG)))
    assert posted.body["attachments"][0]["description"] == "Bar chart: Tuesday 4, Friday 2"
    assert posted.body["components"][0]["components"][0]["type"] == 3
    # The edit leaves no menu, embed or picture behind: the poll is closed.
    body = edited.body
    assert (body["content"], body["embeds"], body["components"], body["attachments"]) == (
        "Closed: Tuesday won",
        [],
        [],
        [],
    )
    assert json.dumps(body["allowed_mentions"]["parse"]) == "[]"
