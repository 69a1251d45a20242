"""Weekly prompts: on time in the group's zone, never missed silently, never twice.

The fake clock starts on Monday 7 September 2026 at 16:00 UTC (12:00 in New York).
"""

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.app import Homeroom
from bot.intents import DirectMessage, Intent, Pin, Post
from bot.refs import ConversationRef
from bot.storage.tables import discussion_replies, outbox, postings
from bot.testing import FakeAdapter, TestBot

SCHEDULE = (
    "/homeroom prompt schedule series=moving-up channel=#parents weekday=mon time=19:00 "
    "timezone=America/New_York"
)


async def tick(bot: TestBot) -> list[Intent]:
    """Run the timers once at the clock's current time; what was delivered."""
    before = len(bot.adapter.sent)
    await bot.app.timers.run_due()
    await bot.settle()
    return bot.adapter.sent[before:]


def now(bot: TestBot) -> datetime:
    return bot.app.clock.now()


def to(bot: TestBot, instant: datetime) -> None:
    bot.app.clock.advance((instant - now(bot)).total_seconds())  # type: ignore[attr-defined]


# The claim that makes a prompt post once is SQL with a branch per dialect: the tests
# that claim run on both databases (PostgreSQL ones skip, saying why, without a server).
BOTH_DATABASES = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


def titles(intents: list[Intent]) -> list[str]:
    return [i.message.title or "" for i in intents if isinstance(i, Post)]


@BOTH_DATABASES
async def test_a_scheduled_prompt_posts_on_time_with_a_thread_and_only_once(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom setup timezone=America/New_York")  # times read in New York
    [reply] = await bot.say("dana", SCHEDULE)
    assert bot.texts([reply]) == [
        "Scheduled: “Moving up to middle school” in <#parents>, "
        "Mondays at 19:00 (America/New_York). "
        "The first prompt goes out Monday 7 September, 19:00. It is schedule #1."
    ]
    to(bot, datetime(2026, 9, 7, 22, 59, tzinfo=UTC))
    assert await tick(bot) == []
    to(bot, datetime(2026, 9, 7, 23, 0, tzinfo=UTC))  # 19:00 in New York
    post, pin = await tick(bot)
    assert pin == Pin(
        to=ConversationRef("fake", "school", "parents", message=f"m{len(bot.adapter.sent) - 1}")
    )
    assert isinstance(post, Post) and post.opens_thread
    assert post.to.channel == "parents"
    assert post.message.title == "Moving up to middle school · week 1 of 6"
    assert post.message.text.startswith("What has your child said about moving up?")
    assert await tick(bot) == []  # claimed: never twice


async def test_seven_pm_local_on_both_sides_of_each_dst_change(bot: TestBot) -> None:
    await bot.say("dana", SCHEDULE.replace("moving-up", "screens-and-sleep") + " start=2026-10-26")
    to(bot, datetime(2026, 10, 26, 23, 0, tzinfo=UTC))  # EDT: 19:00 is 23:00 UTC
    assert titles(await tick(bot)) == ["Screens and sleep · week 1 of 6"]
    to(bot, datetime(2026, 11, 2, 23, 0, tzinfo=UTC))  # EST now: 23:00 UTC is only 18:00
    assert await tick(bot) == []
    to(bot, datetime(2026, 11, 3, 0, 0, tzinfo=UTC))
    assert titles(await tick(bot)) == ["Screens and sleep · week 2 of 6"]


async def test_spring_forward_too(bot: TestBot) -> None:
    await bot.say("dana", SCHEDULE + " start=2027-03-08")
    to(bot, datetime(2027, 3, 9, 0, 0, tzinfo=UTC))  # EST: 19:00 on the 8th
    assert titles(await tick(bot)) == ["Moving up to middle school · week 1 of 6"]
    to(bot, datetime(2027, 3, 15, 22, 59, tzinfo=UTC))  # EDT from the 14th: due 23:00 UTC
    assert await tick(bot) == []
    to(bot, datetime(2027, 3, 15, 23, 0, tzinfo=UTC))
    assert titles(await tick(bot)) == ["Moving up to middle school · week 2 of 6"]


@BOTH_DATABASES
async def test_two_schedulers_on_one_database_post_once(bot: TestBot) -> None:
    await bot.say("dana", SCHEDULE)
    other = Homeroom(bot.app.settings, clock=bot.app.clock)  # a second replica
    try:
        to(bot, datetime(2026, 9, 7, 23, 0, tzinfo=UTC))
        counts = await asyncio.gather(bot.app.timers.run_due(), other.timers.run_due())
        assert sorted(counts) == [0, 1]
        async with bot.app.db.engine.connect() as conn:
            claims = (await conn.execute(select(postings.c.outcome))).scalars().all()
            posts = (
                await conn.execute(
                    select(outbox.c.id).where(
                        (outbox.c.lane == "fake:school:parents")
                        & outbox.c.payload.contains('"kind":"post"')
                    )
                )
            ).all()
        assert claims == ["posted"]
        assert len(posts) == 1
    finally:
        await other.db.close()


async def restart(bot: TestBot) -> TestBot:
    """A new process on the same database, with the same fake platform and clock."""
    app = Homeroom(bot.app.settings, clock=bot.app.clock)
    adapter = FakeAdapter(clock=bot.app.clock)  # type: ignore[arg-type]
    app.attach(adapter)
    await app.start(timers=False)
    return TestBot(app, adapter, bot.people, bot._ids)


@BOTH_DATABASES
async def test_a_restart_before_the_due_time_changes_nothing(bot: TestBot) -> None:
    await bot.say("dana", SCHEDULE)
    again = await restart(bot)
    try:
        to(again, datetime(2026, 9, 7, 23, 0, tzinfo=UTC))
        assert titles(await tick(again)) == ["Moving up to middle school · week 1 of 6"]
        assert await tick(bot) == []  # the old process, were it alive, finds it claimed
    finally:
        await again.app.stop()


@BOTH_DATABASES
async def test_down_at_the_due_time_posts_late_within_the_catch_up_window(bot: TestBot) -> None:
    await bot.say("dana", SCHEDULE)
    to(bot, datetime(2026, 9, 8, 2, 0, tzinfo=UTC))  # back three hours late
    again = await restart(bot)
    try:
        assert titles(await tick(again)) == ["Moving up to middle school · week 1 of 6"]
    finally:
        await again.app.stop()


@BOTH_DATABASES
async def test_too_late_is_recorded_as_missed_and_the_organizers_are_told(bot: TestBot) -> None:
    await bot.say("dana", SCHEDULE)
    to(bot, datetime(2026, 9, 8, 12, 0, tzinfo=UTC))  # 13 hours late
    [notice] = await tick(bot)
    assert isinstance(notice, DirectMessage) and notice.member == bot.member("dana")
    assert (
        "I couldn't post this week's “Moving up to middle school” prompt in <#parents> on time"
        in notice.message.text
    )
    to(bot, datetime(2026, 9, 14, 23, 0, tzinfo=UTC))
    assert titles(await tick(bot)) == ["Moving up to middle school · week 1 of 6"]  # kept, not lost


async def test_pause_and_resume(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom setup timezone=America/New_York")
    await bot.say("dana", SCHEDULE)
    await bot.say("dana", "/homeroom prompt pause 1")
    to(bot, datetime(2026, 9, 15, 0, 0, tzinfo=UTC))
    assert await tick(bot) == []
    [resumed] = await bot.say("dana", "/homeroom prompt resume 1")
    assert "next: Monday 21 September, 19:00" in bot.texts([resumed])[0]
    to(bot, datetime(2026, 9, 21, 23, 0, tzinfo=UTC))
    assert titles(await tick(bot)) == ["Moving up to middle school · week 1 of 6"]


@pytest.mark.parametrize(("policy", "week_after"), [("shift", 2), ("skip", 3)])
async def test_a_break_week_with_each_policy(bot: TestBot, policy: str, week_after: int) -> None:
    await bot.say("dana", SCHEDULE + f" skip=2026-09-14 after-break={policy}")
    to(bot, datetime(2026, 9, 7, 23, 0, tzinfo=UTC))
    assert titles(await tick(bot)) == ["Moving up to middle school · week 1 of 6"]
    to(bot, datetime(2026, 9, 14, 23, 0, tzinfo=UTC))
    assert await tick(bot) == []  # the break
    to(bot, datetime(2026, 9, 21, 23, 0, tzinfo=UTC))
    assert titles(await tick(bot)) == [f"Moving up to middle school · week {week_after} of 6"]


async def test_a_series_ends_after_its_last_prompt(bot: TestBot) -> None:
    await bot.say("dana", SCHEDULE)
    posted: list[str] = []
    for week in range(8):
        to(
            bot,
            datetime(2026, 9, 7 + 7 * week, 23, 0, tzinfo=UTC)
            if week < 4
            else datetime(2026, 10, 5 + 7 * (week - 4), 23, 0, tzinfo=UTC),
        )
        posted += titles(await tick(bot))
    assert posted == [f"Moving up to middle school · week {n} of 6" for n in range(1, 7)]
    [listing] = await bot.say("dana", "/homeroom prompt list")
    assert "6 of 6 posted, finished" in bot.texts([listing])[0]


async def test_skip_next_post_now_and_cancel(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom setup timezone=America/New_York")
    await bot.say("dana", SCHEDULE)
    sent = await bot.say("dana", "/homeroom prompt post-now 1")
    assert titles(sent) == ["Moving up to middle school · week 1 of 6"]
    assert "Posting week 1 of the series now." in bot.texts(sent)
    [skipped] = await bot.say("dana", "/homeroom prompt skip-next 1")
    assert "next: Monday 14 September, 19:00" in bot.texts([skipped])[0]
    to(bot, datetime(2026, 9, 14, 23, 0, tzinfo=UTC))
    assert titles(await tick(bot)) == ["Moving up to middle school · week 2 of 6"]
    await bot.say("dana", "/homeroom prompt cancel 1")
    to(bot, datetime(2026, 9, 21, 23, 0, tzinfo=UTC))
    assert await tick(bot) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("moving-up", "moving-sideways"), "I don't know the series “moving-sideways”."),
        (
            ("time=19:00", "time=25:00"),
            "“25:00” isn't a time of day. Write it like 19:00 or 7pm.",
        ),
        (
            ("America/New_York", "America/Atlantis"),
            "I don't know the time zone “America/Atlantis”.",
        ),
        (("weekday=mon", "weekday=funday"), "“funday” isn't one of the choices for “weekday”"),
    ],
)
async def test_bad_input_is_explained_and_creates_nothing(
    bot: TestBot, change: tuple[str, str], expected: str
) -> None:
    [reply] = await bot.say("dana", SCHEDULE.replace(*change))
    assert bot.texts([reply])[0].startswith(expected)
    [listing] = await bot.say("dana", "/homeroom prompt list")
    assert bot.texts([listing]) == ["No series is scheduled yet. “prompt schedule” sets one up."]


async def test_an_end_before_the_start_is_explained(bot: TestBot) -> None:
    [reply] = await bot.say("dana", SCHEDULE + " start=2026-10-01 end=2026-09-01")
    assert bot.texts([reply]) == [
        "The end date Tuesday 1 September comes before the start date Thursday 1 October. "
        "Please check them."
    ]


async def test_parents_cannot_schedule_and_unknown_ids_are_explained(bot: TestBot) -> None:
    [refused] = await bot.say("lee", SCHEDULE)
    assert "Only organizers can do that" in bot.texts([refused])[0]
    [unknown] = await bot.say("dana", "/homeroom prompt pause 42")
    assert bot.texts([unknown]) == ["There's no schedule #42 here. “prompt list” shows them."]


async def test_replies_in_the_prompts_thread_and_their_reactions_are_recorded(bot: TestBot) -> None:
    await bot.say("dana", SCHEDULE)
    to(bot, datetime(2026, 9, 7, 23, 0, tzinfo=UTC))
    await tick(bot)
    index = next(
        i for i, x in enumerate(bot.adapter.sent) if isinstance(x, Post) and x.opens_thread
    )
    root = f"m{index + 1}"  # the fake platform's ID for the prompt's message
    await bot.say("lee", "She is excited about lockers!", thread=root)
    await bot.say("maria", "Le preocupa el autobús.", thread=root)
    await bot.say("lee", "Just chatting in the channel")  # not in the thread: not recorded
    await bot.react("maria", "r1", "❤️", channel="parents")  # a reaction outside any discussion
    async with bot.app.db.engine.connect() as conn:
        replies = (
            await conn.execute(select(discussion_replies.c.user_id, discussion_replies.c.text))
        ).all()
    assert sorted(replies) == [
        ("lee", "She is excited about lockers!"),
        ("maria", "Le preocupa el autobús."),
    ]
    [listing] = await bot.say("dana", "/homeroom prompt list")
    assert bot.texts([listing])[0].endswith(
        "1 of 6 posted, next: Monday 14 September, 23:00 · 2 replies"
    )


async def test_a_prompt_never_repeats_in_a_group(bot: TestBot) -> None:
    await bot.say("dana", SCHEDULE)
    to(bot, datetime(2026, 9, 7, 23, 0, tzinfo=UTC))
    assert titles(await tick(bot)) == ["Moving up to middle school · week 1 of 6"]
    await bot.say("dana", "/homeroom prompt cancel 1")
    await bot.say("dana", SCHEDULE)  # the same series again, in the same channel
    to(bot, datetime(2026, 9, 14, 23, 0, tzinfo=UTC))
    post, pin, unpin = await tick(bot)
    assert (isinstance(pin, Pin) and pin.pinned, isinstance(unpin, Pin) and not unpin.pinned) == (
        True,
        True,
    )
    assert post.message.title == "Moving up to middle school · week 2 of 6"  # type: ignore[union-attr]
    assert post.message.text.startswith("And you? What are you looking forward to")  # type: ignore[union-attr]


async def test_a_channel_the_bot_cannot_post_in_is_explained_and_nothing_is_created(
    bot: TestBot,
) -> None:
    bot.adapter.unpostable.add("parents")
    [reply] = await bot.say("dana", SCHEDULE)
    assert bot.texts([reply]) == [
        "I can't post in <#parents> yet. Please invite me there, "
        "or let me send messages in it, then try again."
    ]
    [listing] = await bot.say("dana", "/homeroom prompt list")
    assert bot.texts([listing]) == ["No series is scheduled yet. “prompt schedule” sets one up."]
