"""`retention set` and the sweep on the shared timer: closed questions and raw
discussion messages past their days go, in batches; everything else stays."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, insert, select

from bot.features.rights import retention
from bot.storage.tables import discussion_replies, discussions, timers
from bot.testing import TestBot, text_of
from tests.features.questions.conftest import community


async def test_bad_retention_days_are_refused_kindly_and_change_nothing(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom retention set")
    state = await bot.state()
    for typed in (
        "questions=-1",
        "messages=100000",
        "questions=0",
        "messages=soon",
        "messages=11y",
    ):
        [reply] = await bot.say("dana", f"/homeroom retention set {typed}")
        assert "needs 1 to 3650 days, like 365, 90d, 12w, 6m or 1y" in text_of(reply), typed
    assert await bot.state() == state


async def test_every_bad_value_is_said_at_once(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom retention set")
    state = await bot.state()
    [reply] = await bot.say("dana", "/homeroom retention set questions=abc messages=0")
    assert text_of(reply).splitlines() == [
        "“questions” needs 1 to 3650 days, like 365, 90d, 12w, 6m or 1y, and I can't use “abc”.",
        "“messages” needs 1 to 3650 days, like 365, 90d, 12w, 6m or 1y, and I can't use “0”.",
    ]
    assert await bot.state() == state


async def test_lengths_in_days_weeks_months_and_years(bot: TestBot) -> None:
    for typed, questions, messages in (
        ("questions=90d messages=12w", 90, 84),
        ("questions=90 days messages=6 months", 90, 180),
        ("questions=6m messages=1y", 180, 365),
        ("questions=1y 6m messages=365", 545, 365),
        ("messages=3650 questions=10y", 3650, 3650),
    ):
        [reply] = await bot.say("dana", f"/homeroom retention set {typed}")
        assert text_of(reply).splitlines()[:2] == [
            f"Closed questions are kept for {questions} days.",
            f"Discussion messages are kept for {messages} days.",
        ], typed
    await bot.say("dana", "/role grant @maria organizer")
    [reply] = await bot.say(
        "maria", "/homeroom retention set preguntas=90 días conversaciones=2 años"
    )
    assert text_of(reply).splitlines()[:2] == [
        "Las preguntas cerradas se guardan 90 días.",
        "Los mensajes de las conversaciones se guardan 730 días.",
    ]


async def test_only_organizers_set_retention(bot: TestBot) -> None:
    await bot.say("lee", "/homeroom me settings")
    state = await bot.state()
    [reply] = await bot.say("lee", "/homeroom retention set questions=30")
    assert text_of(reply).startswith("Only organizers can do that.")
    assert await bot.state() == state


async def replies(bot: TestBot, count: int, at_days_ago: int) -> int:
    """`count` replies in one discussion, written `at_days_ago` days ago; its ID."""
    now = bot.app.clock.now()
    community = (await bot.app.directory.community(bot.member("lee").community_ref)).id
    async with bot.app.db.engine.begin() as conn:
        [discussion] = (
            await conn.execute(
                insert(discussions).returning(discussions.c.id),
                [
                    {
                        "community_id": community,
                        "channel": "parents",
                        "root": f"root{at_days_ago}",
                        "series_id": "s",
                        "prompt_id": "p",
                        "posted_at": now,
                    }
                ],
            )
        ).one()
        await conn.execute(
            insert(discussion_replies),
            [
                {
                    "discussion_id": discussion,
                    "message_id": f"m{at_days_ago}-{i}",
                    "user_id": "lee",
                    "text": "words",
                    "at": now - timedelta(days=at_days_ago),
                }
                for i in range(count)
            ],
        )
    return int(discussion)


async def counted(bot: TestBot) -> tuple[int, int]:
    async with bot.app.db.engine.connect() as conn:
        left = (await conn.execute(select(func.count()).select_from(discussion_replies))).scalar()
        timer = (
            await conn.execute(select(timers.c.due_at).where(timers.c.feature == "rights"))
        ).scalar()
    return int(left or 0), timer


async def test_the_sweep_deletes_old_messages_in_batches_and_comes_back_daily(
    bot: TestBot,
) -> None:
    old = retention.BATCH * 2 + 7  # three batches
    await replies(bot, old, at_days_ago=40)
    await replies(bot, 5, at_days_ago=3)
    [reply] = await bot.say("dana", "/homeroom retention set messages=30")
    assert text_of(reply).splitlines() == [
        "Closed questions are kept until someone deletes them.",
        "Discussion messages are kept for 30 days.",
        "Digests and FAQ entries are always kept.",
    ]
    # One batch a transaction; while more is left the timer is due again at once, so
    # the loop's next pass (here: a millisecond later) runs batch after batch.
    assert await bot.app.timers.run_due() == 1
    assert (await counted(bot))[0] == old + 5 - retention.BATCH
    bot.app.clock.advance(0.001)  # type: ignore[attr-defined]
    assert await bot.app.timers.run_due() == 2
    left, due = await counted(bot)
    assert left == 5  # the recent ones stay
    assert due == bot.app.clock.now() + retention.EVERY
    # A day later nothing more is old enough; the timer is still there (restart-safe row).
    bot.app.clock.advance(timedelta(days=1).total_seconds())  # type: ignore[attr-defined]
    assert await bot.app.timers.run_due() == 1
    assert (await counted(bot))[0] == 5


async def test_closed_questions_past_retention_go_with_their_notes_open_ones_and_faq_stay(
    bot: TestBot,
) -> None:
    await community(bot)
    await bot.say("dana", "/route fallback @sam")
    await bot.say("lee", "/ask When is the field trip?")
    await bot.say("sam", "/queue answer 1 On Friday.", channel="liaisons")
    await bot.say("sam", "/queue close 1 reason=answered", channel="liaisons")
    await bot.invoke("dana", "faq add", question="When is the field trip?", answer="Friday.")
    await bot.say("maria", "/ask Is there a bus?")  # still open
    bot.app.clock.advance(timedelta(days=31).total_seconds())  # type: ignore[attr-defined]
    await bot.say("dana", "/homeroom retention set questions=30")
    await bot.app.timers.run_due()
    rows = await bot.state()
    assert [r[6] for r in rows["questions"]] == ["Is there a bus?"]
    assert [n for n in rows["question_notes"] if n[1] == 1] == []
    assert len(rows["faq_entries"]) == 1


async def test_the_refusal_names_the_option_as_the_member_types_it(bot: TestBot) -> None:
    await bot.say("dana", "/role grant @maria organizer")
    [reply] = await bot.say("maria", "/homeroom retention set preguntas=-1")
    assert text_of(reply) == (
        "“preguntas” necesita de 1 a 3650 días, como 365, 90d, 12s, 6m o 1a, y no puedo usar “-1”."
    )
