"""`me settings quiet=` and `pause-until=`: DMs the bot starts obey them as they go out
(bot/dm_gate.py, asked by the outbox), while answers the member asked for still come."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import Homeroom
from bot.clock import FakeClock
from bot.dm_gate import paused, quiet_until
from bot.intents import DirectMessage, Message
from bot.storage.tables import outbox
from bot.testing import FakeAdapter, TestBot, run_until, test_settings, text_of


def reminder(
    bot: TestBot, who: str, text: str = "Reminder: the poll closes soon."
) -> DirectMessage:
    return DirectMessage(member=bot.member(who), message=Message(text=text))


async def test_a_reminder_due_in_quiet_hours_waits_until_they_end(bot: TestBot) -> None:
    start = bot.app.clock.now()
    assert start == datetime(2026, 9, 7, 16, tzinfo=UTC)  # the fake clock's start, in quiet
    replies = await bot.say("maria", "/homeroom me settings quiet=15:00-18:00")
    assert "15:00" in text_of(replies[0]) and "18:00" in text_of(replies[0])
    before = len(bot.adapter.sent)
    mono = bot.app.clock.monotonic()
    bot.app.outbox.submit([reminder(bot, "maria")])
    await bot.settle()  # moves the fake clock only as far as the held DM needs
    sent = bot.adapter.sent[before:]
    assert [text_of(i) for i in sent] == ["Reminder: the poll closes soon."]
    assert bot.adapter.sent_at[-1] - mono == 2 * 3600  # at 18:00, when quiet hours end


async def test_answers_the_member_asked_for_are_not_held(bot: TestBot) -> None:
    await bot.say("maria", "/homeroom me settings quiet=00:00-23:59")
    mono = bot.app.clock.monotonic()
    replies = await bot.say("maria", "/homeroom me settings")
    assert bot.adapter.sent_at[-1] == mono  # at once
    assert "Horas de silencio: de 00:00 a 23:59 (UTC)" in text_of(replies[0])  # in Spanish
    asked = DirectMessage(
        member=bot.member("maria"), message=Message(text="Your answer"), asked=True
    )
    bot.app.outbox.submit([asked])
    await bot.settle()
    assert bot.adapter.sent_at[-1] == mono
    assert text_of(bot.adapter.sent[-1]) == "Your answer"


async def test_a_pause_withholds_reminders_until_its_day_and_deletes_their_rows(
    bot: TestBot,
) -> None:
    await bot.say("lee", "/homeroom me settings pause-until=2026-09-10")
    before = len(bot.adapter.sent)
    bot.app.outbox.submit([reminder(bot, "lee")])
    await bot.settle()
    assert bot.adapter.sent[before:] == []
    rows = await bot.state(skip=())
    assert [r for r in rows["outbox"] if "Reminder" in str(r)] == []
    bot.app.clock.advance(timedelta(days=3).total_seconds())  # type: ignore[attr-defined]
    bot.app.directory.forget(bot.member("lee"))
    bot.app.outbox.submit([reminder(bot, "lee", "After the pause")])
    await bot.settle()
    assert [text_of(i) for i in bot.adapter.sent[before:]] == ["After the pause"]


async def test_dm_off_withholds_reminders_but_not_others(bot: TestBot) -> None:
    await bot.say("lee", "/homeroom me settings dm=no")
    before = len(bot.adapter.sent)
    bot.app.outbox.submit([reminder(bot, "lee"), reminder(bot, "maria", "For maria")])
    await bot.settle()
    assert [text_of(i) for i in bot.adapter.sent[before:]] == ["For maria"]


async def test_settings_apply_to_what_is_already_queued_elsewhere_at_once(bot: TestBot) -> None:
    """A replica's cache is refreshed by `forget`; this process reads a change at once."""
    await bot.say("lee", "/homeroom me settings pause-until=2026-12-01")
    await bot.say("lee", "/homeroom me settings pause-until=off")
    before = len(bot.adapter.sent)
    bot.app.outbox.submit([reminder(bot, "lee")])
    await bot.settle()
    assert len(bot.adapter.sent[before:]) == 1


async def test_bad_settings_are_refused_kindly_and_change_nothing(bot: TestBot) -> None:
    await bot.say("lee", "/homeroom me settings quiet=21:00-07:00")
    state = await bot.state()
    for typed, expected in (
        ("quiet=9pm-7xm", "Quiet hours are a start and an end"),
        ("quiet=25:00-07:00", "Quiet hours are a start and an end"),
        ("pause-until=tomorrow", "Pause until a date"),
        ("pause-until=2026-09-01", "has already come"),
        ("language=fr", "I can speak en (English), es (español) so far, so I can't use “fr”."),
    ):
        [reply] = await bot.say("lee", f"/homeroom me settings {typed}")
        assert expected in text_of(reply), typed
    assert await bot.state() == state


def test_quiet_hours_across_midnight_and_zones() -> None:
    zone = ZoneInfo("America/New_York")
    late = datetime(2026, 3, 7, 23, 30, tzinfo=zone)  # the night before DST starts
    assert quiet_until(late, "21:00-07:00", zone) == datetime(2026, 3, 8, 7, tzinfo=zone)
    early = datetime(2026, 3, 8, 6, 59, tzinfo=zone)
    assert quiet_until(early, "21:00-07:00", zone) == datetime(2026, 3, 8, 7, tzinfo=zone)
    assert quiet_until(datetime(2026, 3, 8, 7, tzinfo=zone), "21:00-07:00", zone) is None
    assert quiet_until(datetime(2026, 3, 8, 12, tzinfo=zone), "09:00-17:00", zone) == datetime(
        2026, 3, 8, 17, tzinfo=zone
    )
    assert quiet_until(late, None, zone) is None
    assert paused(late, "2026-03-08", zone) and not paused(early, "2026-03-08", zone)


async def test_quiet_hours_are_kept_in_the_zone_the_platform_reports_for_the_member(
    bot: TestBot,
) -> None:
    bot.people["lee"].timezone = "America/Chicago"  # 11:00 there at the fake clock's start
    [reply] = await bot.say("lee", "/homeroom me settings quiet=10:00-12:00")
    assert "(America/Chicago)" in text_of(reply)
    mono = bot.app.clock.monotonic()
    bot.app.outbox.submit([reminder(bot, "lee")])
    await bot.settle()
    assert bot.adapter.sent_at[-1] - mono == 3600  # at noon in Chicago, not in UTC


async def test_a_held_reminder_waits_across_a_restart(database_url: str) -> None:
    """Held as a pending row with its time: a new process resumes it then, not before."""
    clock = FakeClock()
    first = Homeroom(test_settings(database_url), clock=clock)
    bot = TestBot(first, FakeAdapter(clock=clock))
    first.attach(bot.adapter)
    await first.start(timers=False)
    await bot.say("maria", "/homeroom me settings quiet=15:00-18:00")
    first.outbox.submit([reminder(bot, "maria")])
    # Until the outbox has held it and naps (real I/O under way, so no fake time moves).
    while not first.outbox.asleep():  # noqa: ASYNC110
        await asyncio.sleep(0.001)
    await first.stop()
    engine = create_async_engine(database_url)
    async with engine.connect() as conn:
        held = (
            await conn.execute(
                select(outbox.c.status, outbox.c.next_attempt_at).where(
                    outbox.c.lane == "fake:school:notice:maria"
                )
            )
        ).all()
    await engine.dispose()
    assert [tuple(r) for r in held] == [("pending", datetime(2026, 9, 7, 18, tzinfo=UTC))]

    again = Homeroom(test_settings(database_url), clock=FakeClock(clock.now()))
    adapter = FakeAdapter(clock=again.clock)
    again.attach(adapter)
    await again.start(timers=False)
    try:
        await run_until(again)
        assert [text_of(i) for i in adapter.sent] == ["Reminder: the poll closes soon."]
        assert adapter.sent_at == [2 * 3600.0]  # at 18:00, not at once
    finally:
        await again.stop()


async def test_settings_read_in_the_members_words_with_dates_in_their_language(
    bot: TestBot,
) -> None:
    [reply] = await bot.say("maria", "/homeroom me settings pausa-hasta=2026-12-05 silencio=no")
    assert text_of(reply).splitlines() == [
        "Le respondo en español. “me settings idioma=es” o “idioma=en” elige uno para usted.",
        "Puedo enviarle mensajes directos (recordatorios, avisos). “me settings mensajes=no” "
        "los detiene.",
        "En pausa hasta el sábado 5 de diciembre: no recibirá recordatorios ni avisos antes. "
        "“me settings pausa-hasta=no” termina la pausa.",
    ]
    [reply] = await bot.say("lee", "/homeroom me settings pause-until=2026-12-05")
    assert text_of(reply).splitlines()[2] == (
        "Paused until Saturday 5 December: no reminders or notices before then. "
        "“me settings pause-until=off” ends the pause."
    )
    [reply] = await bot.say("maria", "/homeroom me settings pausa-hasta=2026-09-01")
    assert text_of(reply) == (
        "El martes 1 de septiembre ya llegó. Elija una fecha posterior. No se cambió nada."
    )
    [reply] = await bot.say("maria", "/homeroom me settings pausa-hasta=no")
    assert "pausa" not in text_of(reply)


async def test_a_member_chooses_the_language_they_are_answered_in(bot: TestBot) -> None:
    """lee's app says English; lee chooses Spanish, which every answer then uses (this
    one first), and `off` gives the app's language back."""
    [shown] = await bot.say("lee", "/homeroom me settings")
    assert text_of(shown).split("\n")[0] == (
        "I answer you in English. “me settings language=en” or “language=es” chooses one for you."
    )
    [chosen] = await bot.say("lee", "/homeroom me settings language=es")
    assert text_of(chosen).split("\n")[0] == (
        "Le respondo en español. “me settings idioma=no” vuelve al idioma de su aplicación."
    )
    [asked] = await bot.say("lee", "/homeroom frobnicate")
    assert text_of(asked).startswith("No conozco")
    [back] = await bot.say("lee", "/homeroom me settings idioma=no")
    assert text_of(back).startswith("I answer you in English.")
