"""`me export` and `me delete` through the core: every feature's data of the member,
as a file by DM; deletion only on the member's own confirmation."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

from bot.events import CommandInvoked
from bot.features.rights import erase, export
from bot.intents import DirectMessage, Ephemeral
from bot.privacy import export_member
from bot.testing import TestBot, text_of
from tests.features.test_privacy import everything_of_wren, holding

SENT = "I've sent your data to you in a direct message."
NOT_IN = (
    "Not included: anonymous questions, votes and suggestions. They are stored without "
    "your ID, so nothing links them to you."
)


def exported_file(intent: DirectMessage) -> dict:  # type: ignore[type-arg]
    attached = intent.message.attachment
    assert attached is not None and attached.filename.endswith(".json")
    return json.loads(base64.b64decode(attached.data_base64))  # type: ignore[no-any-return]


async def test_me_export_sends_every_features_data_as_a_file_by_dm(bot: TestBot) -> None:
    await everything_of_wren(bot)
    sent = await bot.say("wren", "/homeroom me export")
    [dm] = [i for i in sent if isinstance(i, DirectMessage)]
    [reply] = [i for i in sent if isinstance(i, Ephemeral)]
    assert dm.asked and dm.member == bot.member("wren") and not dm.message.keep_copy
    assert text_of(reply) == "I've sent your data to you in a direct message."
    document = exported_file(dm)
    async with bot.app.db.engine.connect() as conn:
        expected = await export_member(conn, bot.app.features, bot.member("wren"))
    assert document["data"] == json.loads(json.dumps(expected, default=export._plain))
    assert document["member"] == {"platform": "fake", "community": "school", "id": "wren"}
    # The anonymous vote (poll 2) is nowhere: only the named one of poll 1.
    assert document["data"]["polls"]["poll_ballots"] == [{"choice": "cake", "poll_id": 1}]
    assert text_of(dm).splitlines() == [
        "*Your Homeroom data*",
        "Forms and choices you were in the middle of: 2",
        "Prompt ideas, replies and reactions in discussions: 6",
        "Your settings and roles: 4",
        "Polls you made and your named votes: 2",
        "FAQ entries and proposals: 1",
        "Office hours and time away: 3",
        "Live chats you started and your answers: 4",
        "Not included: anonymous questions, votes and suggestions. They are stored without "
        "your ID, so nothing links them to you.",
    ]
    rows = await bot.state(skip=())
    assert [r for r in rows["outbox"] if "homeroom-" in str(r)] == []  # no copy kept


async def test_exporting_another_member_is_neither_offered_nor_done(bot: TestBot) -> None:
    before = len(bot.adapter.sent)
    [reply] = await bot.say("lee", "/homeroom me export @maria")
    assert text_of(reply) == "There's more here than “me export” expects: “@maria”."
    [reply] = await bot.say("dana", "/homeroom me export member=@maria")
    assert text_of(reply) == "“me export” takes no options, so I can't use “member”."
    assert not any(isinstance(i, DirectMessage) for i in bot.adapter.sent[before:])
    [help_text] = await bot.say("dana", "/homeroom help me")
    assert (
        "• me export — Get everything Homeroom holds about you, as a file"
        in text_of(help_text).splitlines()
    )


async def test_a_slow_export_says_it_is_under_way(bot: TestBot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    real = export.gather

    async def slow(ctx):  # type: ignore[no-untyped-def]
        await ctx.kernel.clock.sleep(5)
        return await real(ctx)

    monkeypatch.setattr(export, "gather", slow)
    event = CommandInvoked(**bot._from("lee"), text="me export")
    outbox = bot.app.outbox
    # The fake clock moves to each sleeper's time once delivery has nothing else to do.
    await bot.app.clock.run_until(  # type: ignore[attr-defined]
        bot.app.handle(event), asleep=lambda: outbox.quiet() or outbox.asleep()
    )
    await bot.settle()
    texts = [text_of(i) for i in bot.adapter.sent]
    assert texts[0] == "Still gathering your data; it will arrive in a direct message."
    assert bot.adapter.sent_at[0] == 3.0  # after three seconds, while the export ran on
    assert sorted(texts[1:]) == [
        "*Your Homeroom data*\nYour settings and roles: 1\n" + NOT_IN,
        SENT,
    ]


def confirm_value(intents: list) -> str:  # type: ignore[type-arg]
    [card] = [i for i in intents if isinstance(i, Ephemeral) and i.message.buttons]
    assert [b.action_id for b in card.message.buttons] == [erase.CONFIRM, erase.KEEP]
    return card.message.buttons[0].value


async def test_me_delete_shows_what_goes_and_changes_nothing_until_confirmed(
    bot: TestBot,
) -> None:
    await everything_of_wren(bot)
    state = await bot.state()
    shown = await bot.say("wren", "/homeroom me delete")
    lines = text_of(shown[0]).splitlines()
    assert lines[:3] == [
        "*Delete your Homeroom data?*",
        "What I hold about you:",
        "• Forms and choices you were in the middle of: 2",
    ]
    assert lines[-7:] == [
        "Deleted at once: your settings and roles, your replies and reactions, your named "
        "votes, your questions (anonymous ones too), ideas the group didn't take, and your "
        "office hours.",
        "Kept for the group, without your name: prompts the group took from your ideas, "
        "polls and FAQ entries you made, and digests that quote you.",
        "Anonymous votes and suggestions can't be linked to you, so they stay.",
        "",
        "This can't be undone.",
        "  [1] Delete my data",
        "  [2] Keep it",
    ]
    value = confirm_value(shown)
    assert await bot.state() == state  # asking deletes nothing
    # Another member's press does nothing, whatever the button's value.
    [refused] = await bot.press("lee", erase.CONFIRM, value)
    assert "belongs to the member who asked" in text_of(refused)
    [refused] = await bot.press("lee", erase.CONFIRM, "1:" + "0" * 32)
    assert "belongs to the member who asked" in text_of(refused)
    [kept] = await bot.press("wren", erase.KEEP, value)
    assert text_of(kept) == "Nothing was deleted. Your data stays as it was."
    assert await bot.state() == state


async def test_a_confirmed_delete_leaves_no_trace_of_the_member(bot: TestBot) -> None:
    await everything_of_wren(bot)
    # ...and questions to liaisons: one by name, one anonymous, both answered.
    await bot.say("dana", "/setup queue=#liaisons")
    await bot.say("dana", "/route fallback @sam")
    await bot.say("wren", "/ask Is there a reading club?")
    await bot.say("wren", "/ask My son is struggling anonymous=yes")
    await bot.say("sam", "/queue answer 1 Yes, on Fridays.", channel="liaisons")
    await bot.say("sam", "/queue answer 2 Let's meet.", channel="liaisons")
    wren = bot.member("wren")
    bot.app.directory.forget(wren)  # the test wrote wren's language behind its back
    assert (await bot.app.directory.profile(wren)).language == "es"  # cached now
    value = confirm_value(await bot.say("wren", "/homeroom me delete"))
    [done] = await bot.press("wren", erase.CONFIRM, value)
    # In wren's language, chosen before.
    assert text_of(done) == (
        "Listo: sus datos están borrados (45 registros borrados o hechos anónimos). "
        "Si vuelve a usar Homeroom, empieza de cero."
    )
    assert (await bot.app.directory.profile(wren)).language is None  # the cache forgot
    await bot.app.directory.flush()
    left = holding(await bot.state(skip=()), "wren")
    assert left == {}
    rows = await bot.state()
    assert [r[3] for r in rows["discussion_replies"]] == ["Same here!"]  # lee's stays
    assert rows["questions"] == [] and rows["question_notes"] == []  # both questions went


async def test_an_old_delete_button_has_expired(bot: TestBot) -> None:
    await bot.say("lee", "/homeroom me settings dm=no")
    value = confirm_value(await bot.say("lee", "/homeroom me delete"))
    bot.app.clock.advance(timedelta(minutes=16).total_seconds())  # type: ignore[attr-defined]
    state = await bot.state()
    [reply] = await bot.press("lee", erase.CONFIRM, value)
    assert "expired" in text_of(reply)
    assert await bot.state() == state


async def test_the_file_says_what_is_left_out_in_the_members_language(bot: TestBot) -> None:
    sent = await bot.say("maria", "/homeroom me export")
    [dm] = [i for i in sent if isinstance(i, DirectMessage)]
    document = exported_file(dm)
    assert document["language"] == "es"
    assert document["not_included"] == (
        "No se incluyen las preguntas, votos y sugerencias anónimos: se guardan sin su "
        "identificador, así que nada los vincula con usted."
    )
    assert text_of(dm).splitlines()[-1] == document["not_included"]


async def test_every_feature_that_exports_is_named_in_words_a_member_reads(bot: TestBot) -> None:
    exporting = {f.name for f in bot.app.features if f.privacy and f.privacy.export}
    assert exporting - set(export.LABELS) == set()
