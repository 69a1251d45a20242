"""Who sees what of the results, in each visibility mode, on the card, in `poll
results`, in the confirmation of a vote and when the poll closes; and closing."""

from __future__ import annotations

import base64

import pytest

from bot.app import Homeroom
from bot.capabilities import Capabilities
from bot.clock import FakeClock
from bot.testing import FakeAdapter, TestBot
from tests.features.polls.helpers import MEET, create, posts, privately, updates

FULL = (
    "Results of poll #1: When shall we meet? (3 voters)\n"
    "1. Mon\n    █████░░░░░ 1 · 33%\n"
    "2. Tue\n    ██████████ 2 · 67%\n"
    "3. Wed\n    ░░░░░░░░░░ 0 · 0%"
)
NAMED = (
    "Results of poll #1: When shall we meet? (3 voters)\n"
    "1. Mon\n    █████░░░░░ 1 · 33%\n    <@sam>\n"
    "2. Tue\n    ██████████ 2 · 67%\n    <@lee>, <@maria>\n"
    "3. Wed\n    ░░░░░░░░░░ 0 · 0%"
)
WINNER = "Results of poll #1: When shall we meet? (3 voters)\nMost chosen: Tue (2 votes)."


async def vote_three(bot: TestBot) -> None:
    await bot.press("lee", "polls.vote", "1:1")
    await bot.press("maria", "polls.vote", "1:1")
    await bot.press("sam", "polls.vote", "1:0")


async def results(bot: TestBot, who: str) -> str:
    [said] = privately(await bot.say(who, "/poll results 1"))
    return said


async def test_live_shows_counts_to_everyone_on_the_card(bot: TestBot) -> None:
    await create(bot, MEET + " anonymous=yes")
    await vote_three(bot)
    assert await results(bot, "lee") == FULL
    sent = await bot.press("lee", "polls.vote", "1:1")
    assert "already" in privately(sent)[0]
    # The card's edit and the results post go in lanes of their own (an edit is paced
    # per message), so either may arrive first.
    closing = await bot.say("dana", "/poll close 1")
    [closed_card], [results_post] = updates(closing), posts(closing)
    assert "2. Tue\n    ██████████ 2 · 67%" in closed_card.message.text  # type: ignore[union-attr]
    assert closed_card.message.buttons == ()  # type: ignore[union-attr]
    assert results_post.message.text == "Poll #1 is closed.\n" + FULL  # type: ignore[union-attr]


async def test_a_named_live_poll_shows_who_chose_what(bot: TestBot) -> None:
    await create(bot)
    await vote_three(bot)
    assert await results(bot, "lee") == NAMED
    [post] = posts(await bot.say("dana", "/poll close 1"))
    assert post.message.text == "Poll #1 is closed.\n" + NAMED


async def test_after_vote_shows_results_to_those_who_voted(bot: TestBot) -> None:
    await create(bot, MEET + " results=after-vote anonymous=yes")
    await bot.press("maria", "polls.vote", "1:1")
    await bot.press("sam", "polls.vote", "1:0")
    assert await results(bot, "lee") == "You'll see the results of poll #1 once you have voted."
    sent = await bot.press("lee", "polls.vote", "1:1")
    assert privately(sent) == [
        "Your vote in poll #1: Tue. You can change it until the poll closes.\n\n" + FULL
    ]
    [card] = updates(sent)
    assert card.message.text == "📊 *When shall we meet?*\n1. Mon\n2. Tue\n3. Wed"
    assert await results(bot, "lee") == FULL
    assert await results(bot, "dana") == FULL  # an organizer runs it


async def test_after_close_shows_nothing_until_it_closes(bot: TestBot) -> None:
    await create(bot, MEET + " results=after-close anonymous=yes", who="lee")
    await vote_three(bot)
    assert await results(bot, "sam") == "The results of poll #1 are shown when it closes."
    assert await results(bot, "maria") == (  # in her language
        "Los resultados de la encuesta #1 se muestran cuando cierre."
    )
    assert await results(bot, "lee") == FULL  # the creator runs it
    [post] = posts(await bot.say("lee", "/poll close 1"))
    assert post.message.text == "Poll #1 is closed.\n" + FULL
    assert await results(bot, "sam") == FULL


async def test_organizers_only_never_show_the_group(bot: TestBot) -> None:
    await create(bot, MEET + " results=organizers", who="lee")
    await vote_three(bot)
    said = "The results of poll #1 are for the organizers and its creator."
    assert await results(bot, "sam") == said
    assert await results(bot, "dana") == NAMED
    assert await results(bot, "lee") == NAMED
    [post] = posts(await bot.say("dana", "/poll close 1"))
    assert post.message.text == (
        "Poll #1 is closed: When shall we meet?\n3 people voted. The results are for the "
        "organizers and the poll's creator."
    )
    assert await results(bot, "sam") == said


async def test_winner_only_shows_only_the_winner_at_the_close(bot: TestBot) -> None:
    await create(bot, MEET + " results=winner-only anonymous=yes")
    await vote_three(bot)
    assert await results(bot, "lee") == ("Poll #1 shows only its winning option, once it closes.")
    [post] = posts(await bot.say("dana", "/poll close 1"))
    assert post.message.text == (
        "Poll #1 is closed: When shall we meet?\nMost chosen: Tue (2 votes)."
    )
    assert await results(bot, "lee") == WINNER
    assert await results(bot, "dana") == FULL


async def test_a_tie_and_no_votes(bot: TestBot) -> None:
    await create(bot, MEET + " results=winner-only")
    await bot.press("lee", "polls.vote", "1:1")
    await bot.press("maria", "polls.vote", "1:2")
    [post] = posts(await bot.say("dana", "/poll close 1"))
    assert post.message.text.endswith("Tied for most chosen: Tue, Wed (1 vote each).")
    await create(bot, MEET + " results=winner-only")
    [post] = posts(await bot.say("dana", "/poll close 2"))
    assert post.message.text.endswith("No votes were cast.")


@pytest.mark.parametrize("who", ["maria", "sam"])
async def test_only_the_creator_or_an_organizer_may_close(bot: TestBot, who: str) -> None:
    await create(bot, who="lee")
    before = await bot.state()
    assert bot.texts(await bot.say(who, "/poll close 1"))[0] in (
        "Only the poll's creator or an organizer can close poll #1.",
        "Solo quien creó la encuesta o una persona organizadora puede cerrar la encuesta #1.",
    )
    assert await bot.state() == before
    assert privately(await bot.say("lee", "/poll close 1")) == [
        "Poll #1 is closed, and its results are posted."
    ]
    assert bot.texts(await bot.say("lee", "/poll close 1")) == [
        "Poll #1 is already closed. Nothing was changed."
    ]


async def test_a_poll_of_another_community_or_none_at_all(bot: TestBot) -> None:
    assert bot.texts(await bot.say("lee", "/poll results 4")) == [
        "There's no poll #4 here. “poll list” shows the open ones."
    ]
    assert bot.texts(await bot.say("lee", "/poll list")) == [
        "No poll is open here. “poll create” starts one."
    ]


async def test_where_images_show_the_close_carries_a_png_chart(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    adapter = FakeAdapter(Capabilities(images=True), clock=clock)
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    bot = TestBot(homeroom, adapter)
    await create(bot, MEET + " anonymous=yes")
    await vote_three(bot)
    [post] = posts(await bot.say("dana", "/poll close 1"))
    image = post.message.image
    assert image is not None and image.filename == "poll-1.png"
    assert base64.b64decode(image.png_base64).startswith(b"\x89PNG\r\n\x1a\n")
    assert image.alt == FULL  # says what the picture shows
    await create(bot, MEET + " results=winner-only")
    [post] = posts(await bot.say("dana", "/poll close 2"))
    assert post.message.image is None  # the counts are not for everyone


async def test_without_images_no_chart_is_drawn(bot: TestBot) -> None:
    await create(bot)
    [post] = posts(await bot.say("dana", "/poll close 1"))
    assert post.message.image is None
