"""Series that post every few weeks or monthly: on exactly their dates, never twice.

The fake clock starts on Monday 7 September 2026 at 16:00 UTC (12:00 in New York). Each
test walks the clock day by day to 19:00 in New York, runs what is due, and counts the
dates that got a post. "moving-up" has six prompts.
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from bot.capabilities import Capabilities
from bot.intents import DirectMessage, Post
from bot.recurrence import wall_instant
from bot.storage.tables import postings, schedules
from bot.testing import TestBot
from tests.features.test_home import opened
from tests.features.test_prompt_schedules import BOTH_DATABASES, restart, tick, titles, to

NEW_YORK = "America/New_York"
SCHEDULE = (
    "/homeroom prompt schedule series=moving-up channel=#parents weekday=tue time=19:00 "
    "timezone=America/New_York"
)
FIRST_DAY = date(2026, 9, 7)


def evening(day: date) -> datetime:
    return wall_instant(day, time(19), NEW_YORK)


async def posted_dates(bot: TestBot, days: int, first: date = FIRST_DAY) -> list[date]:
    """Walk 19:00 in New York from `first` on, for `days` days; the local dates of posts."""
    found = []
    for n in range(days):
        day = first + timedelta(days=n)
        to(bot, evening(day))
        posts = [i for i in await tick(bot) if isinstance(i, Post)]
        found += [day] * len(posts)
    return found


async def test_every_two_weeks_posts_on_alternate_tuesdays_across_dst(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom setup timezone=America/New_York")
    [reply] = await bot.say("dana", SCHEDULE + " every=2 weeks")
    assert bot.texts([reply]) == [
        "Scheduled: “Moving up to middle school” in <#parents>, every 2 weeks on Tuesday at "
        "19:00 (America/New_York). The first prompt goes out Tuesday 8 September, 19:00. It "
        "is schedule #1."
    ]
    assert await posted_dates(bot, 90) == [
        date(2026, 9, 8),
        date(2026, 9, 22),
        date(2026, 10, 6),
        date(2026, 10, 20),
        date(2026, 11, 3),  # EST from 1 November: 00:00 UTC on the 4th
        date(2026, 11, 17),
    ]
    [listing] = await bot.say("dana", "/homeroom prompt list")
    assert bot.texts([listing])[0].splitlines()[1] == (
        "#1 Moving up to middle school in <#parents>: every 2 weeks on Tuesday at 19:00 "
        "(America/New_York), 6 of 6 posted, finished · 0 replies"
    )


async def test_the_first_tuesday_of_each_month_across_dst_and_the_year_end(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom setup timezone=America/New_York")
    [reply] = await bot.say("dana", SCHEDULE + " every=month week-of-month=1st")
    assert bot.texts([reply]) == [
        "Scheduled: “Moving up to middle school” in <#parents>, the first Tuesday of each "
        "month at 19:00 (America/New_York). The first prompt goes out Tuesday 6 October, "
        "19:00. It is schedule #1."
    ]
    assert await posted_dates(bot, 190) == [
        date(2026, 10, 6),
        date(2026, 11, 3),
        date(2026, 12, 1),
        date(2027, 1, 5),
        date(2027, 2, 2),
        date(2027, 3, 2),
    ]


async def test_the_last_friday_from_week_of_month_alone(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom setup timezone=America/New_York")
    [reply] = await bot.say("dana", SCHEDULE.replace("tue", "fri") + " week-of-month=last")
    assert "the last Friday of each month at 19:00" in bot.texts([reply])[0]
    assert await posted_dates(bot, 110) == [
        date(2026, 9, 25),
        date(2026, 10, 30),
        date(2026, 11, 27),
        date(2026, 12, 25),  # Christmas Day is the last Friday of December
    ]


async def test_break_dates_and_skip_next_pass_over_whole_monthly_occurrences(
    bot: TestBot,
) -> None:
    await bot.say("dana", "/homeroom setup timezone=America/New_York")
    await bot.say("dana", SCHEDULE + " every=month skip=2026-11-03")
    [skipped] = await bot.say("dana", "/homeroom prompt skip-next 1")
    text = bot.texts([skipped])[0]
    assert text.startswith("Skipped Tuesday 6 October, 19:00; the series moves to its next date.")
    assert "next: Tuesday 1 December, 19:00" in text  # 3 November is a break
    assert await posted_dates(bot, 160) == [date(2026, 12, 1), date(2027, 1, 5), date(2027, 2, 2)]
    async with bot.app.db.engine.connect() as conn:
        claims = (await conn.execute(select(postings.c.occurrence, postings.c.outcome))).all()
    assert sorted(claims)[:3] == [
        ("2026-10-06", "skipped"),
        ("2026-11-03", "break"),
        ("2026-12-01", "posted"),
    ]


async def test_every_three_weeks_skips_a_break_and_shifts_the_series(bot: TestBot) -> None:
    await bot.say("dana", SCHEDULE + " every=3 weeks skip=2026-09-29")
    assert await posted_dates(bot, 60) == [date(2026, 9, 8), date(2026, 10, 20)]


async def test_a_spanish_organizer_schedules_every_two_weeks_in_their_words(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom setup timezone=America/New_York")
    await bot.say("dana", "/homeroom role grant @maria organizer")
    [reply] = await bot.say(
        "maria",
        "/homeroom prompt schedule serie=moving-up canal=#parents día=mar hora=19:00 "
        "cada=2 semanas",
    )
    assert bot.texts([reply]) == [
        "Programada: “El paso a la secundaria” en <#parents>, cada 2 semanas, el martes a "
        "las 19:00 (America/New_York). El primer tema sale el martes 8 de septiembre, 19:00. "
        "Es la programación #1."
    ]
    [monthly] = await bot.say(
        "maria",
        "/homeroom prompt schedule serie=screens-and-sleep canal=#parents día=jue hora=18:30 "
        "cada=mes semana-del-mes=último",
    )
    assert "el último jueves de cada mes a las 18:30" in bot.texts([monthly])[0]
    async with bot.app.db.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(schedules.c.every_weeks, schedules.c.month_week).order_by(schedules.c.id)
            )
        ).all()
    assert [tuple(r) for r in rows] == [(2, None), (1, -1)]


@pytest.mark.parametrize(
    ("options", "stored"),
    [
        ("every=week", (1, None)),
        ('every="3 weeks"', (3, None)),
        ("every=2", (2, None)),
        ("every=month", (1, 1)),
        ("every=month week-of-month=2", (1, 2)),
        ("week-of-month=4th", (1, 4)),
        ("every=Month week-of-month=LAST", (1, -1)),
        ("every=month week-of-month=1.º", (1, 1)),
        ("", (1, None)),
    ],
)
async def test_the_ways_to_say_a_rhythm(
    bot: TestBot, options: str, stored: tuple[int, int | None]
) -> None:
    await bot.say("dana", f"{SCHEDULE} {options}")
    async with bot.app.db.engine.connect() as conn:
        row = (await conn.execute(select(schedules.c.every_weeks, schedules.c.month_week))).one()
    assert tuple(row) == stored


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            "every=fortnight",
            "“fortnight” isn't one of the choices for “every”: week, 2 weeks, 3 weeks, month.",
        ),
        (
            "every=month week-of-month=5th",
            "“5th” isn't one of the choices for “week-of-month”: 1st, 2nd, 3rd, 4th, last.",
        ),
        (
            "every=2 weeks week-of-month=1st",
            "“week-of-month” picks which Tuesday of the month, so it goes with every=month. "
            "Leave it out, or use every=month.",
        ),
    ],
)
async def test_a_wrong_rhythm_is_explained_and_creates_nothing(
    bot: TestBot, options: str, expected: str
) -> None:
    [reply] = await bot.say("dana", f"{SCHEDULE} {options}")
    assert bot.texts([reply]) == [expected]
    [listing] = await bot.say("dana", "/homeroom prompt list")
    assert bot.texts([listing]) == ["No series is scheduled yet. “prompt schedule” sets one up."]


async def test_a_wrong_rhythm_is_explained_in_spanish(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom role grant @maria organizer")
    [reply] = await bot.say(
        "maria",
        "/homeroom prompt schedule serie=moving-up canal=#parents día=mar hora=19:00 cada=quincena",
    )
    assert bot.texts([reply]) == [
        "“quincena” no es una de las opciones de “cada”: semana, 2 semanas, 3 semanas, mes."
    ]


@BOTH_DATABASES
async def test_a_restart_mid_occurrence_posts_nothing_twice(bot: TestBot) -> None:
    await bot.say("dana", SCHEDULE + " every=2 weeks")
    to(bot, evening(date(2026, 9, 8)))
    assert len([i for i in await tick(bot) if isinstance(i, Post)]) == 1
    again = await restart(bot)  # a deploy at the very moment the first prompt went out
    try:
        assert [i for i in await tick(again) if isinstance(i, Post)] == []
        # Both processes run every day from here on; the new one reads the rhythm (and
        # the weeks it counts from) from the database alone.
        found = []
        for n in range(1, 80):
            day = date(2026, 9, 8) + timedelta(days=n)
            to(bot, evening(day))
            for process in (again, bot) if n % 2 else (bot, again):
                found += [day for i in await tick(process) if isinstance(i, Post)]
        assert found == [
            date(2026, 9, 22),
            date(2026, 10, 6),
            date(2026, 10, 20),
            date(2026, 11, 3),
            date(2026, 11, 17),
        ]
        async with bot.app.db.engine.connect() as conn:
            posted = (
                await conn.execute(
                    select(postings.c.occurrence).where(postings.c.outcome == "posted")
                )
            ).scalars()
            assert sorted(posted) == [
                "2026-09-08",
                "2026-09-22",
                "2026-10-06",
                "2026-10-20",
                "2026-11-03",
                "2026-11-17",
            ]
    finally:
        await again.app.stop()


async def test_now_is_no_tuesday_of_its_own(bot: TestBot) -> None:
    # Scheduled on the first Tuesday itself, after 19:00: the next month, not tonight.
    to(bot, datetime(2026, 10, 7, 0, 30, tzinfo=UTC))  # Tuesday 6 October, 20:30 in New York
    await bot.say("dana", "/homeroom setup timezone=America/New_York")
    [reply] = await bot.say("dana", SCHEDULE + " every=month")
    assert "The first prompt goes out Tuesday 3 November, 19:00." in bot.texts([reply])[0]


def listed(home: str) -> list[str]:
    """The schedules' lines of a home page, after their number, title and channel."""
    return [line.split(": ", 1)[1] for line in home.splitlines() if line.startswith("#")]


async def test_the_app_home_says_each_rhythm_in_the_readers_language(bot: TestBot) -> None:
    bot.app.core.add_platform("fake", Capabilities(home=True))
    await bot.say("dana", "/homeroom setup timezone=America/New_York")
    await bot.say("dana", SCHEDULE + " every=month")
    await bot.say("dana", SCHEDULE.replace("moving-up", "screens-and-sleep") + " every=2 weeks")
    await bot.say("dana", "/homeroom role grant @maria organizer")
    [english] = await bot.send(opened(bot, "dana"))
    [spanish] = await bot.send(opened(bot, "maria"))
    assert listed(bot.texts([english])[0]) == [
        "the first Tuesday of each month at 19:00 (America/New_York), 0 of 6 posted, "
        "next: Tuesday 6 October, 19:00",
        "every 2 weeks on Tuesday at 19:00 (America/New_York), 0 of 6 posted, "
        "next: Tuesday 8 September, 19:00",
    ]
    assert listed(bot.texts([spanish])[0]) == [
        "el primer martes de cada mes a las 19:00 (America/New_York), 0 de 6 publicados, "
        "próximo: martes 6 de octubre, 19:00",
        "cada 2 semanas, el martes a las 19:00 (America/New_York), 0 de 6 publicados, "
        "próximo: martes 8 de septiembre, 19:00",
    ]


async def test_resuming_every_two_weeks_keeps_its_weeks(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom setup timezone=America/New_York")
    await bot.say("dana", SCHEDULE + " every=2 weeks")
    await bot.say("dana", "/homeroom prompt pause 1")
    to(bot, evening(date(2026, 9, 24)))  # a Thursday: the next Tuesday is an off week
    [resumed] = await bot.say("dana", "/homeroom prompt resume 1")
    assert "next: Tuesday 6 October, 19:00" in bot.texts([resumed])[0]
    assert await posted_dates(bot, 30, date(2026, 9, 24)) == [
        date(2026, 10, 6),
        date(2026, 10, 20),
    ]


async def test_a_missed_monthly_prompt_is_kept_for_its_next_date(bot: TestBot) -> None:
    await bot.say("dana", SCHEDULE + " every=month")
    to(bot, evening(date(2026, 10, 6)) + timedelta(hours=13))  # the bot was down
    [notice] = await tick(bot)
    assert isinstance(notice, DirectMessage) and notice.member == bot.member("dana")
    assert notice.message.text.startswith(
        "I couldn't post the “Moving up to middle school” prompt in <#parents> on time ("
    )
    assert notice.message.text.endswith(
        "), so I kept it for its next date. Nothing else needs doing."
    )
    to(bot, evening(date(2026, 11, 3)))  # a monthly prompt is numbered, not called a week
    assert titles(await tick(bot)) == ["Moving up to middle school · prompt 1 of 6"]
