"""Slack shows a Select as a static (or multi-static) select menu in an actions block,
and an Image uploaded with files_upload_v2 in an image block; a pick comes back as the
chosen values, one a line, with the card it was made on."""

import base64
import json

from adapters.slack import blocks, inbound
from adapters.slack.fake import select_action
from bot.events import Actor, ComponentSubmitted
from bot.intents import Choice, Image, Message, Post, Select, Update
from bot.refs import ConversationRef, MemberRef
from tests.adapters.slack.conftest import SlackRig

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"chart" * 20).decode()
PARENTS = ConversationRef("slack", "T0SCHOOL", "C0PARENTS")


def menu(count: int, max_values: int = 1) -> Select:
    options = tuple(Choice(f"7:{n}", f"{n + 1}. Option {n + 1}") for n in range(count))
    return Select("poll.pick", "Choose…", options, max_values)


def test_one_choice_is_a_static_select_in_an_actions_block() -> None:
    [actions] = blocks.select_blocks(menu(3))
    assert actions == {
        "type": "actions",
        "elements": [
            {
                "type": "static_select",
                "action_id": "poll.pick#s0",
                "placeholder": {"type": "plain_text", "text": "Choose…", "emoji": True},
                "options": [
                    {
                        "text": {
                            "type": "plain_text",
                            "text": f"{n + 1}. Option {n + 1}",
                            "emoji": True,
                        },
                        "value": f"7:{n}",
                    }
                    for n in range(3)
                ],
            }
        ],
    }


def test_several_choices_are_a_multi_select_limited_to_them() -> None:
    [actions] = blocks.select_blocks(menu(30, max_values=3))
    [element] = actions["elements"]
    assert (element["type"], element["max_selected_items"], len(element["options"])) == (
        "multi_static_select",
        3,
        30,
    )


def test_over_a_hundred_options_are_split_over_menus() -> None:
    first, second = blocks.select_blocks(menu(150))
    assert [len(b["elements"][0]["options"]) for b in (first, second)] == [100, 50]
    assert [b["elements"][0]["action_id"] for b in (first, second)] == [
        "poll.pick#s0",
        "poll.pick#s100",
    ]
    assert second["elements"][0]["options"][0]["value"] == "7:100"


def test_a_message_without_an_uploaded_image_shows_its_alt_text() -> None:
    message = Message(text="Votes", image=Image(PNG, "Bar chart: Tuesday 4, Friday 2"))
    assert blocks.message_blocks(message)[-1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "Bar chart: Tuesday 4, Friday 2"}],
    }
    assert "Bar chart: Tuesday 4, Friday 2" in blocks.fallback_text(message)


def pick(payload: dict[str, object]) -> ComponentSubmitted:
    actor = Actor(MemberRef("slack", "T0SCHOOL", "U0MARIA"))
    [action] = payload["actions"]  # type: ignore[misc]
    return inbound.action_event(payload, action, actor)  # type: ignore[arg-type]


def test_a_pick_comes_back_as_its_values_with_the_card_it_was_on() -> None:
    one = pick(select_action("poll.pick#s0", ["7:2"], user="U0MARIA"))
    many = pick(select_action("poll.pick#s0", ["7:0", "7:4"], user="U0MARIA", multi=True))
    none = pick(select_action("poll.pick#s0", [], user="U0MARIA", multi=True))
    assert [(e.action_id, e.value) for e in (one, many, none)] == [
        ("poll.pick", "7:2"),
        ("poll.pick", "7:0\n7:4"),
        ("poll.pick", ""),
    ]
    assert (one.conversation.channel, one.conversation.message) == ("C0PARENTS", "1.1")


async def test_a_card_with_a_menu_and_a_chart_is_posted_and_edited_in_place(
    slack: SlackRig,
) -> None:
    chart = Image(PNG, "Bar chart: Tuesday 4, Friday 2")
    card = Message(text="*Which day?*", select=menu(30), image=chart, footer="3 votes")
    ts = await slack.adapter.deliver(Post(to=PARENTS, message=card))
    edited = Message(text="*Which day?*", select=menu(30), image=chart, footer="4 votes")
    await slack.adapter.deliver(
        Update(to=ConversationRef("slack", "T0SCHOOL", "C0PARENTS", message=ts), message=edited)
    )
    methods = slack.fake.methods()
    # One upload (the same chart is not sent again), then the post and the edit.
    assert methods == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
        "chat.postMessage",
        "chat.update",
    ]
    [file_id] = slack.fake.uploads
    assert base64.b64encode(slack.fake.uploads[file_id]).decode() == PNG
    post, update = slack.fake.calls[3].params, slack.fake.calls[4].params
    for params in (post, update):
        shown = params["blocks"]
        shown = json.loads(shown) if isinstance(shown, str) else shown
        kinds = [b["type"] for b in shown]
        assert kinds == ["section", "actions", "image", "context"]
        assert shown[1]["elements"][0]["type"] == "static_select"
        assert shown[2] == {
            "type": "image",
            "slack_file": {"id": file_id},
            "alt_text": "Bar chart: Tuesday 4, Friday 2",
        }
    assert update["ts"] == ts
    assert update["blocks"] and "4 votes" in json.dumps(update["blocks"])


async def test_a_menu_survives_a_post_whose_mentions_are_made_names(slack: SlackRig) -> None:
    slack.fake.add_user("U0LEE", name="lee")
    card = Message(text="Asked by <@U0LEE>", select=menu(2))
    await slack.adapter.deliver(Post(to=PARENTS, message=card))
    [call] = await slack.fake.wait_for(1, "chat.postMessage")
    shown = call.params["blocks"]
    shown = json.loads(shown) if isinstance(shown, str) else shown
    assert [b["type"] for b in shown] == ["section", "actions"]
    assert shown[0]["text"]["text"] == "Asked by @Lee"
