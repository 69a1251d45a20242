"""Schedules that say true things: a prompt never repeats in a group, and every count,
date and state an organizer reads agrees with what will happen.

The fake clock starts on Monday 7 September 2026 at 16:00 UTC (12:00 in New York).
"""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.intents import DirectMessage, Pin, Post
from bot.storage.tables import outbox, postings, schedules
from bot.testing import TestBot
from tests.features.test_prompt_schedules import SCHEDULE, tick, titles, to


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """These claim rows: the PostgreSQL branch of every claim is run too."""
    return str(request.param)


WEEK_1 = "Moving up to middle school · week 1 of 6"
WEEK_2 = "Moving up to middle school · week 2 of 6"


async def listing(bot: TestBot) -> str:
    [reply] = await bot.say("dana", "/homeroom prompt list")
    return bot.texts([reply])[0]


async def schedule_rows(bot: TestBot) -> list[tuple[int, str]]:
    async with bot.app.db.engine.connect() as conn:
        return [tuple(r) for r in await conn.execute(select(schedules.c.id, schedules.c.status))]  # type: ignore[misc]


async def posts_in_outbox(bot: TestBot) -> int:
    async with bot.app.db.engine.connect() as conn:
        return int(
            (
                await conn.execute(
                    select(func.count()).where(outbox.c.payload.contains('"kind":"post"'))
                )
            ).scalar_one()
        )


async def test_post_now_twice_posts_two_different_prompts(bot: TestBot) -> None:
    await bot.say("dana", SCHEDULE)
    first = await bot.say("dana", "/homeroom prompt post-now 1")
    second = await bot.say("dana", "/homeroom prompt post-now 1")  # same instant, no clock move
    assert titles(first) == [WEEK_1]
    assert titles(second) == [WEEK_2]
    assert "Posting week 2 of the series now." in bot.texts(second)
    assert await posts_in_outbox(bot) == 2
    to(bot, datetime(2026, 9, 7, 23, 0, tzinfo=UTC))  # the weekly slot carries week 3
    assert titles(await tick(bot)) == ["Moving up to middle school · week 3 of 6"]


async def test_post_now_never_reposts_what_the_series_already_posted_in_the_channel(
    bot: TestBot,
) -> None:
    await bot.say("dana", SCHEDULE)
    to(bot, datetime(2026, 9, 7, 23, 0, tzinfo=UTC))
    assert titles(await tick(bot)) == [WEEK_1]
    await bot.say("dana", "/homeroom prompt cancel 1")
    [reply] = await bot.say("dana", SCHEDULE)  # the same series again, in the same channel
    assert bot.texts([reply])[0].endswith(
        "<#parents> has already had 1 of its 6 prompts, and none repeats, "
        "so this schedule posts the other 5."
    )
    assert titles(await bot.say("dana", "/homeroom prompt post-now 2")) == [WEEK_2]
    text = await listing(bot)
    assert "#1 Moving up to middle school in <#parents>" in text
    assert "1 of 6 posted, cancelled" in text
    assert "#2 Moving up to middle school in <#parents>" in text
    assert text.count("1 of 6 posted") == 2


async def test_two_schedules_of_one_series_in_one_channel_warn_and_never_repeat(
    bot: TestBot,
) -> None:
    await bot.say("dana", SCHEDULE)
    [reply] = await bot.say("dana", SCHEDULE)
    assert bot.texts([reply])[0].endswith(
        "Note: schedule #1 already posts this series in <#parents>. The two share it, so each "
        "prompt still goes out once, only sooner. If you meant to move it to a new day or "
        "time, cancel the old one with “prompt cancel 1”."
    )
    to(bot, datetime(2026, 9, 7, 23, 0, tzinfo=UTC))  # both due at the same moment
    assert titles(await tick(bot)) == [WEEK_1, WEEK_2]
    to(bot, datetime(2026, 9, 14, 23, 0, tzinfo=UTC))
    assert titles(await tick(bot)) == [
        "Moving up to middle school · week 3 of 6",
        "Moving up to middle school · week 4 of 6",
    ]


async def test_a_series_the_channel_has_had_whole_is_not_scheduled_again(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom prompt add Which grown-up at school does your child like?")
    await bot.say("dana", "/homeroom prompt add What helps your mornings go calmly at home?")
    own = SCHEDULE.replace("moving-up", "our-prompts")
    await bot.say("dana", own)
    assert titles(await bot.say("dana", "/homeroom prompt post-now 1")) == [
        "Our own prompts · week 1 of 2"
    ]
    assert titles(await bot.say("dana", "/homeroom prompt post-now 1")) == [
        "Our own prompts · week 2 of 2"
    ]
    finished = (
        "Schedule #1 has finished: it posted every prompt its series had left. To post more "
        "in <#parents>, set up a new one with “prompt schedule”; prompts the group has "
        "already had won't repeat."
    )  # it has no end date, so it never says "before its end"
    [again] = await bot.say("dana", "/homeroom prompt post-now 1")
    assert bot.texts([again]) == [finished]
    [refused] = await bot.say("dana", own)
    assert bot.texts([refused]) == [
        "Every prompt of “Our own prompts” has already been posted in <#parents>, and a prompt "
        "never repeats in a group. Please choose another series."
    ]
    assert await schedule_rows(bot) == [(1, "finished")]


async def test_the_groups_own_series_counts_agree_with_its_posts(bot: TestBot) -> None:
    for text in (
        "Which grown-up at school does your child talk about most?",
        "What helps your mornings go calmly at home?",
        "What did your child teach you this week?",
    ):
        await bot.say("dana", f"/homeroom prompt add {text}")
    await bot.say("dana", SCHEDULE.replace("moving-up", "our-prompts"))
    to(bot, datetime(2026, 9, 7, 23, 0, tzinfo=UTC))
    assert titles(await tick(bot)) == ["Our own prompts · week 1 of 3"]
    assert "1 of 3 posted, next: Monday 14 September" in await listing(bot)


async def test_an_end_date_stops_a_schedule(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom setup timezone=America/New_York")
    await bot.say("dana", SCHEDULE + " end=2026-09-14")
    posted: list[str] = []
    for day in (7, 14, 21, 28):
        to(bot, datetime(2026, 9, day, 23, 0, tzinfo=UTC))
        posted += titles(await tick(bot))
    assert posted == [WEEK_1, WEEK_2]  # the series has 6; the end date stopped it
    assert "2 of 6 posted, finished" in await listing(bot)
    assert await schedule_rows(bot) == [(1, "finished")]


async def test_an_end_before_the_start_creates_nothing(bot: TestBot) -> None:
    [reply] = await bot.say("dana", SCHEDULE + " start=2026-10-01 end=2026-09-01")
    assert bot.texts([reply]) == [
        "The end date Tuesday 1 September comes before the start date Thursday 1 October. "
        "Please check them."
    ]
    assert await schedule_rows(bot) == []


async def test_a_schedule_with_no_free_week_before_its_end_creates_nothing(bot: TestBot) -> None:
    [reply] = await bot.say("dana", SCHEDULE + " start=2026-09-08 end=2026-09-20 skip=2026-09-14")
    assert bot.texts([reply]) == [
        "No Monday between Tuesday 8 September and Sunday 20 September is free of break weeks, "
        "so this schedule "
        "would never post. Please check the dates."
    ]
    assert await schedule_rows(bot) == []


async def test_a_break_week_is_never_shown_as_the_next_date(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom setup timezone=America/New_York")
    [reply] = await bot.say("dana", SCHEDULE + " skip=2026-09-07,2026-09-21")
    assert "The first prompt goes out Monday 14 September, 19:00." in bot.texts([reply])[0]
    assert "0 of 6 posted, next: Monday 14 September, 19:00" in await listing(bot)
    to(bot, datetime(2026, 9, 7, 23, 0, tzinfo=UTC))
    assert await tick(bot) == []  # the break
    to(bot, datetime(2026, 9, 14, 23, 0, tzinfo=UTC))
    assert titles(await tick(bot)) == [WEEK_1]
    assert "1 of 6 posted, next: Monday 28 September, 19:00" in await listing(bot)


async def test_skip_breaks_drop_prompts_and_the_counts_say_so(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom setup timezone=America/New_York")
    await bot.say("dana", SCHEDULE + " skip=2026-09-07 after-break=skip end=2026-09-14")
    # The break drops week 1; week 2 goes out on the 14th, the last date before the end.
    assert "0 of 6 posted, next: Monday 14 September, 19:00" in await listing(bot)
    to(bot, datetime(2026, 9, 7, 23, 0, tzinfo=UTC))
    assert await tick(bot) == []
    to(bot, datetime(2026, 9, 14, 23, 0, tzinfo=UTC))
    assert titles(await tick(bot)) == [WEEK_2]
    assert "1 of 6 posted, finished" in await listing(bot)


async def test_cancelled_schedules_stay_stopped_and_say_why(bot: TestBot) -> None:
    await bot.say("dana", SCHEDULE)
    await bot.say("dana", "/homeroom prompt cancel 1")
    cancelled = (
        "Schedule #1 was cancelled, and a cancelled schedule stays stopped. To post prompts in "
        "<#parents> again, set up a new one with “prompt schedule”; prompts the group has "
        "already had won't repeat."
    )
    for verb in ("resume", "pause", "skip-next", "post-now"):
        assert bot.texts(await bot.say("dana", f"/homeroom prompt {verb} 1")) == [cancelled]
    assert bot.texts(await bot.say("dana", "/homeroom prompt cancel 1")) == [
        "Schedule #1 is already cancelled. Nothing was changed."
    ]
    assert await schedule_rows(bot) == [(1, "cancelled")]
    to(bot, datetime(2026, 9, 7, 23, 0, tzinfo=UTC))
    assert await tick(bot) == []
    assert await posts_in_outbox(bot) == 0


async def test_a_finished_schedule_refuses_to_resume(bot: TestBot) -> None:
    await bot.say("dana", SCHEDULE + " end=2026-09-07")
    to(bot, datetime(2026, 9, 7, 23, 0, tzinfo=UTC))
    assert titles(await tick(bot)) == [WEEK_1]
    [reply] = await bot.say("dana", "/homeroom prompt resume 1")
    assert bot.texts([reply])[0].startswith("Schedule #1 has finished:")
    assert "1 of 6 posted, finished" in await listing(bot)
    to(bot, datetime(2026, 9, 14, 23, 0, tzinfo=UTC))
    assert await tick(bot) == []


async def test_resuming_after_the_end_passed_while_paused_finishes_it(bot: TestBot) -> None:
    await bot.say("dana", SCHEDULE + " end=2026-09-20")
    await bot.say("dana", "/homeroom prompt pause 1")
    assert bot.texts(await bot.say("dana", "/homeroom prompt pause 1")) == [
        "Schedule #1 is already paused. “prompt resume 1” starts it again."
    ]
    to(bot, datetime(2026, 9, 22, 0, 0, tzinfo=UTC))
    [reply] = await bot.say("dana", "/homeroom prompt resume 1")
    assert bot.texts([reply])[0].startswith(
        "Its end date passed while it was paused, so there's no week left to post in: "
        "schedule #1 is finished now.\n"
    )
    assert await schedule_rows(bot) == [(1, "finished")]


async def test_resume_of_a_running_schedule_changes_nothing(bot: TestBot) -> None:
    await bot.say("dana", SCHEDULE)
    assert bot.texts(await bot.say("dana", "/homeroom prompt resume 1")) == [
        "Schedule #1 isn't paused: it is running. Nothing was changed."
    ]


async def test_skipping_the_last_week_before_the_end_finishes_the_schedule(bot: TestBot) -> None:
    await bot.say("dana", SCHEDULE + " end=2026-09-07")
    [reply] = await bot.say("dana", "/homeroom prompt skip-next 1")
    assert bot.texts([reply])[0].startswith(
        "That was its last week before the end date, so nothing more will be posted: "
        "schedule #1 is finished now."
    )
    assert await schedule_rows(bot) == [(1, "finished")]
    async with bot.app.db.engine.connect() as conn:
        claims = (await conn.execute(select(postings.c.occurrence, postings.c.outcome))).all()
    assert [tuple(c) for c in claims] == [("2026-09-07", "skipped")]


async def test_with_three_posted_the_previous_prompt_is_unpinned_not_the_oldest(
    bot: TestBot,
) -> None:
    await bot.say("dana", SCHEDULE)
    roots: list[str] = []
    for day in (7, 14, 21):
        to(bot, datetime(2026, 9, day, 23, 0, tzinfo=UTC))
        before = len(bot.adapter.sent)
        sent = await tick(bot)
        roots.append(f"m{before + 1}")  # the fake platform's ID for the prompt's message
        pins = [(p.to.message, p.pinned) for p in sent if isinstance(p, Pin)]
        expected = [(roots[-1], True)] + ([(roots[-2], False)] if len(roots) > 1 else [])
        assert pins == expected


def root_ids(bot: TestBot) -> list[str]:
    """The fake platform's message IDs of every prompt posted so far, in order."""
    return [f"m{i + 1}" for i, x in enumerate(bot.adapter.sent) if isinstance(x, Post)]


async def test_two_series_in_one_channel_keep_their_own_pins(bot: TestBot) -> None:
    await bot.say("dana", SCHEDULE)
    await bot.say("dana", SCHEDULE.replace("moving-up", "screens-and-sleep"))
    to(bot, datetime(2026, 9, 7, 23, 0, tzinfo=UTC))
    first = await tick(bot)
    a1, b1 = root_ids(bot)
    assert [(p.to.message, p.pinned) for p in first if isinstance(p, Pin)] == [
        (a1, True),
        (b1, True),
    ]
    to(bot, datetime(2026, 9, 14, 23, 0, tzinfo=UTC))
    second = await tick(bot)
    a2, b2 = root_ids(bot)[2:]
    # Each series unpins only its own previous prompt, never the other's current one.
    assert [(p.to.message, p.pinned) for p in second if isinstance(p, Pin)] == [
        (a2, True),
        (a1, False),
        (b2, True),
        (b1, False),
    ]


async def test_the_next_prompt_for_the_console_skips_break_weeks(bot: TestBot) -> None:
    await bot.say("dana", SCHEDULE + " skip=2026-09-07")
    assert await bot.app.scheduler.soonest_due() == datetime(2026, 9, 14, 23, 0, tzinfo=UTC)
    await bot.say("dana", "/homeroom prompt cancel 1")
    assert await bot.app.scheduler.soonest_due() is None


async def test_a_missed_prompt_notice_reaches_each_organizer_in_their_language(
    bot: TestBot,
) -> None:
    await bot.say("dana", "/homeroom role grant @lee organizer")
    await bot.say("dana", "/homeroom role grant @maria organizer")
    await bot.say("maria", "Hola")  # maria's platform speaks Spanish; she chose nothing
    await bot.say("dana", SCHEDULE)
    to(bot, datetime(2026, 9, 8, 12, 0, tzinfo=UTC))  # 13 hours late: missed
    notes = {i.member.id: i.message.text for i in await tick(bot) if isinstance(i, DirectMessage)}
    assert sorted(notes) == ["lee", "maria"]
    assert notes["lee"].startswith("I couldn't post this week's “Moving up to middle school”")
    assert notes["maria"].startswith("No pude publicar a tiempo")


async def test_a_schedule_number_no_database_can_hold_is_refused_kindly(bot: TestBot) -> None:
    [reply] = await bot.say("dana", "/homeroom prompt pause 99999999999999999999")
    assert bot.texts([reply]) == [  # the parser refuses numbers no table can hold
        "There's nothing numbered 99999999999999999999 here. Please check the number."
    ]


async def test_the_groups_own_series_emptied_by_removal_finishes(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom prompt add What helps your mornings go calmly at home?")
    await bot.say("dana", SCHEDULE.replace("moving-up", "our-prompts"))
    await bot.say("dana", "/homeroom prompt remove 1")
    to(bot, datetime(2026, 9, 7, 23, 0, tzinfo=UTC))
    assert await tick(bot) == []
    assert await schedule_rows(bot) == [(1, "finished")]
    assert "0 of 0 posted, finished" in await listing(bot)


async def test_skip_next_on_a_long_paused_schedule_skips_a_week_ahead(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom setup timezone=America/New_York")
    await bot.say("dana", SCHEDULE)
    await bot.say("dana", "/homeroom prompt pause 1")
    to(bot, datetime(2026, 9, 16, 12, 0, tzinfo=UTC))
    [skipped] = await bot.say("dana", "/homeroom prompt skip-next 1")
    assert bot.texts([skipped])[0].startswith(
        "Skipped Monday 21 September, 19:00; the series moves one week later."
    )
    [resumed] = await bot.say("dana", "/homeroom prompt resume 1")
    assert "0 of 6 posted, next: Monday 28 September, 19:00" in bot.texts([resumed])[0]


async def test_breaks_that_would_drop_every_prompt_left_create_nothing(bot: TestBot) -> None:
    for text in ("What helps your mornings go calmly?", "What did your child teach you?"):
        await bot.say("dana", f"/homeroom prompt add {text}")
    own = SCHEDULE.replace("moving-up", "our-prompts")
    [reply] = await bot.say("dana", own + " skip=2026-09-07,2026-09-14 after-break=skip")
    assert bot.texts([reply]) == [
        "The break weeks before the first free Monday would drop every prompt left "
        "(after-break=skip), so this schedule would never post. Try after-break=shift, or "
        "check the dates."
    ]
    assert await schedule_rows(bot) == []
    [reply] = await bot.say("dana", own + " skip=2026-09-07 after-break=skip")
    assert "The first prompt goes out Monday 14 September" in bot.texts([reply])[0]


async def test_a_schedule_whose_twin_posted_the_last_prompt_is_finished_not_running(
    bot: TestBot,
) -> None:
    """Two schedules share a series in one channel; when one posts the last prompt, the
    other has nothing left: it is finished in the table, so `resume` and `pause` say so
    instead of "it is running"."""
    await bot.say("dana", SCHEDULE)
    await bot.say("dana", SCHEDULE.replace("mon", "wed"))
    for week in range(1, 7):
        assert titles(await bot.say("dana", "/homeroom prompt post-now 2")) == [
            f"Moving up to middle school · week {week} of 6"
        ]
    assert sorted(await schedule_rows(bot)) == [(1, "finished"), (2, "finished")]
    [resumed] = await bot.say("dana", "/homeroom prompt resume 1")
    assert bot.texts([resumed])[0].startswith("Schedule #1 has finished:")
    [paused] = await bot.say("dana", "/homeroom prompt pause 1")
    assert bot.texts([paused])[0].startswith("Schedule #1 has finished:")
    assert sorted(await schedule_rows(bot)) == [(1, "finished"), (2, "finished")]


async def test_a_weekly_post_finishes_the_twin_it_leaves_with_nothing(bot: TestBot) -> None:
    await bot.say("dana", SCHEDULE)
    await bot.say("dana", SCHEDULE.replace("mon", "wed"))
    for _ in range(5):
        await bot.say("dana", "/homeroom prompt post-now 2")
    to(bot, datetime(2026, 9, 7, 23, 0, tzinfo=UTC))  # #1's Monday slot: the last prompt
    assert titles(await tick(bot)) == ["Moving up to middle school · week 6 of 6"]
    assert sorted(await schedule_rows(bot)) == [(1, "finished"), (2, "finished")]


@pytest.mark.parametrize(
    ("dates", "first"),
    [
        ("start=2026-09-08 end=2026-09-13", "Monday 14 September"),  # no Monday in range
        ("start=2026-09-08 end=2026-09-13 skip=2026-09-14", "Monday 14 September"),
    ],
)
async def test_an_end_before_the_first_weekday_says_so_not_break_weeks(
    bot: TestBot, dates: str, first: str
) -> None:
    [reply] = await bot.say("dana", SCHEDULE + " " + dates)
    assert bot.texts([reply]) == [
        f"The first Monday this schedule could post on is {first}, after its end date "
        "Sunday 13 September, so it would never post. Please check the dates."
    ]
    assert await schedule_rows(bot) == []


async def test_a_finished_schedule_without_an_end_never_speaks_of_its_end(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom prompt add Which grown-up at school does your child like?")
    await bot.say("dana", SCHEDULE.replace("moving-up", "our-prompts"))
    await bot.say("dana", "/homeroom prompt post-now 1")
    await bot.say("dana", "/homeroom prompt add What does your family do on rainy days?")
    [resumed] = await bot.say("dana", "/homeroom prompt resume 1")
    assert bot.texts([resumed]) == [
        "Schedule #1 has finished: it posted every prompt its series had left. To post more "
        "in <#parents>, set up a new one with “prompt schedule”; prompts the group has "
        "already had won't repeat."
    ]
