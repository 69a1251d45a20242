"""Routing: by topic, grade and language, the most specific rule first, the fallback,
the backup when a liaison is gone, and the organizers' route commands."""

from __future__ import annotations

from sqlalchemy import select

from bot.features.questions.tables import questions
from bot.testing import Person, TestBot
from tests.features.questions.conftest import community


async def assigned(bot: TestBot) -> list[tuple[int, str | None]]:
    async with bot.app.db.engine.connect() as conn:
        found = await conn.execute(
            select(questions.c.id, questions.c.liaison_id).order_by(questions.c.id)
        )
        return [tuple(r) for r in found]  # type: ignore[misc]


async def test_each_dimension_routes_and_the_most_specific_rule_wins(bot: TestBot) -> None:
    await community(bot)
    for line in (
        "/route fallback @sam",
        "/route add @ines topic=health",
        "/route add @omar grade=5",
        "/route add @sam topic=health grade=5 backup=@ines",
        "/route add @omar language=es",
    ):
        [reply] = await bot.say("dana", line)
        assert bot.texts([reply])[0].startswith("Rule added: #"), line
    await bot.say("lee", "/ask Flu shots? topic=health")  # topic -> ines
    await bot.say("lee", "/ask Field trip? grade=5")  # grade -> omar
    await bot.say("lee", "/ask Lice check? topic=health grade=5")  # both -> sam
    await bot.say("maria", "/ask ¿Hay tarea?")  # Spanish -> omar
    await bot.say("lee", "/ask Any homework?")  # nothing fits -> the fallback
    await bot.say("maria", "/ask ¿Vacunas? topic=health")  # topic beats language -> ines
    assert await assigned(bot) == [
        (1, "ines"),
        (2, "omar"),
        (3, "sam"),
        (4, "omar"),
        (5, "sam"),
        (6, "ines"),
    ]


async def test_a_liaison_who_is_gone_passes_questions_to_the_backup(bot: TestBot) -> None:
    await community(bot)
    await bot.say("dana", "/route add @ines topic=health backup=@omar")
    await bot.say("dana", "/role revoke @ines liaison")
    await bot.say("lee", "/ask Flu shots? topic=health")
    del bot.people["omar"]  # left the workspace: the platform no longer finds them
    await bot.say("dana", "/route fallback @sam")
    await bot.say("lee", "/ask Flu shots again? topic=health")
    assert await assigned(bot) == [(1, "omar"), (2, "sam")]


async def test_with_no_rule_a_question_waits_unassigned_in_the_queue(bot: TestBot) -> None:
    await community(bot)
    sent = await bot.say("lee", "/ask Who runs the PTA?")
    assert "None yet: an organizer will find someone" in bot.texts(sent)[1]
    assert await assigned(bot) == [(1, None)]


async def test_route_list_and_remove(bot: TestBot) -> None:
    await community(bot)
    await bot.say("dana", "/route fallback @sam backup=@ines")
    await bot.say("dana", "/route add @ines topic=health grade=k reply-within=1 day")
    [listing] = await bot.say("dana", "/route list")
    assert bot.texts([listing]) == [
        "*Routing rules*\n"
        "#2 · topic health, grade k, language any → <@ines> · answer within 8 working hours\n"
        "#1 · topic any, grade any, language any → <@sam> (backup <@ines>) · answer within "
        "16 working hours · fallback\n"
        "_The most specific rule that fits a question wins: topic first, then grade, then "
        "language._"
    ]
    [removed] = await bot.say("dana", "/route remove 2")
    assert bot.texts([removed]) == ["Rule #2 removed."]
    [again] = await bot.say("dana", "/route remove 2")
    assert bot.texts([again]) == ["There's no rule numbered 2. “route list” shows them."]


async def test_bad_routes_are_refused_kindly_and_change_nothing(bot: TestBot) -> None:
    await community(bot)
    await bot.say("dana", "/route add @ines topic=health")
    before = await bot.state()
    for typed, answer in (
        (
            "/route add @lee topic=events",
            "<@lee> isn't a school liaison here yet. Give them the role first with "
            "“role grant <@lee> liaison”.",
        ),
        (
            "/route add @ines topic=health",
            "Rule #1 already covers exactly that. Remove it first with “route remove 1”.",
        ),
        ("/route add @sam backup=@sam", "The backup should be someone else than the liaison."),
    ):
        [reply] = await bot.say("dana", typed)
        assert bot.texts([reply]) == [answer], typed
    [reply] = await bot.say("lee", "/route add @sam")
    assert bot.texts([reply])[0].startswith("Only organizers can do that.")
    assert await bot.state() == before


async def test_route_hours_are_written_for_the_reader(bot: TestBot) -> None:
    """Whole hours without a spurious ".0"; a half hour with the reader's decimal mark."""
    await community(bot)
    [added] = await bot.say("dana", "/route add topic=transport @sam")
    assert bot.texts([added]) == [
        "Rule added: #1 · topic transport, grade any, language any → <@sam> · answer within "
        "16 working hours"
    ]
    bot.people["ana"] = Person("ana", locale="es", is_admin=True)
    await bot.say("dana", "/role grant @ana organizer")
    await bot.say("dana", "/route add @ines topic=health reply-within=90 minutes")
    [listing] = await bot.say("ana", "/route list")
    assert "→ <@ines> · respuesta en 1,5 horas de trabajo" in bot.texts([listing])[0]
    await bot.say("dana", "/route add @sam topic=transport grade=3 reply-within=60 minutes")
    [listing] = await bot.say("dana", "/route list")
    assert "→ <@sam> · answer within 1 working hour\n" in bot.texts([listing])[0]
    [listing] = await bot.say("ana", "/route list")
    assert "→ <@sam> · respuesta en 1 hora de trabajo\n" in bot.texts([listing])[0]
