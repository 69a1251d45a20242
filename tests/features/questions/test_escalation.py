"""`escalate-to` on a routing rule: once even the backup has not answered, a late
question goes to the person or role the rule names instead of the organizers, on the
injected clock; whoever it goes to may take it over. Without it, the organizers."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.features.questions.tables import question_routes
from bot.intents import DirectMessage
from bot.privacy import delete_member, export_member
from bot.testing import TestBot
from tests.features.questions.conftest import community

TO_ESCALATION = (
    "Question #1 is past the time we promised the parent, and neither its liaison nor its "
    "backup has answered. Its routing rule sends it to you now: “queue claim 1” takes it, "
    "then “queue answer 1”."
)


def dms(sent: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(i.member.id, i.message.text) for i in sent if isinstance(i, DirectMessage)]


async def late(bot: TestBot, rule: str) -> list[tuple[str, str]]:
    """Ask, let sam claim it, and run the reminder, the backup and the last step: the
    DMs of the last step."""
    await community(bot)
    await bot.say("dana", rule)
    await bot.say("lee", "/ask Is there a bus on snow days?")  # Monday 16:00 UTC
    await bot.say("sam", "/queue claim 1", channel="liaisons")
    steps = []
    for _ in range(3):
        fired = await bot.next_timer()
        assert fired is not None
        steps.append(fired)
    assert [dm[0] for dm in dms(steps[0][1])] == ["sam"]  # the reminder
    assert [dm[0] for dm in dms(steps[1][1])] == ["ines"]  # the backup
    # four of ines's working hours after the promise (school hours: Wednesday 16:00 NY)
    assert steps[2][0].due_at == datetime(2026, 9, 9, 20, 0, tzinfo=UTC)
    assert await bot.next_timer() is None
    return dms(steps[2][1])


async def test_a_late_question_escalates_to_the_rules_person_who_may_take_it(
    bot: TestBot,
) -> None:
    told = await late(bot, "/route fallback @sam backup=@ines escalate-to=@omar")
    assert told == [("omar", TO_ESCALATION)]
    taken = await bot.say("omar", "/queue claim 1", channel="liaisons")
    assert bot.texts(taken)[0] == "Question #1 is yours now. Thank you!"
    refused = await bot.say("lee", "/queue claim 1", channel="liaisons")
    assert "liaison" in bot.texts(refused)[0]  # a parent cannot take it over


async def test_a_late_question_escalates_to_everyone_holding_the_rules_role(
    bot: TestBot,
) -> None:
    told = await late(bot, "/route fallback @sam backup=@ines escalate-to=liaisons")
    assert sorted(told) == [
        ("ines", TO_ESCALATION),
        ("omar", TO_ESCALATION),
        ("sam", TO_ESCALATION),
    ]


async def test_without_escalate_to_the_organizers_are_told(bot: TestBot) -> None:
    told = await late(bot, "/route fallback @sam backup=@ines")
    assert [who for who, _ in told] == ["dana"]


async def test_an_escalation_to_someone_gone_falls_back_to_the_organizers(bot: TestBot) -> None:
    await community(bot)
    await bot.say("dana", "/route fallback @sam backup=@ines escalate-to=@omar")
    await bot.say("dana", "/role revoke @omar liaison")
    await bot.say("lee", "/ask Is there a bus on snow days?")
    await bot.say("sam", "/queue claim 1", channel="liaisons")
    for _ in range(2):
        await bot.next_timer()
    fired = await bot.next_timer()
    assert fired is not None
    assert [who for who, _ in dms(fired[1])] == ["dana"]


async def test_route_list_shows_the_escalation_and_bad_ones_are_refused(bot: TestBot) -> None:
    await community(bot)
    await bot.say("dana", "/route add @sam topic=health escalate-to=@omar")
    await bot.say("dana", "/route add @ines topic=transport escalate-to=organizer")
    [listing] = await bot.say("dana", "/route list")
    text = bot.texts([listing])[0]
    assert "→ <@sam> · answer within 16 working hours · escalates to <@omar>" in text
    assert "→ <@ines> · answer within 16 working hours · escalates to organizer" in text
    before = await bot.state()
    for typed, answer in (
        (
            "/route add @sam topic=events escalate-to=@lee",
            "<@lee> isn't a school liaison here yet. Give them the role first with "
            "“role grant <@lee> liaison”.",
        ),
        (
            "/route add @sam topic=events escalate-to=janitor",
            "I couldn't tell who “janitor” is. Name a liaison like @name, or a role: "
            "liaison, organizer.",
        ),
    ):
        [refused] = await bot.say("dana", typed)
        assert bot.texts([refused]) == [answer]
    assert await bot.state() == before


async def test_a_rule_that_escalates_to_a_member_is_in_their_export_and_forgets_them(
    bot: TestBot,
) -> None:
    await community(bot)
    await bot.say("dana", "/route add @sam topic=health escalate-to=@omar")
    omar = bot.member("omar")
    async with bot.app.db.engine.begin() as conn:
        exported = await export_member(conn, bot.app.features, omar)
        assert exported["questions"]["question_routes_escalating_to_you"] == [
            {"id": 1, "topic": "health", "grade": None}
        ]
        await delete_member(conn, bot.app.features, omar)
        kept = (
            await conn.execute(select(question_routes.c.liaison_id, question_routes.c.escalate_to))
        ).all()
    assert kept == [("sam", None)]
