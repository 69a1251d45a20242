"""`poll export`: CSV and Markdown for meeting minutes, names only on named polls and
only for those who run them, and cells a spreadsheet would run as formulas neutralised."""

from __future__ import annotations

import base64

from bot.features.polls.rendering import cell
from bot.intents import DirectMessage, Intent
from bot.testing import TestBot
from tests.features.polls.helpers import create, privately


def exported(bot: TestBot, sent: list[Intent], who: str = "dana", poll: int = 1) -> str:
    """The file `poll export` sends by direct message (checked: its name, its one-line
    note, and the one-line reply where the command was typed), as text."""
    [dm] = [i for i in sent if isinstance(i, DirectMessage)]
    assert privately(sent) == [f"I've sent poll #{poll}'s export to you in a direct message."]
    assert dm.member == bot.member(who) and dm.asked and not dm.message.keep_copy
    file = dm.message.attachment
    assert file is not None
    markdown = file.filename.endswith(".md")
    assert file.filename == f"poll-{poll}-20260907.{'md' if markdown else 'csv'}"
    what = "a Markdown file for the minutes" if markdown else "a CSV file any spreadsheet opens"
    assert bot.texts([dm]) == [f"*Poll #{poll} export*\nPoll #{poll}, as {what}."]
    return base64.b64decode(file.data_base64).decode()


RISKY = '/poll create +Budget? options="=SUM(A1:A9); @cmd; -2 or more; Keep it"'


async def test_a_csv_export_neutralises_formulas(bot: TestBot) -> None:
    await create(bot, RISKY + " anonymous=yes")
    await bot.press("lee", "polls.vote", "1:0")
    await bot.press("maria", "polls.vote", "1:3")
    assert exported(bot, await bot.say("lee", "/poll export 1"), who="lee") == (
        "'+Budget?\n"
        "option,votes,share\n"
        "'=SUM(A1:A9),1,50%\n"
        "'@cmd,0,0%\n"
        "'-2 or more,0,0%\n"
        "Keep it,1,50%\n"
        "voters,2\n"
    )


async def test_a_markdown_export_for_the_minutes(bot: TestBot) -> None:
    await create(bot, '/poll create Snacks? options="fruit | cheese; cake | pie"')
    await bot.press("lee", "polls.vote", "1:0")
    await bot.press("sam", "polls.vote", "1:0")
    await bot.say("dana", "/poll close 1")
    assert exported(bot, await bot.say("dana", "/poll export 1 format=markdown")) == (
        "### Snacks?\n"
        "\n"
        "Poll #1, named, closed Monday 7 September, 16:00. 2 voters.\n"
        "\n"
        "| option | votes | share | who |\n"
        "|---|---|---|---|\n"
        "| fruit \\| cheese | 2 | 100% | lee, sam |\n"
        "| cake \\| pie | 0 | 0% |  |\n"
    )


async def test_a_named_polls_names_are_not_exported_for_a_parent(bot: TestBot) -> None:
    await create(bot, '/poll create Snacks? options="fruit; cake"', who="dana")
    await bot.press("lee", "polls.vote", "1:0")
    before = await bot.state()
    assert bot.texts(await bot.say("lee", "/poll export 1")) == [
        "Poll #1 is a named poll, so its export lists who chose what: only its creator or an "
        "organizer can export it. “poll results 1” shows what you may see."
    ]
    assert await bot.state() == before
    csv = exported(bot, await bot.say("dana", "/poll export 1"))
    assert "fruit,1,100%,lee" in csv


async def test_an_export_shows_no_more_than_the_reader_may_see(bot: TestBot) -> None:
    await create(
        bot, '/poll create Snacks? options="fruit; cake" anonymous=yes results=after-close'
    )
    assert privately(await bot.say("lee", "/poll export 1")) == [
        "The results of poll #1 are shown when it closes."
    ]


def test_every_formula_start_is_neutralised() -> None:
    for risky in ("=1+1", "+1", "-1", "@SUM(1)", "\tx", "\rx"):
        assert cell(risky) == "'" + risky
    assert cell("Monday") == "Monday"
