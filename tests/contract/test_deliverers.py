"""Every adapter's sending side honours one contract. Adapters join by adding a factory
to ADAPTERS; the same checks then run over them."""

import io
from collections.abc import Callable

import pytest

from adapters.console import ConsoleAdapter
from adapters.console.view import View
from adapters.slack import SlackAdapter
from adapters.slack.fake import FakeSlack
from bot.app import Homeroom
from bot.delivery import Deliverer
from bot.i18n import translator
from bot.intents import (
    Button,
    DirectMessage,
    Ephemeral,
    Form,
    FormField,
    Intent,
    Message,
    OpenForm,
    Post,
    React,
    Update,
)
from bot.refs import ConversationRef, MemberRef
from bot.testing import FakeAdapter
from tests.adapters.slack.conftest import slack_settings

ADAPTERS: dict[str, Callable[[Homeroom, FakeSlack], Deliverer]] = {
    "console": lambda app, _: ConsoleAdapter(app, View(io.StringIO(), rich=False)),
    "fake": lambda app, _: FakeAdapter(),
    "slack": lambda app, fake: SlackAdapter(app, slack_settings(app, fake, 0)),
}


def every_intent(platform: str, community: str, channel: str, member: str) -> list[Intent]:
    where = ConversationRef(platform, community, channel)
    who = MemberRef(platform, community, member)
    card = Message(
        text="Pick", title="T", fields=(("k", "v"),), buttons=(Button("One", "a.b", "1"),)
    )
    return [
        Post(to=where, message=card),
        Post(to=where.in_thread("1"), message=Message(text="in thread")),
        Ephemeral(to=where, member=who, message=card),
        DirectMessage(member=who, message=card),
        Update(to=ConversationRef(platform, community, channel, message="1"), message=card),
        React(to=ConversationRef(platform, community, channel, message="1"), emoji="✅"),
        OpenForm(to=where, member=who, form=Form("f", "Form", (FormField("x", "X"),), "Send")),
    ]


@pytest.fixture(params=sorted(ADAPTERS))
def deliverer(
    request: pytest.FixtureRequest, homeroom: Homeroom, fake_slack: FakeSlack
) -> Deliverer:
    return ADAPTERS[request.param](homeroom, fake_slack)


def test_declares_platform_capabilities_and_limits(deliverer: Deliverer) -> None:
    assert deliverer.platform and deliverer.platform.isidentifier()
    assert deliverer.capabilities.max_text >= 1000
    assert deliverer.limits.per_channel > 0 and deliverer.limits.overall > 0


async def test_delivers_every_intent_after_the_cores_fallbacks(
    deliverer: Deliverer, homeroom: Homeroom
) -> None:
    intents = every_intent(deliverer.platform, "demo", "parents", "dana")
    adapted = await homeroom.core._fallbacks.adapt(
        intents, deliverer.capabilities, translator("en")
    )
    ids = [await deliverer.deliver(intent) for intent in adapted]
    assert ids[0]  # a posted message has an ID later intents can refer to
