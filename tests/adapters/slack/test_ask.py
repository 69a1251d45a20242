"""Slack: `/ask` (another slash command in the manifest) runs the core's `ask`, and the
message shortcut "Ask a liaison about this" opens the question's form with the message
quoted."""

from adapters.slack.fake import message_shortcut, slash
from tests.adapters.slack.conftest import SlackRig
from tests.conftest import DANA, LEE


async def test_slash_ask_asks_and_the_shortcut_opens_the_form(slack: SlackRig) -> None:
    fake = slack.fake
    await slack.client.command(
        slash("route fallback <@U0DANA|dana>", user=DANA, respond_to=fake.url)
    )
    await fake.wait_for(1, "response_url")
    status, _ = await slack.client.command(
        slash("Is there a bus on snow days?", user=LEE, command="/ask", respond_to=fake.url)
    )
    assert status == 200
    replies = await fake.wait_for(2, "response_url")
    assert (
        replies[1]
        .params["text"]
        .startswith("Thank you for asking. Your question #1 is with a school liaison")
    )
    shortcut = message_shortcut(
        "homeroom.ask", user=LEE, text="Picture day moved?", respond_to=fake.url
    )
    assert (await slack.client.interaction(shortcut))[0] == 200
    [opened] = await fake.wait_for(1, "views.open")
    assert "About this message: “Picture day moved?”" in str(opened.params["view"])
