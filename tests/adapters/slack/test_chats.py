"""Slack: a live chat through the app's own HTTP endpoint against the fake Web API. An
organizer's `/homeroom chat start` posts the opening and Q1; a member's `A1: ...` gets
the ✅ reaction (`reactions.add`); the message shortcut "File as answer to Q..." opens
the form listing the chat's questions."""

from adapters.slack.fake import event_callback, message_shortcut, slash
from tests.adapters.slack.conftest import SlackRig
from tests.conftest import DANA, LEE

PARENTS = "C0PARENTS"


async def test_a_chat_posts_files_with_a_reaction_and_offers_the_shortcut(
    slack: SlackRig,
) -> None:
    fake = slack.fake
    start = slash(
        'chat start questions="What helps mornings?; How do you plan the week?"',
        user=DANA,
        respond_to=fake.url,
    )
    assert (await slack.client.command(start))[0] == 200
    [reply] = await fake.wait_for(1, "response_url")
    assert reply.params["text"] == "Chat #1 has started in <#C0PARENTS> with 2 questions."
    opening, question = await fake.wait_for(2, "chat.postMessage")
    assert opening.params["text"].startswith("*Live chat*")
    assert question.params["text"].startswith("Q1: What helps mornings?")
    answer = {
        "type": "message",
        "user": LEE,
        "channel": PARENTS,
        "text": "A1: a calm breakfast",
        "ts": "1700000001.000100",
    }
    assert (await slack.client.event(event_callback(answer)))[0] == 200
    [mark] = await fake.wait_for(1, "reactions.add")
    assert (mark.params["name"], mark.params["timestamp"]) == (
        "white_check_mark",
        "1700000001.000100",
    )
    shortcut = message_shortcut(
        "homeroom.chat.file", user=DANA, text="we plan on Sundays", respond_to=fake.url
    )
    assert (await slack.client.interaction(shortcut))[0] == 200
    [opened] = await fake.wait_for(1, "views.open")
    view = str(opened.params["view"])
    assert "Which question does it answer?" in view
    assert "Q2" in view and "None: it isn't an answer" in view
