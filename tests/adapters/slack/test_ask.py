"""Slack: `/ask` (another slash command in the manifest) runs the core's `ask`, and the
message shortcut "Ask a liaison about this" opens the question's form with the message
quoted."""

from collections.abc import Callable
from typing import Any

from adapters.slack.fake import event_callback, message_shortcut, slash
from bot.testing import run_until
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


async def test_a_reply_to_the_bots_dm_reaches_the_cards_thread(slack: SlackRig) -> None:
    """A Slack DM belongs to the workspace: the parent's reply to the answer's DM goes
    to the thread of the question's card in the liaisons' channel."""
    fake = slack.fake

    async def until(done: Callable[[], bool]) -> None:
        while not done():  # each new call to the fake looks again (or times out)
            await fake.wait_for(len(fake.calls) + 1)

    def in_queue(text: str) -> list[dict[str, Any]]:
        return [m for m in fake.messages.get("C0LIAISONS", []) if text in str(m)]

    async def run(text: str, user: str, command: str = "/homeroom") -> None:
        before = len([c for c in fake.calls if c.method == "response_url"])
        await slack.client.command(slash(text, user=user, command=command, respond_to=fake.url))
        await fake.wait_for(before + 1, "response_url")

    await run("setup queue=<#C0LIAISONS|liaisons>", DANA)
    await run("route fallback <@U0DANA|dana>", DANA)
    await run("My son struggles with reading anonymous=yes", LEE, "/ask")
    await until(lambda: bool(in_queue("Question #1")))
    [card] = in_queue("Question #1")
    await run("queue answer 1 Let's meet his teacher.", DANA)
    await until(lambda: bool(in_queue("the parent has it")))
    dm = {
        "type": "message",
        "channel": "D" + LEE,
        "channel_type": "im",
        "user": LEE,
        "text": "Thank you, Tuesday works.",
        "ts": "1700000000.000100",
    }
    assert (await slack.client.event(event_callback(dm)))[0] == 200
    app = slack.adapter.homeroom
    await app.inbox.settled()
    await run_until(app)  # the channel's burst is spent: the fake clock moves to the pace
    replies = [m["text"] for m in fake.messages["C0LIAISONS"] if m["thread_ts"] == card["ts"]]
    assert replies == [
        "@Dana answered; the parent has it.",
        "The parent replied on #1: Thank you, Tuesday works.",
    ]
    assert LEE not in str(fake.messages["C0LIAISONS"])
