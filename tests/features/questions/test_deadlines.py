"""Never dropped: a reminder to the liaison before the promised time, then the backup,
then the organizers, on the shared timer, across a restart; a liaison who is gone has
their question routed again."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import Homeroom
from bot.capabilities import Capabilities
from bot.clock import FakeClock
from bot.intents import DirectMessage, Post
from bot.testing import FakeAdapter, TestBot, test_settings
from tests.features.questions.conftest import community


def dms(sent: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(i.member.id, i.message.text) for i in sent if isinstance(i, DirectMessage)]


async def test_reminder_backup_then_organizers_across_a_restart(
    bot: TestBot, database_url: str, clock: FakeClock
) -> None:
    await community(bot)
    await bot.say("dana", "/route fallback @sam backup=@ines")
    await bot.say("lee", "/ask Is there a bus on snow days?")  # Monday 16:00 UTC
    await bot.say("sam", "/queue claim 1", channel="liaisons")
    fired = await bot.next_timer()
    assert fired is not None
    timer, sent = fired
    # 3/4 of 2 working days of school hours in New York: Tuesday 16:00 there.
    assert timer.due_at == datetime(2026, 9, 8, 20, 0, tzinfo=UTC)
    assert dms(sent) == [
        (
            "sam",
            "A reminder: question #1 (“general”) was promised an answer by Wednesday 9 "
            "September, 12:00. “queue answer 1” answers it.",
        )
    ]
    # A restart: a new process on the same database carries on from the timers table.
    await bot.app.stop()
    app = Homeroom(test_settings(database_url), clock=clock)
    adapter = FakeAdapter(Capabilities(home=True), clock=clock)
    app.attach(adapter)
    await app.start(timers=False)
    again = TestBot(app, adapter, people=bot.people)
    try:
        fired = await again.next_timer()
        assert fired is not None
        timer, sent = fired
        assert timer.due_at == datetime(2026, 9, 9, 16, 0, tzinfo=UTC)  # the promise
        assert dms(sent) == [
            (
                "ines",
                "Question #1 is past the time we promised the parent, and you are its "
                "backup. Could you take it? “queue claim 1”, then “queue answer 1”.",
            )
        ]
        assert [type(i).__name__ for i in sent if isinstance(i, Post)] == ["Post"]
        fired = await again.next_timer()
        assert fired is not None
        timer, sent = fired
        # four of ines's working hours later (school hours: Wednesday 16:00 New York)
        assert timer.due_at == datetime(2026, 9, 9, 20, 0, tzinfo=UTC)
        assert dms(sent) == [
            (
                "dana",
                "Question #1 is past the time we promised the parent and nobody has answered "
                "it yet. “queue reassign 1 liaison=@name” passes it to someone who can.",
            )
        ]
        assert await again.next_timer() is None  # told everyone; nothing more to chase
        taken = await again.say("ines", "/queue claim 1", channel="liaisons")
        assert [type(i).__name__ for i in taken] == ["Ephemeral", "Update"]
        assert again.texts(taken)[0] == "Question #1 is yours now. Thank you!"
    finally:
        await app.stop()


async def test_an_answered_question_is_not_chased(bot: TestBot) -> None:
    await community(bot)
    await bot.say("dana", "/route fallback @sam backup=@ines")
    await bot.say("lee", "/ask Is there a bus on snow days?")
    await bot.say("sam", "/queue answer 1 Yes.", channel="liaisons")
    assert await bot.next_timer() is None


async def test_a_question_whose_liaison_left_is_routed_again(bot: TestBot) -> None:
    await community(bot)
    await bot.say("dana", "/route add @ines topic=health")
    await bot.say("dana", "/route fallback @sam")
    await bot.say("lee", "/ask Flu shots? topic=health")
    del bot.people["ines"]  # gone from the platform: no "left" event comes, so it is asked
    fired = await bot.next_timer()
    assert fired is not None
    _, sent = fired
    assert ("sam", "Question #1 was passed to you. “queue list mine” shows it.") in dms(sent)
    thread = [bot.texts([i])[0] for i in sent if isinstance(i, Post)]
    assert thread == ["<@ines> is no longer a liaison here, so #1 went to <@sam>."]
