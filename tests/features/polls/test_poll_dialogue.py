"""`poll create` on a platform without forms (a terminal): a short dialogue that asks
only the question and the options, then offers the rest in one question with what they
are when left out: "ok" goes ahead, options typed as in the command set them, and
"more" asks them one by one."""

from __future__ import annotations

import pytest_asyncio

from bot.app import Homeroom
from bot.capabilities import Capabilities
from bot.clock import FakeClock
from bot.testing import FakeAdapter, TestBot
from tests.features.polls.helpers import poll_row, posts

OFFER = (
    "Ask the group a question with options to vote on (3/3): As it is, the poll is named "
    "(not anonymous), takes one choice each, shows results live, stays open until it is "
    "closed, and is posted here. To change that, write it like “anonymous=yes closes=3d "
    "results=after-close”.\n"
    "Send “ok” to go ahead as it is, or “more” to answer the other questions one by one.\n"
    "Send “cancel” to stop."
)


@pytest_asyncio.fixture
async def terminal(homeroom: Homeroom, clock: FakeClock) -> TestBot:
    adapter = FakeAdapter(Capabilities(forms=False), clock=clock)
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    return TestBot(homeroom, adapter)


async def question_and_options(bot: TestBot) -> list[str]:
    """Start the form and answer its two required questions; what was asked."""
    asked = bot.texts(await bot.say("dana", "/homeroom poll create"))
    asked += bot.texts(await bot.say("dana", "When shall we meet?"))
    asked += bot.texts(await bot.say("dana", "Mon; Tue; Wed"))
    return asked


async def test_only_the_question_and_options_are_asked_then_the_rest_offered(
    terminal: TestBot,
) -> None:
    asked = await question_and_options(terminal)
    assert asked == [
        "Ask the group a question with options to vote on (1/3): The question, like “When "
        "shall we meet?”\nSend “cancel” to stop.",
        "Ask the group a question with options to vote on (2/3): 2 to 25 options, separated "
        "by semicolons: “Mon; Tue; Wed”\nSend “cancel” to stop.",
        OFFER,
    ]
    sent = await terminal.say("dana", "ok")
    [card] = posts(sent)
    assert card.message.text.startswith("📊 *When shall we meet?*\n1. Mon\n")
    row = await poll_row(terminal)
    assert (row["anonymous"], row["max_choices"], row["visibility"], row["closes_at"]) == (
        0,
        1,
        "live",
        None,
    )


async def test_the_rest_typed_as_in_the_command(terminal: TestBot) -> None:
    await question_and_options(terminal)
    [unclear] = await terminal.say("dana", "yes please")
    assert terminal.texts([unclear]) == [
        "I didn't get that. Write the options as in the command, like “name=value”, or "
        "send “ok” or “more”.\n" + OFFER
    ]
    [bad] = await terminal.say("dana", "closes=soon")
    assert terminal.texts([bad])[0].endswith("\n" + OFFER)
    assert await terminal.app.fallbacks.open_dialogue(terminal.member("dana")) is not None
    sent = await terminal.say("dana", "anonymous=yes results=after-close")
    assert len(posts(sent)) == 1
    row = await poll_row(terminal)
    assert (row["anonymous"], row["visibility"]) == (1, "after-close")


async def test_a_refused_setting_asks_the_offer_again_with_the_reason(terminal: TestBot) -> None:
    await question_and_options(terminal)
    [refused] = await terminal.say("dana", "remind=1d")  # a reminder needs a closing time
    assert terminal.texts([refused]) == [
        "A reminder comes before the poll closes, so it needs a closing time: add "
        "“closes”, like closes=3d.\n" + OFFER
    ]
    sent = await terminal.say("dana", "closes=3d remind=1d")
    assert len(posts(sent)) == 1
    row = await poll_row(terminal)
    assert row["closes_at"] is not None and row["remind_at"] is not None


async def test_more_asks_the_other_questions_one_by_one(terminal: TestBot) -> None:
    await question_and_options(terminal)
    [first] = await terminal.say("dana", "more")
    assert terminal.texts([first])[0].startswith(
        "Ask the group a question with options to vote on (4/12): How many options each "
        "person may choose (1 if left out)\n"
    )
    for answer in ("2", "yes"):
        await terminal.say("dana", answer)
    for _ in range(7):  # results, closes, close-on, close-at, remind, every, channel
        sent = await terminal.say("dana", "-")
    assert len(posts(sent)) == 1
    row = await poll_row(terminal)
    assert (row["anonymous"], row["max_choices"]) == (1, 2)
