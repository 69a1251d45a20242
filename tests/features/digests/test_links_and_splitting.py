"""Links people shared are gathered once each (web addresses only), every item links
back, and a long digest is split between lines to the platform's message limit."""

from __future__ import annotations

import pytest

from bot.capabilities import Capabilities
from bot.features.digests.material import Topic
from bot.features.digests.shape import links_in, safe_link
from bot.intents import Post
from bot.testing import TestBot
from tests.features.digests.helpers import answer, draft

LIMIT = 300


@pytest.fixture
def capabilities() -> Capabilities:
    return Capabilities(max_text=LIMIT)


def test_only_web_addresses_are_links_and_their_trailing_punctuation_is_not() -> None:
    text = (
        "See https://a.example/x. And (https://b.example/y), javascript:alert(1) "
        "data:text/html,hi <https://c.example/z> HTTPS://D.example/w!"
    )
    assert links_in(text) == [
        "https://a.example/x",
        "https://b.example/y",
        "https://c.example/z",
        "HTTPS://D.example/w",
    ]
    assert [safe_link(u) for u in ("javascript:alert(1)", "https://ok.example/1", None)] == [
        None,
        "https://ok.example/1",
        None,
    ]


async def test_links_are_gathered_once_each_with_their_question(bot: TestBot) -> None:
    await bot.say("dana", "/role grant <@dana> organizer")
    await draft(
        bot,
        Topic(
            "Q1",
            "Favourite reading app?",
            (
                answer("lee", "Libby: https://libbyapp.com, and javascript:alert(1)"),
                answer("sam", "Also https://libbyapp.com!"),
            ),
        ),
        Topic("Q2", "Where to find tutors?", (answer("maria", "https://tutors.example/es."),)),
    )
    posts = [i for i in await bot.say("dana", "/digest publish 1") if isinstance(i, Post)]
    assert bot.texts(posts)[-1].split("*Links shared*\n")[1] == (
        "• https://libbyapp.com (Q1)\n• https://tutors.example/es (Q2)"
    )


async def test_a_long_digest_is_split_between_lines_to_the_platforms_limit(
    bot: TestBot,
) -> None:
    await bot.say("dana", "/role grant <@dana> organizer")
    many = tuple(answer("lee", f"Answer number {n} about homework.", n) for n in range(1, 21))
    await draft(bot, Topic("Q1", "Homework?", many))
    posts = [i for i in await bot.say("dana", "/digest publish 1") if isinstance(i, Post)]
    texts = bot.texts(posts)
    assert [len(t) <= LIMIT for t in texts] == [True] * len(texts)
    assert len(texts) == 7
    assert [t.split("\n")[0] for t in texts[1:]] == [
        f"*Digest: Homework without tears*, continued ({n}/7)" for n in range(2, 8)
    ]
    items = [line for t in texts for line in t.split("\n") if line.startswith("•")]
    assert items == [
        f"• Answer number {n} about homework. — lee ↗ https://chat.example/m" for n in range(1, 21)
    ]
