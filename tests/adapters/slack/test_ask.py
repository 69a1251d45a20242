"""Slack: `/ask` (another slash command in the manifest) runs the core's `ask`, and the
message shortcut "Ask a liaison about this" opens the question's form with the message
quoted."""

from typing import Any

from sqlalchemy import text

from adapters.slack.fake import event_callback, message_shortcut, slash
from bot.testing import run_until
from tests.adapters.slack.conftest import SlackRig
from tests.conftest import DANA, LEE, SAM


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


async def answered(slack: SlackRig, text: str, user: str, command: str = "/homeroom") -> None:
    """A slash command, once Slack has its answer."""
    fake = slack.fake
    before = len([c for c in fake.calls if c.method == "response_url"])
    await slack.client.command(slash(text, user=user, command=command, respond_to=fake.url))
    await fake.wait_for(before + 1, "response_url")


async def test_a_reply_to_the_bots_dm_reaches_the_cards_thread(slack: SlackRig) -> None:
    """A Slack DM belongs to the workspace: the parent's reply to the answer's DM goes
    to the thread of the question's card in the liaisons' channel."""
    fake, app = slack.fake, slack.adapter.homeroom

    async def settle() -> None:
        """Until what is handed in is handled and delivered: the fake clock moves on
        where the channel's burst is spent."""
        await app.inbox.settled()
        await run_until(app)

    def in_queue(text: str) -> list[dict[str, Any]]:
        return [m for m in fake.messages.get("C0LIAISONS", []) if text in str(m)]

    await answered(slack, "setup queue=<#C0LIAISONS|liaisons>", DANA)
    await answered(slack, "route fallback <@U0DANA|dana>", DANA)
    await answered(slack, "My son struggles with reading anonymous=yes", LEE, "/ask")
    await settle()
    [card] = in_queue("Question #1")
    await answered(slack, "queue answer 1 Let's meet his teacher.", DANA)
    await settle()
    dm = {
        "type": "message",
        "channel": "D" + LEE,
        "channel_type": "im",
        "user": LEE,
        "text": "Thank you, Tuesday works.",
        "ts": "1700000000.000100",
    }
    assert (await slack.client.event(event_callback(dm)))[0] == 200
    await settle()
    replies = [m["text"] for m in fake.messages["C0LIAISONS"] if m["thread_ts"] == card["ts"]]
    assert replies == [
        "@Dana answered; the parent has it.",
        "The parent replied on #1: Thank you, Tuesday works.",
    ]
    assert LEE not in str(fake.messages["C0LIAISONS"])


async def test_a_liaison_deactivated_in_slack_has_their_question_routed_again(
    slack: SlackRig,
) -> None:
    """Slack says a member left by deactivating their account (`user_change`, deleted):
    their open question goes to the backup at once, said in the card's thread. Other
    profile changes are not even kept."""
    fake, app = slack.fake, slack.adapter.homeroom

    await answered(slack, "setup queue=<#C0LIAISONS|liaisons>", DANA)
    await answered(slack, "role grant <@U0SAM|sam> liaison", DANA)
    await answered(slack, "route fallback <@U0SAM|sam> backup=<@U0DANA|dana>", DANA)
    await answered(slack, "Is there a bus on snow days?", LEE, "/ask")
    renamed = {"type": "user_change", "user": {"id": SAM, "name": "samuel", "deleted": False}}
    assert (await slack.client.event(event_callback(renamed, event_id="Ev0RENAME")))[0] == 200
    fake.users[SAM]["deleted"] = True
    gone = {"type": "user_change", "user": {"id": SAM, "name": "sam", "deleted": True}}
    assert (await slack.client.event(event_callback(gone, event_id="Ev0GONE")))[0] == 200
    await app.inbox.settled()
    await run_until(app)
    lines = [m["text"] for m in fake.messages["C0LIAISONS"] if m["thread_ts"]]
    assert lines == ["@Sam is no longer a liaison here, so #1 went to @Dana."]
    async with app.db.engine.connect() as conn:
        kept = (await conn.execute(text("SELECT event_id FROM processed_events"))).scalars()
        assert "Ev0RENAME" not in set(kept)
