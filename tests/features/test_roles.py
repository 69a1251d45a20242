import pytest

from bot.directory import Role
from bot.intents import DirectMessage, Ephemeral, OpenForm
from bot.notify import tell_organizers
from bot.testing import TestBot


async def test_granting_a_liaison_replies_privately_and_welcomes_them(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom setup queue=#liaisons")
    reply, welcome = await bot.say("dana", "/homeroom role grant @sam liaison")
    assert isinstance(reply, Ephemeral)
    assert reply.message.text == "Done: <@sam> is now a liaison."
    assert reply.message.mentions == ()  # naming someone never pings them
    assert isinstance(welcome, DirectMessage)
    assert welcome.member == bot.member("sam")
    # Only what exists today: no promise of questions that Homeroom cannot route yet.
    assert welcome.message.text == (
        "Welcome! <@dana> made you a school liaison in Homeroom. Thank you for being a bridge "
        "between families and the school. Type “help” to see what you can do here."
    )
    assert Role.LIAISON in (await bot.app.directory.profile(bot.member("sam"))).roles


async def test_the_welcome_is_in_the_recipients_language_not_the_communitys(
    bot: TestBot,
) -> None:
    # An English community: Maria's platform speaks Spanish, so her welcome is Spanish.
    _, welcome = await bot.say("dana", "/homeroom role grant @maria liaison")
    assert bot.texts([welcome]) == [
        "¡Bienvenido/a! <@dana> le nombró enlace escolar en Homeroom. Gracias por ser un "
        "puente entre las familias y la escuela. Escriba “help” para ver lo que puede hacer aquí."
    ]
    # A Spanish-first community: Lee's platform speaks English, so his welcome is English.
    await bot.say("dana", "/homeroom setup languages=es,en")
    _, welcome = await bot.say("dana", "/homeroom role grant @lee organizer")
    assert bot.texts([welcome])[0].startswith("Welcome! <@dana> made you an organizer")


async def test_a_role_for_someone_who_is_not_a_member_is_refused_with_the_nearest_name(
    bot: TestBot,
) -> None:
    [reply] = await bot.say("dana", "/homeroom role grant @saam liaison")
    assert isinstance(reply, Ephemeral)  # and no welcome DM to no one
    assert bot.texts([reply]) == [
        "I can't find @saam in this community, so nothing changed. Did you mean <@sam>?"
    ]
    assert await bot.app.directory.members_with_roles(bot.member("dana").community_ref) == []
    [reply] = await bot.say("dana", "/homeroom role grant @zzzzzz organizer")
    assert bot.texts([reply]) == [
        "I can't find @zzzzzz in this community, so nothing changed. "
        "Mention the member as the platform suggests, like @name."
    ]
    bot.people["maria"].is_admin = True
    [reply] = await bot.say("maria", "/homeroom role revoke @saam liaison")
    assert bot.texts([reply]) == [
        "No encuentro a @saam en esta comunidad, así que no cambió nada. ¿Quiso decir <@sam>?"
    ]


async def test_revoking_organizer_from_a_platform_admin_says_why_they_stay_one(
    bot: TestBot,
) -> None:
    expected = (
        "<@dana> is an admin of this workspace or server, and platform admins are organizers "
        "by their platform role, so they stay an organizer. Only the platform's own settings "
        "can change that."
    )
    [reply] = await bot.say("dana", "/homeroom role revoke @dana organizer")
    assert bot.texts([reply]) == [expected]
    await bot.say("dana", "/homeroom role grant @dana organizer")  # granted on top of admin
    [reply] = await bot.say("dana", "/homeroom role revoke @dana organizer")
    assert bot.texts([reply]) == [expected]
    # Another role is Homeroom's own, so it can be revoked from an admin as from anyone.
    await bot.say("dana", "/homeroom role grant @dana liaison")
    [reply] = await bot.say("dana", "/homeroom role revoke @dana liaison")
    assert bot.texts([reply]) == ["Done: <@dana> is no longer a liaison."]


async def test_role_list_of_one_role_that_no_one_holds_says_so(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom role grant @sam organizer")
    [reply] = await bot.say("dana", "/homeroom role list liaison")
    assert bot.texts([reply])[0].startswith(
        "No one is a liaison here yet. Organizers can make someone one with "
        "“role grant @name liaison”."
    )
    await bot.say("dana", "/homeroom role revoke @sam organizer")
    await bot.say("dana", "/homeroom role grant @sam liaison")
    [reply] = await bot.say("dana", "/homeroom role list organizer")
    assert bot.texts([reply]) == [  # admins are named once, not again in a footer
        "No one has been made an organizer here yet; platform admins are organizers already. "
        "Organizers can make someone one with “role grant @name organizer”."
    ]


async def test_notices_to_organizers_are_in_each_organizers_own_language(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom role grant @maria organizer")
    await bot.say("dana", "/homeroom role grant @lee organizer")
    await bot.say("dana", "/homeroom setup languages=en,es")
    notes = await tell_organizers(
        bot.app.directory,
        bot.member("dana").community_ref,
        "en",
        lambda t: t._("Welcome to Homeroom."),
    )
    assert {n.member.id: n.message.text for n in notes if isinstance(n, DirectMessage)} == {
        "maria": "Le damos la bienvenida a Homeroom.",  # her platform speaks Spanish
        "lee": "Welcome to Homeroom.",
    }


async def test_granting_twice_and_revoking_what_is_not_held_change_nothing(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom role grant @sam liaison")
    [again] = await bot.say("dana", "/homeroom role grant @sam liaison")
    assert bot.texts([again]) == ["<@sam> is already a liaison, so nothing changed."]
    [revoked] = await bot.say("dana", "/homeroom role revoke @sam liaison")
    assert bot.texts([revoked]) == ["Done: <@sam> is no longer a liaison."]
    [not_held] = await bot.say("dana", "/homeroom role revoke @sam liaison")
    assert bot.texts([not_held]) == ["<@sam> isn't a liaison, so nothing changed."]


async def test_role_list_groups_members_by_role(bot: TestBot) -> None:
    [empty] = await bot.say("dana", "/homeroom role list")
    assert "No one has a role here yet" in bot.texts([empty])[0]
    await bot.say("dana", "/homeroom role grant @sam liaison")
    bot.app.clock.advance(60)  # type: ignore[attr-defined]
    await bot.say("dana", "/homeroom role grant @lee liaison")
    await bot.say("dana", "/homeroom role grant @maria organizer")
    [listing] = await bot.say("dana", "/homeroom role list")
    assert isinstance(listing, Ephemeral)
    assert listing.message.fields == (("Liaisons", "<@sam>, <@lee>"), ("Organizer", "<@maria>"))
    [only] = await bot.say("dana", "/homeroom role list organizer")
    assert only.message.fields == (("Organizer", "<@maria>"),)  # type: ignore[union-attr]


async def test_a_parent_cannot_grant_and_nothing_changes(bot: TestBot) -> None:
    [reply] = await bot.say("lee", "/homeroom role grant @lee organizer")
    assert "Only organizers can do that" in bot.texts([reply])[0]
    assert (await bot.app.directory.profile(bot.member("lee"))).roles == {Role.PARENT}


async def test_a_granted_organizer_can_grant_roles_too(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom role grant @lee organizer")
    reply, _ = await bot.say("lee", "/homeroom role grant @sam liaison")
    assert bot.texts([reply]) == ["Done: <@sam> is now a liaison."]


async def test_a_mistyped_role_is_explained(bot: TestBot) -> None:
    [reply] = await bot.say("dana", "/homeroom role grant @sam principal")
    assert bot.texts([reply]) == [
        "“principal” isn't one of the choices for “role”: liaison, organizer."
    ]


async def test_missing_options_open_a_form_that_completes_the_command(bot: TestBot) -> None:
    [form] = await bot.say("dana", "/homeroom role grant @sam")
    assert isinstance(form, OpenForm)
    assert [(f.name, f.default) for f in form.form.fields] == [("member", "<@sam>"), ("role", None)]
    assert [c.value for c in form.form.fields[1].choices] == ["liaison", "organizer"]
    reply, _ = await bot.submit("dana", form.form.form_id, member="<@sam>", role="liaison")
    assert bot.texts([reply]) == ["Done: <@sam> is now a liaison."]


async def test_typed_options_work_as_discord_sends_them(bot: TestBot) -> None:
    reply, _ = await bot.invoke("dana", "role grant", member="<@sam>", role="organizer")
    assert bot.texts([reply]) == ["Done: <@sam> is now an organizer."]


async def test_a_remembered_platform_language_serves_when_the_platform_cannot_be_asked(
    bot: TestBot, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.say("maria", "/homeroom help")  # her platform said es-MX; Homeroom keeps it
    await bot.say("dana", "/homeroom role grant @maria organizer")

    async def cannot_tell(community: str, user_id: str) -> None:
        raise ConnectionError("the platform is out of reach")

    bot.app.directory.people.add(bot.adapter.platform, cannot_tell, None)
    notes = await tell_organizers(
        bot.app.directory,
        bot.member("dana").community_ref,
        "en",
        lambda t: t._("Welcome to Homeroom."),
    )
    assert [n.message.text for n in notes if isinstance(n, DirectMessage)] == [
        "Le damos la bienvenida a Homeroom."
    ]
    # Asking a platform out of reach: assume the member exists, and one line, no traceback.
    found = await bot.app.directory.people.find(bot.member("sam"))
    assert (found.id, found.locale) == ("sam", None)  # type: ignore[union-attr]
    assert [(r.getMessage(), r.exc_info) for r in caplog.records if "lookup" in r.getMessage()] == [
        ("event=member_lookup_failed platform=fake error=ConnectionError", None)
    ]


async def test_the_role_and_the_member_may_come_in_either_order(bot: TestBot) -> None:
    [reply, _] = await bot.say("dana", "/homeroom role grant liaison @sam")
    assert bot.texts([reply]) == ["Done: <@sam> is now a liaison."]
    [reply] = await bot.say("dana", "/homeroom role revoke liaison @sam")
    assert bot.texts([reply]) == ["Done: <@sam> is no longer a liaison."]
    bot.people["maria"].is_admin = True
    [reply, _] = await bot.say("maria", "/homeroom rol grant enlace @lee")
    assert bot.texts([reply]) == ["Listo: <@lee> ahora es enlace escolar."]
