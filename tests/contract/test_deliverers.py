"""Every adapter's sending side honours one contract. Adapters join by adding a factory
to ADAPTERS; the same checks then run over them."""

import io
from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio

from adapters.console import ConsoleAdapter
from adapters.console.view import View
from adapters.discord.fake import FakeDiscord
from adapters.slack import SlackAdapter
from adapters.slack.fake import FakeSlack
from bot.app import Homeroom
from bot.clock import FakeClock
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
    Pin,
    Post,
    React,
    Update,
)
from bot.refs import CommunityRef, ConversationRef, MemberRef
from bot.testing import FakeAdapter
from tests.adapters.discord.conftest import connect
from tests.adapters.slack.conftest import slack_settings

ADAPTERS: dict[str, Callable[[Homeroom, FakeSlack], Deliverer]] = {
    "console": lambda app, _: ConsoleAdapter(app, View(io.StringIO(), rich=False)),
    "fake": lambda app, _: FakeAdapter(),
    "slack": lambda app, fake: SlackAdapter(app, slack_settings(app, fake, 3000)),
}


def every_intent(platform: str, community: str, channel: str, member: str) -> list[Intent]:
    """One intent of every kind, aimed at `channel` and `member` (platform IDs)."""
    where = ConversationRef(platform, community, channel)
    who = MemberRef(platform, community, member)
    card = Message(
        text="Pick", title="T", fields=(("k", "v"),), buttons=(Button("One", "a.b", "1"),)
    )
    return [
        Post(to=where, message=card),
        Post(to=where.in_thread(channel), message=Message(text="in thread")),
        Ephemeral(to=where, member=who, message=card),
        DirectMessage(member=who, message=card),
        Update(to=ConversationRef(platform, community, channel, message="1401"), message=card),
        React(to=ConversationRef(platform, community, channel, message="1401"), emoji="✅"),
        Pin(to=ConversationRef(platform, community, channel, message="1401")),
        Pin(to=ConversationRef(platform, community, channel, message="1401"), pinned=False),
        OpenForm(to=where, member=who, form=Form("f", "Form", (FormField("x", "X"),), "Send")),
    ]


@pytest_asyncio.fixture(params=[*sorted(ADAPTERS), "discord"])
async def deliverer(
    request: pytest.FixtureRequest, homeroom: Homeroom, fake_slack: FakeSlack, database_url: str
) -> AsyncIterator[Deliverer]:
    if request.param != "discord":
        yield ADAPTERS[request.param](homeroom, fake_slack)
        return
    fake = FakeDiscord()  # Discord's adapter needs a logged-in client: a real one, on the fake
    await fake.start()
    rig = await connect(database_url, fake, FakeClock())
    yield rig.adapter
    await rig.adapter.stop()
    await rig.app.stop()
    await fake.stop()


def test_declares_platform_capabilities_and_limits(deliverer: Deliverer) -> None:
    assert deliverer.platform and deliverer.platform.isidentifier()
    assert deliverer.capabilities.max_text >= 1000
    assert deliverer.limits.per_channel > 0 and deliverer.limits.overall > 0


async def test_delivers_every_intent_after_the_cores_fallbacks(
    deliverer: Deliverer, homeroom: Homeroom
) -> None:
    ids = (
        ("1300000000000000001", "1000000000000000014")
        if deliverer.platform == "discord"
        else ("parents", "dana")
    )
    intents = every_intent(deliverer.platform, "demo", *ids)
    # The core has loaded the community (making its row) before it adapts an answer.
    await homeroom.directory.community(CommunityRef(deliverer.platform, "demo"))
    adapted = await homeroom.core._fallbacks.adapt(
        intents, deliverer.capabilities, translator("en")
    )
    ids = [await deliverer.deliver(intent) for intent in adapted]
    kinds = [type(intent).__name__ for intent in adapted]
    # Nothing needed a fallback, but the console's forms: they are the core's dialogue.
    replaced = FALLBACKS.get(deliverer.platform, {})
    assert kinds == [replaced.get(type(i).__name__, type(i).__name__) for i in intents]
    expected = RETURNED_IDS[deliverer.platform]
    assert len(ids) == len(expected) == 9
    new_ids = []
    for intent, got, want in zip(kinds, ids, expected, strict=True):
        if want is NEW:
            assert isinstance(got, str) and got, f"{intent} gave no ID"
            new_ids.append(got)
        else:
            assert got == want, f"{intent} gave {got!r}, expected {want!r}"
    assert len(set(new_ids)) == len(new_ids)  # each created message has an ID of its own


FALLBACKS = {"console": {"OpenForm": "Ephemeral"}}
NEW = object()  # the platform's ID of a message this intent created
# For every_intent's nine intents in order (Post, Post in a thread, Ephemeral,
# DirectMessage, Update of 1401, React, Pin, unpin, OpenForm): what `deliver` returns.
# An Update returns the message it changed; nothing is returned where nothing was created.
RETURNED_IDS: dict[str, list[object]] = {
    "console": [NEW, NEW, None, None, "1401", None, None, None, None],
    "fake": [NEW] * 9,
    "slack": [NEW, NEW, None, NEW, "1401", None, None, None, None],
    "discord": [NEW, NEW, NEW, NEW, "1401", None, None, None, NEW],
}
