"""`TestBot.state()`, the before/after snapshot every "refused input changes nothing"
test relies on, must include writes still in flight in the background (a remembered
locale is written by a group commit, without the member's reply waiting for it)."""

from bot.testing import TestBot


async def test_state_includes_a_remembered_locale_still_being_written(bot: TestBot) -> None:
    await bot.app.directory.remember_locale(bot.member("lee"), "es")  # submitted, not awaited
    rows = (await bot.state())["member_locales"]
    assert [(row[1], row[2]) for row in rows] == [("lee", "es")]
