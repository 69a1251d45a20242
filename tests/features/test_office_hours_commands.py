"""`hours set/show` and `away until/end` end to end through the core: what liaisons and
parents read (in their language and zone), what is stored, and what the questions
feature reads back to make its promises."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import insert

from bot.capabilities import Capabilities
from bot.events import HomeOpened
from bot.features.office_hours import store
from bot.features.office_hours.calendar import Away, OfficeHours, add_working_time
from bot.features.office_hours.words import describe_days, parse_days
from bot.i18n import translator
from bot.intents import DirectMessage, Ephemeral, OpenForm, PublishHome
from bot.refs import ConversationRef
from bot.storage.tables import members
from bot.testing import TestBot

# The fake clock starts on Monday 7 September 2026, 16:00 UTC (11:00 in Chicago).
NOW = datetime(2026, 9, 7, 16, 0, tzinfo=UTC)
SET_CHICAGO = "/homeroom hours set mon-fri 08:00 15:30 timezone=America/Chicago"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


async def liaison(bot: TestBot, who: str = "sam") -> None:
    await bot.say("dana", f"/homeroom role grant @{who} liaison")


async def community_id(bot: TestBot) -> int:
    return (await bot.app.directory.community(bot.member("sam").community_ref)).id


async def read_back(bot: TestBot, who: str) -> tuple[OfficeHours | None, list[Away]]:
    """What the questions feature reads, as it reads it."""
    cid = await community_id(bot)
    async with bot.app.db.engine.connect() as conn:
        return (
            await store.hours_of(conn, cid, who),
            await store.away_of(conn, cid, who, now=bot.app.clock.now()),
        )


async def test_a_liaison_sets_hours_and_a_parent_reads_them_in_their_own_zone(
    bot: TestBot,
) -> None:
    await liaison(bot)
    [reply] = await bot.say("sam", SET_CHICAGO)
    assert isinstance(reply, Ephemeral)
    assert bot.texts([reply]) == [
        "Saved. Your office hours: Monday to Friday, 08:00–15:30 (America/Chicago).\n"
        "Open now, until Monday 7 September, 20:30 (UTC)."
    ]
    hours, away = await read_back(bot, "sam")
    assert hours == OfficeHours(frozenset(range(5)), time(8), time(15, 30), "America/Chicago")
    assert away == []
    [row] = (await bot.state())["office_hours"]
    assert row[:6] == (
        await community_id(bot),
        "sam",
        "0,1,2,3,4",
        "08:00",
        "15:30",
        "America/Chicago",
    )
    # A parent in Madrid reads the closing time in Madrid time.
    bot.people["lee"].timezone = "Europe/Madrid"
    assert bot.texts(await bot.say("lee", "/homeroom hours show @sam")) == [
        "Office hours of <@sam>: Monday to Friday, 08:00–15:30 (America/Chicago).\n"
        "Open now, until Monday 7 September, 22:30 (Europe/Madrid)."
    ]
    bot.app.clock.advance(hours=5)  # type: ignore[attr-defined]
    assert bot.texts(await bot.say("lee", "/homeroom hours show @sam")) == [
        "Office hours of <@sam>: Monday to Friday, 08:00–15:30 (America/Chicago).\n"
        "Next open: Tuesday 8 September, 15:00 (Europe/Madrid)."
    ]
    # Setting them again replaces them: one row per liaison.
    await bot.say("sam", "/homeroom hours set mon,wed,fri 9 13")
    assert [row[2:6] for row in (await bot.state())["office_hours"]] == [
        ("0,2,4", "09:00", "13:00", "UTC")  # no zone given: the member's (the community's)
    ]
    assert bot.texts(await bot.say("sam", "/homeroom hours show")) == [
        "Your office hours: Monday, Wednesday, Friday, 09:00–13:00 (UTC).\n"
        "Next open: Wednesday 9 September, 09:00 (UTC)."
    ]


async def test_a_spanish_liaison_sets_hours_with_spanish_days_and_options(bot: TestBot) -> None:
    await liaison(bot, "maria")
    [reply] = await bot.say("maria", "/homeroom hours set lun-vie 8:00 15:30 zona=Europe/Madrid")
    assert bot.texts([reply]) == [
        "Guardado. Su horario de atención: de lunes a viernes, 08:00–15:30 (Europe/Madrid).\n"
        "Próxima disponibilidad: martes 8 de septiembre, 06:00 (UTC)."
    ]
    [reply] = await bot.say("maria", "/homeroom hours set días=lun,mié,vie desde=9 hasta=13")
    assert bot.texts([reply])[0].startswith(
        "Guardado. Su horario de atención: lunes, miércoles, viernes, 09:00–13:00 (UTC)."
    )
    # An English-speaking liaison may type Spanish days too, and reads English.
    await liaison(bot)
    [reply] = await bot.say("sam", "/homeroom hours set lun-vie 8 15:30")
    assert bot.texts([reply])[0].startswith(
        "Saved. Your office hours: Monday to Friday, 08:00–15:30 (UTC)."
    )
    # And a parent whose platform speaks Spanish reads Sam's hours in Spanish.
    assert bot.texts(await bot.say("maria", "/homeroom hours show @sam")) == [
        "Horario de atención de <@sam>: de lunes a viernes, 08:00–15:30 (UTC).\n"
        "Próxima disponibilidad: martes 8 de septiembre, 08:00 (UTC)."
    ]


ENGLISH_REFUSALS = [
    (
        "sam",
        "/homeroom hours set mon-fri 15:30 08:00",
        "Your hours need to end after they start, and 08:00 isn't after 15:30. Office hours "
        "stay within one day, like from=08:00 to=15:30.",
    ),
    (
        "sam",
        "/homeroom hours set mon-fri 9 9",
        "Your hours need to end after they start, and 09:00 isn't after 09:00. Office hours "
        "stay within one day, like from=08:00 to=15:30.",
    ),
    (
        "sam",
        "/homeroom hours set mon-fry 08:00 15:30",
        "I don't know the day “fry”. Write the days like mon-fri or mon,wed,fri.",
    ),
    (
        "sam",
        "/homeroom hours set mon- 08:00 15:30",
        "I couldn't read the days in “mon-”. Write them like mon-fri or mon,wed,fri.",
    ),
    (
        "sam",
        "/homeroom hours set , 08:00 15:30",
        "Please give at least one day, like mon-fri or mon,wed,fri.",
    ),
    (
        "sam",
        "/homeroom hours set mon-fri 08:00 15:30 timezone=Mars/Olympus",
        "I don't know the time zone “Mars/Olympus”. Use a name like America/New_York or "
        "Europe/Madrid.",
    ),
    (
        "sam",
        "/homeroom hours set mon-fri 08:00 25:00",
        "“25:00” isn't a time of day. Write it like 19:00 or 7pm.",
    ),
    ("lee", SET_CHICAGO, "Only school liaisons can do that."),
    ("lee", "/homeroom away until 2026-09-14", "Only school liaisons can do that."),
    (
        "sam",
        "/homeroom away until 2026-09-07",
        "Monday 7 September is today or already past. Give the day you're back, after today, "
        "like "
        "2026-09-14.",
    ),
    (
        "sam",
        "/homeroom away until 2026-08-30",
        "Sunday 30 August is today or already past. Give the day you're back, after today, "
        "like "
        "2026-09-14.",
    ),
    (
        "sam",
        "/homeroom away until 2026-09-14 from=2026-09-20",
        "You'd leave on Sunday 20 September and be back on Monday 14 September: the day "
        "you're back needs to "
        "come after the day you leave. Please check the dates.",
    ),
    (
        "sam",
        "/homeroom away until 2026-09-14 backup=@sam",
        "You can't be your own backup. Name another liaison, or leave “backup” out.",
    ),
    (
        "sam",
        "/homeroom away until 2026-09-14 backup=@lee",
        "<@lee> isn't a school liaison, so they can't answer questions for you. Name a "
        "liaison as your backup, or leave “backup” out.",
    ),
    (
        "sam",
        "/homeroom away until 2026-09-14 backup=@nobody",
        "I can't find @nobody in this community, so nothing changed. Mention the member as "
        "the platform suggests, like @name.",
    ),
    (  # a lookup changes nothing anyway: it doesn't say so
        "lee",
        "/homeroom hours show @nobody",
        "I can't find @nobody in this community. Mention the member as the platform "
        "suggests, like @name.",
    ),
    (
        "lee",
        "/homeroom hours show @sma",
        "I can't find @sma in this community. Did you mean <@sam>?",
    ),
    (
        "sam",
        "/homeroom away until 2026-09-14 backup=@dnaa",
        "I can't find @dnaa in this community, so nothing changed. Did you mean <@dana>?",
    ),
]


@pytest.mark.parametrize(("who", "command", "expected"), ENGLISH_REFUSALS)
async def test_bad_input_is_refused_kindly_and_changes_nothing(
    bot: TestBot, who: str, command: str, expected: str
) -> None:
    await liaison(bot)
    await bot.say("sam", "/homeroom hours set mon-fri 08:00 15:30")
    await bot.say("sam", "/homeroom away until 2026-10-12 from=2026-10-05")
    before = await bot.state()
    replies = await bot.say(who, command)
    assert bot.texts(replies) == [expected]
    assert all(isinstance(r, Ephemeral) for r in replies)
    assert await bot.state() == before


SPANISH_REFUSALS = [
    (
        "/homeroom hours set lun-vie 15:30 8:00",
        "Su horario tiene que terminar después de empezar, y las 08:00 no son después de las "
        "15:30. El horario de atención cabe en un mismo día, como desde=08:00 hasta=15:30.",
    ),
    (
        "/homeroom hours set lun-xyz 8 15",
        "No conozco el día “xyz”. Escriba los días como lun-vie o lun,mié,vie.",
    ),
    (
        "/homeroom hours set lun-vie 8 15 zona=Marte/Olimpo",
        "No conozco la zona horaria “Marte/Olimpo”. Use un nombre como America/New_York o "
        "Europe/Madrid.",
    ),
    (
        "/homeroom away until 2026-09-01",
        "El martes 1 de septiembre es hoy o ya pasó. Indique el día en que vuelve, después de "
        "hoy, como "
        "2026-09-14.",
    ),
    (
        "/homeroom away until 2026-09-14 suplente=@maria",
        "No puede ser su propio suplente. Nombre a otro enlace escolar, o deje “suplente” sin "
        "indicar.",
    ),
    (
        "/homeroom away until 2026-09-14 suplente=@lee",
        "<@lee> no es enlace escolar, así que no puede responder preguntas en su lugar. Nombre "
        "a un enlace escolar como suplente, o deje “suplente” sin indicar.",
    ),
    (
        "/homeroom away until 2026-09-14 desde=2026-09-20",
        "Se iría el domingo 20 de septiembre y volvería el lunes 14 de septiembre: el día de "
        "vuelta tiene que ser "
        "después del día en que se va. Revise las fechas, por favor.",
    ),
]


@pytest.mark.parametrize(("command", "expected"), SPANISH_REFUSALS)
async def test_bad_input_is_refused_in_spanish_too(
    bot: TestBot, command: str, expected: str
) -> None:
    await liaison(bot, "maria")
    before = await bot.state()
    assert bot.texts(await bot.say("maria", command)) == [expected]
    assert await bot.state() == before


async def test_time_away_with_a_backup_moves_the_promise_and_tells_the_backup(
    bot: TestBot,
) -> None:
    async with bot.app.db.engine.begin() as conn:  # Dana chose New York time
        await conn.execute(
            insert(members).values(
                community_id=await community_id(bot),
                user_id="dana",
                timezone="America/New_York",
                created_at=NOW,
            )
        )
    await liaison(bot)
    await bot.say("sam", SET_CHICAGO)
    reply, note = await bot.say("sam", "/homeroom away until 2026-09-14 backup=@dana")
    # Days are Sam's working days, so "until the 14th" is midnight in Chicago.
    assert bot.texts([reply]) == [
        "Saved: you're away from now until Monday 14 September, 05:00 (UTC), and <@dana> is "
        "your backup."
    ]
    assert isinstance(note, DirectMessage) and note.member == bot.member("dana")
    assert bot.texts([note]) == [
        "<@sam> will be away from Monday 7 September, 12:00 until Monday 14 September, 01:00 "
        "(America/New_York) and named you as their backup. Thank you for standing in!"
    ]
    hours, away = await read_back(bot, "sam")
    assert away == [Away(NOW, utc(2026, 9, 14, 5), "dana")]
    # What the questions feature promises: two working hours from now is Monday the
    # 14th at 10:00 in Chicago, not today at 13:00.
    assert add_working_time(NOW, timedelta(hours=2), hours, away) == utc(2026, 9, 14, 15)
    assert add_working_time(NOW, timedelta(hours=2), hours) == utc(2026, 9, 7, 18)
    bot.people["lee"].timezone = "Europe/Madrid"
    assert bot.texts(await bot.say("lee", "/homeroom hours show @sam")) == [
        "Office hours of <@sam>: Monday to Friday, 08:00–15:30 (America/Chicago).\n"
        "Next open: Monday 14 September, 15:00 (Europe/Madrid).\n"
        "Away now, until Monday 14 September, 07:00 (Europe/Madrid); <@dana> is the backup."
    ]
    # Back early: the time away ends now, and the backup is told.
    bot.app.clock.advance(days=1)  # type: ignore[attr-defined]
    reply, note = await bot.say("sam", "/homeroom away end")
    assert bot.texts([reply]) == ["Welcome back! Your time away has ended."]
    assert bot.texts([note]) == ["<@sam> is back, so you're no longer their backup."]
    assert (await read_back(bot, "sam"))[1] == []
    # The day that passed stays on record, so a clock measured across it still skips it.
    cid = await community_id(bot)
    async with bot.app.db.engine.connect() as conn:
        kept = await store.away_of(conn, cid, "sam")
    assert kept == [Away(NOW, utc(2026, 9, 8, 16), "dana")]
    assert bot.texts(await bot.say("sam", "/homeroom away end")) == [
        "You're not away, and no time away is planned, so nothing changed."
    ]


async def test_planned_time_away_can_be_replaced_or_called_off(bot: TestBot) -> None:
    await liaison(bot)
    await bot.say("sam", "/homeroom away until 2026-09-21 from=2026-09-14")
    [reply] = await bot.say("sam", "/homeroom away until 2026-09-18 from=2026-09-16")
    assert bot.texts([reply]) == [
        "Saved: you're away from Wednesday 16 September, 00:00 until Friday 18 September, "
        "00:00 (UTC).\nIt replaces what you had said for that time: away from Monday 14 "
        "September, 00:00 until Monday 21 September, 00:00."
    ]
    # The latest word wins from its start: the earlier plan now ends where it begins.
    assert (await read_back(bot, "sam"))[1] == [
        Away(utc(2026, 9, 14), utc(2026, 9, 16)),
        Away(utc(2026, 9, 16), utc(2026, 9, 18)),
    ]
    [reply] = await bot.say("sam", "/homeroom away end")
    assert bot.texts([reply]) == [
        "You're not away now, so I called off the 2 times away you had planned: from Monday "
        "14 September, 00:00 until Wednesday 16 September, 00:00; from Wednesday 16 "
        "September, 00:00 until Friday 18 September, 00:00 (UTC)."
    ]
    assert (await bot.state())["away_periods"] == []


async def test_a_spanish_backup_is_told_in_spanish(bot: TestBot) -> None:
    await liaison(bot)
    await liaison(bot, "maria")
    _, note = await bot.say("sam", "/homeroom away until 2026-09-10 backup=@maria")
    assert bot.texts([note]) == [
        "<@sam> estará ausente desde el lunes 7 de septiembre, 16:00 hasta el jueves 10 de "
        "septiembre, 00:00 (UTC) y le nombró suplente. ¡Gracias por cubrir su ausencia!"
    ]


async def test_organizers_pass_the_liaison_check_and_anyone_reads_hours(bot: TestBot) -> None:
    [reply] = await bot.say("dana", "/homeroom hours set mon-fri 08:00 15:30")
    assert bot.texts([reply])[0].startswith("Saved. Your office hours: Monday to Friday")
    assert bot.texts(await bot.say("lee", "/homeroom hours show @dana"))[0].startswith(
        "Office hours of <@dana>: Monday to Friday, 08:00–15:30 (UTC)."
    )
    # Only liaisons and organizers keep office hours: a parent has none to set or show.
    assert bot.texts(await bot.say("lee", "/homeroom hours show @sam")) == [
        "<@sam> isn't a liaison, so there are no office hours to show."
    ]
    assert bot.texts(await bot.say("lee", "/homeroom hours show")) == [
        "Office hours are kept by liaisons, so you have none. “hours show @name” shows a liaison's."
    ]
    assert bot.texts(await bot.say("maria", "/homeroom hours show @lee")) == [
        "<@lee> no es enlace, así que no tiene horario de atención que mostrar."
    ]
    assert bot.texts(await bot.say("maria", "/homeroom hours show")) == [
        "El horario de atención es de los enlaces, así que usted no tiene uno. “hours show "
        "@nombre” muestra el de un enlace."
    ]
    await liaison(bot)
    assert bot.texts(await bot.say("lee", "/homeroom hours show @sam")) == [
        "<@sam> hasn't set office hours."
    ]
    assert bot.texts(await bot.say("sam", "/homeroom hours show")) == [
        "You haven't set office hours yet. Set them with “hours set”, like “hours set mon-fri "
        "08:00 15:30”, so the times parents are promised count only your working hours."
    ]


async def test_missing_options_open_a_form(bot: TestBot) -> None:
    await liaison(bot)
    [form] = await bot.say("sam", "/homeroom hours set")
    assert isinstance(form, OpenForm)
    assert [(f.name, f.required) for f in form.form.fields] == [
        ("days", True),
        ("from", True),
        ("to", True),
        ("timezone", False),
    ]
    [reply] = await bot.submit(
        "sam", form.form.form_id, days="mon-thu", **{"from": "7", "to": "12"}
    )
    assert bot.texts([reply])[0].startswith(
        "Saved. Your office hours: Monday to Thursday, 07:00–12:00 (UTC)."
    )


@pytest.fixture
def capabilities() -> Capabilities:
    return Capabilities(home=True)


async def test_a_liaisons_home_shows_their_hours_and_a_parents_does_not(bot: TestBot) -> None:
    def opened(who: str) -> HomeOpened:
        return HomeOpened(**bot._from(who, f"home-{who}"))

    await liaison(bot)
    [home] = await bot.send(opened("sam"))
    assert isinstance(home, PublishHome)
    assert "Your office hours: not set yet. “hours set” sets them." in home.message.text
    await bot.say("sam", SET_CHICAGO)
    await bot.say("sam", "/homeroom away until 2026-09-21 from=2026-09-14 backup=@dana")
    [home] = await bot.send(opened("sam"))
    assert home.message.text.endswith(  # type: ignore[union-attr]
        "Your office hours: Monday to Friday, 08:00–15:30 (America/Chicago).\n"
        "Open now, until Monday 7 September, 20:30 (UTC).\n"
        "Away from Monday 14 September, 05:00 until Monday 21 September, 05:00 (UTC); "
        "<@dana> is the backup."
    )
    [home] = await bot.send(opened("lee"))
    assert "Your office hours" not in home.message.text  # type: ignore[union-attr]


WHERE = ConversationRef("fake", "school", "parents")


@pytest.mark.parametrize(
    ("typed", "language", "days"),
    [
        ("mon-fri", "en", {0, 1, 2, 3, 4}),
        ("mon,wed,fri", "en", {0, 2, 4}),
        ("Monday to Friday", "en", {0, 1, 2, 3, 4}),
        ("fri-mon", "en", {4, 5, 6, 0}),  # round the weekend
        ("sat, sun", "en", {5, 6}),
        ("tue–thu", "en", {1, 2, 3}),
        ("lun-vie", "en", {0, 1, 2, 3, 4}),  # Spanish days, whatever the reader speaks
        ("lunes a viernes", "es", {0, 1, 2, 3, 4}),
        ("lun,mié,vie", "es", {0, 2, 4}),
        ("miercoles y sábado", "es", {2, 5}),
        ("mon-fri", "es", {0, 1, 2, 3, 4}),  # English days for a Spanish reader
    ],
)
def test_days_are_read_as_liaisons_type_them(typed: str, language: str, days: set[int]) -> None:
    assert parse_days(typed, WHERE, translator(language)) == frozenset(days)


def test_days_read_back_as_ranges_and_lists() -> None:
    en, es = translator("en"), translator("es")
    assert describe_days(frozenset(range(5)), en) == "Monday to Friday"
    assert describe_days(frozenset(range(7)), es) == "todos los días"
    assert describe_days(frozenset({0, 1, 2, 4}), es) == "de lunes a miércoles, viernes"
    assert describe_days(frozenset({5, 6}), en) == "Saturday, Sunday"
