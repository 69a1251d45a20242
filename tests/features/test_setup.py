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
    # A post in a group, so in each of the community's languages, one under the other.
    assert welcome.message.text == (
        "This is now the liaisons' channel in Homeroom, for the school staff who work with "
        "the parents' groups.\n\n"
        "Este es ahora el canal de quienes son enlaces escolares en Homeroom, para el personal "
        "de la escuela que trabaja con los grupos de familias."
    )

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
    assert bot.texts([reply]) == [
        "Por ahora hablo en (English), es (español), así que no puedo usar “fr”."
    ]


async def test_a_parent_group_cannot_be_the_liaison_queue(bot: TestBot) -> None:
    bot.adapter.private_channels.add("parents")  # even a private parent group
    await bot.say("dana", "/homeroom setup group=#parents")
    [reply] = await bot.say("dana", "/homeroom setup queue=#parents")
    assert bot.texts([reply]) == [
        "<#parents> is a parent group, so it can't be the liaisons' channel: parents would "
        "read what is meant for school staff. Choose a private channel."
    ]
    [reply] = await bot.say("dana", "/homeroom setup queue=#staff group=#staff")
    assert "<#staff> is a parent group" in bot.texts([reply])[0]
    stored = await bot.app.directory.community(SCHOOL)
    assert stored.queue_channel is None
    assert stored.groups[GroupPurpose.PARENTS] == ("parents",)


async def test_the_liaison_queue_cannot_become_a_parent_group(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom setup queue=#liaisons")
    [reply] = await bot.say("dana", "/homeroom setup group=#liaisons")
    assert bot.texts([reply]) == [
        "<#liaisons> is the liaisons' private channel, so it can't be a parent group too. "
        "Choose another channel for the parents."
    ]
    assert GroupPurpose.PARENTS not in (await bot.app.directory.community(SCHOOL)).groups


async def test_a_public_channel_is_refused_as_the_queue_where_the_platform_tells(
    bot: TestBot,
) -> None:
    [reply] = await bot.say("dana", "/homeroom setup queue=#general timezone=Europe/Madrid")
    assert bot.texts([reply]) == [
        "<#general> is a public channel, so everyone could read it. The liaisons' channel "
        "must be private: make it private or choose a private one."
    ]
    stored = await bot.app.directory.community(SCHOOL)
    assert (stored.queue_channel, stored.timezone) == (None, "UTC")  # nothing changed
    bot.people["maria"].is_admin = True
    [reply] = await bot.say("maria", "/homeroom setup queue=#general")
    assert bot.texts([reply])[0].startswith("<#general> es un canal público")


async def test_a_platform_that_cannot_tell_privacy_keeps_the_queue_it_is_given(
    bot: TestBot,
) -> None:
    async def cannot_tell(channel: str) -> bool | None:
        return None

    bot.adapter.channel_is_private = cannot_tell  # type: ignore[method-assign]
    bot.app.channels.add(bot.adapter.platform, None, cannot_tell)
    summary, _ = await bot.say("dana", "/homeroom setup queue=#general")
    assert dict(summary.message.fields)["Liaison queue"] == "<#general>"  # type: ignore[union-attr]
