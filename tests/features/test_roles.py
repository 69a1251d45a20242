from bot.directory import Role
from bot.intents import DirectMessage, Ephemeral, OpenForm
from bot.testing import TestBot


async def test_granting_a_liaison_replies_privately_and_welcomes_them(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom setup queue=#liaisons")
    reply, welcome = await bot.say("dana", "/homeroom role grant @sam liaison")
    assert isinstance(reply, Ephemeral)
    assert reply.message.text == "Done: <@sam> is now a liaison."
    assert reply.message.mentions == ()  # naming someone never pings them
    assert isinstance(welcome, DirectMessage)
    assert welcome.member == bot.member("sam")
    assert "Parents' questions will arrive in <#liaisons>." in welcome.message.text
    assert Role.LIAISON in (await bot.app.directory.profile(bot.member("sam"))).roles


async def test_the_welcome_is_in_the_new_role_holders_community_language(bot: TestBot) -> None:
    await bot.say("dana", "/homeroom setup languages=es,en")
    _, welcome = await bot.say("dana", "/homeroom role grant @lee organizer")
    assert bot.texts([welcome])[0].startswith("¡Bienvenido/a! <@dana> le nombró organizador/a")


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
