from bot.directory import GroupPurpose
from bot.intents import Ephemeral, OpenForm, Post
from bot.refs import CommunityRef
from bot.testing import TestBot

SCHOOL = CommunityRef("fake", "school")


async def test_setup_saves_and_shows_times_in_the_communitys_zone(bot: TestBot) -> None:
    sent = await bot.say(
        "dana",
        "/homeroom setup timezone=America/New_York languages=en,es queue=#liaisons group=#parents",
    )
    summary, welcome = sent
    assert isinstance(summary, Ephemeral)
    fields = dict(summary.message.fields)
    # The fake clock reads 2026-09-07 16:00 UTC, which is 12:00 in New York.
    assert fields["Time zone"] == "America/New_York (there it is Monday 7 September, 12:00)"
    assert fields["Languages"] == "English, Spanish"
    assert fields["Liaison queue"] == "<#liaisons>"
    assert isinstance(welcome, Post)
    assert welcome.to.channel == "liaisons"
    assert "liaison queue" in welcome.message.text

    stored = await bot.app.directory.community(SCHOOL)
    assert stored.timezone == "America/New_York"
    assert stored.languages == ("en", "es")
    assert stored.groups[GroupPurpose.PARENTS] == ("parents",)


async def test_setup_without_options_opens_a_form_with_current_values(bot: TestBot) -> None:
    [form] = await bot.say("dana", "/homeroom setup")
    assert isinstance(form, OpenForm)
    assert form.form.form_id == "command:setup"
    assert {f.name: f.default for f in form.form.fields}["timezone"] == "UTC"

    [summary] = await bot.submit("dana", "command:setup", timezone="Europe/Madrid", languages="es")
    assert isinstance(summary, Ephemeral)
    # Dana's own platform speaks English, so the community's new main language
    # (Spanish) does not change the language of Dana's private replies.
    assert dict(summary.message.fields)["Time zone"].startswith("Europe/Madrid")
    assert dict(summary.message.fields)["Languages"] == "Spanish"


async def test_only_organizers_may_set_up_and_nothing_changes(bot: TestBot) -> None:
    [reply] = await bot.say("lee", "/homeroom setup timezone=Europe/Paris")
    assert "Only organizers can do that" in bot.texts([reply])[0]
    assert (await bot.app.directory.community(SCHOOL)).timezone == "UTC"


async def test_an_unknown_time_zone_is_explained_and_nothing_changes(bot: TestBot) -> None:
    [reply] = await bot.say("dana", "/homeroom setup timezone=Mars/Olympus_Mons languages=en")
    assert bot.texts([reply]) == [
        "I don't know the time zone “Mars/Olympus_Mons”. "
        "Use a name like America/New_York or Europe/Madrid."
    ]
    assert (await bot.app.directory.community(SCHOOL)).timezone == "UTC"


async def test_an_unsupported_language_is_explained_in_spanish_too(bot: TestBot) -> None:
    bot.people["maria"].is_admin = True
    [reply] = await bot.say("maria", "/homeroom setup languages=fr")
    assert bot.texts([reply]) == ["Por ahora hablo en, es, así que no puedo usar “fr”."]
