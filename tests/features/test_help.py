from bot.intents import Ephemeral
from bot.testing import TestBot


async def test_help_is_private_and_lists_only_what_the_member_may_do(bot: TestBot) -> None:
    [reply] = await bot.say("lee", "/homeroom help")
    assert isinstance(reply, Ephemeral)
    assert reply.member == bot.member("lee")
    assert "help [topic]" in reply.message.text
    assert "role grant" not in reply.message.text
    assert "prompt suggest <text> [anonymous]" in reply.message.text  # every member may suggest
    assert [b.value for b in reply.message.buttons] == ["help", "prompt"]


async def test_organizers_see_every_topic_as_a_button(bot: TestBot) -> None:
    [reply] = await bot.say("dana", "/help")
    assert isinstance(reply, Ephemeral)
    assert "role grant <member> <role>" in reply.message.text
    assert [b.value for b in reply.message.buttons] == ["help", "setup", "role", "series", "prompt"]


async def test_a_topic_button_explains_that_topic(bot: TestBot) -> None:
    [reply] = await bot.press("dana", "help.topic", "role")
    assert "role revoke <member> <role>" in reply.message.text  # type: ignore[union-attr]
    assert "member: The member, like @name" in reply.message.text  # type: ignore[union-attr]


async def test_help_speaks_the_members_language(bot: TestBot) -> None:
    [reply] = await bot.say("maria", "/homeroom help")
    assert isinstance(reply, Ephemeral)
    assert reply.message.title == "Ayuda de Homeroom"
    assert "Ver lo que Homeroom puede hacer por usted" in reply.message.text


async def test_help_on_an_unknown_topic_points_to_the_known_ones(bot: TestBot) -> None:
    [reply] = await bot.say("lee", "/homeroom help polls")
    assert bot.texts([reply]) == [
        "I have no help on “polls” yet. These topics have some: help, prompt."
    ]
