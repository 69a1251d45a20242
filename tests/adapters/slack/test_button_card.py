"""A button press on Slack tells the core which card it was pressed on (the container's
message_ts), so a feature can update that card in place."""

from adapters.slack.fake import block_action
from bot.events import ComponentSubmitted, Event
from tests.adapters.slack.conftest import SlackRig
from tests.conftest import DANA


async def test_a_button_press_carries_the_card_it_was_pressed_on(slack: SlackRig) -> None:
    seen: list[Event] = []
    original = slack.adapter.homeroom.handle

    async def spy(event: Event):  # type: ignore[no-untyped-def]
        seen.append(event)
        return await original(event)

    slack.adapter.homeroom.handle = spy  # type: ignore[method-assign]
    press = block_action("help.topic#2", "role", user=DANA, respond_to=slack.fake.url)
    status, _ = await slack.client.interaction(press)
    assert status == 200
    await slack.fake.wait_for(1)
    [event] = seen
    assert isinstance(event, ComponentSubmitted)
    container = press["container"]
    assert (event.conversation.channel, event.conversation.message) == (
        container["channel_id"],
        container["message_ts"],
    )
