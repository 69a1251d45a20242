import pytest

from bot.commands import Args, CommandSpec, command_word_roots, for_role
from bot.context import Context
from bot.directory import Role
from bot.i18n import words
from bot.intents import Ephemeral, Intent, OpenForm
from bot.testing import TestBot, text_of


async def test_help_is_private_and_lists_only_what_the_member_may_do(bot: TestBot) -> None:
    [reply] = await bot.say("lee", "/homeroom help")
    assert isinstance(reply, Ephemeral)
    assert reply.member == bot.member("lee")
    assert "help [topic]" in reply.message.text
    assert "role grant" not in reply.message.text
    assert "prompt suggest <text> [anonymous]" in reply.message.text  # every member may suggest
    # The first five topics are buttons; the footer names how to reach the others.
    assert [b.value for b in reply.message.buttons] == ["help", "prompt", "me", "poll", "ask"]
    assert "faq search <words> [topic] [grade] [language]" in reply.message.text
    assert "faq add" not in reply.message.text


async def test_organizers_see_every_topic_as_a_button(bot: TestBot) -> None:
    *first, reply = await bot.say("dana", "/help")  # long: split, its buttons on the last
    assert all(isinstance(part, Ephemeral) for part in (*first, reply))
    assert "role grant <member> <role>" in "\n".join(bot.texts([*first, reply]))
    assert isinstance(reply, Ephemeral)
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
    [reply] = await bot.say("lee", "/homeroom help weather")
    assert bot.texts([reply]) == [
        "I have no help on “weather” yet. These topics have some: "
        "help, prompt, me, poll, ask, faq, hours, chat, digest."
    ]


async def test_a_topics_plural_or_near_miss_shows_that_topic(bot: TestBot) -> None:
    [poll] = await bot.say("lee", "/homeroom help poll")
    for word in ("polls", "POLLS"):
        [reply] = await bot.say("lee", f"/homeroom help {word}")
        assert isinstance(reply, Ephemeral)
        assert reply.message.title == "Help: poll"
        assert bot.texts([reply]) == bot.texts([poll])
    [reply] = await bot.say("lee", "/homeroom help promt")
    assert isinstance(reply, Ephemeral)
    assert reply.message.title == "Help: prompt"


async def test_spanish_syntax_lines_name_options_in_spanish_like_the_footer(bot: TestBot) -> None:
    [reply] = await bot.say("maria", "/homeroom help")
    assert isinstance(reply, Ephemeral)
    assert "• help [tema] [comando] — " in reply.message.text
    assert "• prompt suggest <texto> [anónimo] — " in reply.message.text
    assert "[topic]" not in reply.message.text
    assert (
        reply.message.footer == "Escriba “help <tema>” para saber más, por ejemplo “help digest”."
    )


async def test_spanish_help_lists_weekdays_and_choices_as_spanish_readers_type_them(
    bot: TestBot,
) -> None:
    bot.people["maria"].is_admin = True
    [reply] = await bot.say("maria", "/homeroom help prompt")
    text = bot.texts([reply])[0]
    assert "• prompt schedule <serie> <canal> <día> <hora> [zona] [inicio] [fin] [saltar]" in text
    assert "    día: El día de la semana — uno de estos: lun, mar, mié, jue, vie, sáb, dom" in text
    [reply] = await bot.say("maria", "/homeroom help role")
    assert (
        "    rol: enlace u organizador/a — uno de estos: enlace, organizador"
        in (bot.texts([reply])[0])
    )
    [reply] = await bot.say("dana", "/homeroom help prompt")
    assert (
        "    weekday: The day of the week — one of: mon, tue, wed, thu, fri, sat, sun"
        in (bot.texts([reply])[0])
    )


async def test_a_spanish_form_offers_spanish_day_names_for_the_same_values(bot: TestBot) -> None:
    bot.people["maria"].is_admin = True
    [form] = await bot.say("maria", "/homeroom prompt schedule series=moving-up")
    assert isinstance(form, OpenForm)
    [weekday] = [f for f in form.form.fields if f.name == "weekday"]
    assert [(c.value, c.label) for c in weekday.choices] == [
        ("mon", "lunes"),
        ("tue", "martes"),
        ("wed", "miércoles"),
        ("thu", "jueves"),
        ("fri", "viernes"),
        ("sat", "sábado"),
        ("sun", "domingo"),
    ]


@pytest.mark.parametrize("who", ["dana", "maria"])
async def test_help_promises_only_what_exists_today(bot: TestBot, who: str) -> None:
    bot.people[who].is_admin = True  # an organizer sees every command
    said = [await bot.say(who, "/homeroom help")]
    for topic in ("help", "setup", "role", "series", "prompt"):
        said.append(await bot.say(who, f"/homeroom help {topic}"))
    text = "\n".join(t for intents in said for t in bot.texts(intents)).lower()
    # The FAQ, polls, live chats, digests and retention are here; participation
    # statistics (`stats` in the command surface) are not yet.
    later = ["stats", "participation"]
    assert [word for word in later if word in text] == []


async def test_a_topic_may_be_named_in_any_language_the_group_reads(bot: TestBot) -> None:
    [poll] = await bot.say("maria", "/homeroom help poll")
    assert text_of(poll).splitlines()[0] == "*Ayuda: poll*"
    for typed in ("ayuda encuesta", "ayuda encuestas", "ayuda Encuesta", "help encuesta"):
        [reply] = await bot.say("maria", f"/homeroom {typed}")
        assert text_of(reply) == text_of(poll), typed
    [english] = await bot.say("lee", "/homeroom help encuesta")  # a word of either language
    [own] = await bot.say("lee", "/homeroom help poll")
    assert text_of(english) == text_of(own)
    [rights] = await bot.say("maria", "/homeroom ayuda mis")
    assert text_of(rights).splitlines()[0] == "*Ayuda: me*"


async def test_every_command_root_has_a_word_in_every_language(bot: TestBot) -> None:
    roots = bot.app.core.commands.roots()
    assert sorted(words.COMMAND_WORDS) == roots
    found = command_word_roots(tuple(roots))
    assert {found[w] for w in ("encuesta", "configurar", "rol", "resumen", "charla")} == {
        "poll",
        "setup",
        "role",
        "digest",
        "chat",
    }


ROLE_HELP = (
    "• role grant <member> <role> — Make a member a liaison or an organizer\n"
    "    member: The member, like @name\n"
    "    role: liaison or organizer — one of: liaison, organizer\n"
    "• role revoke <member> <role> — Take a role away from a member\n"
    "    member: The member, like @name\n"
    "    role: liaison or organizer — one of: liaison, organizer\n"
    "• role list [role] — See who is a liaison or an organizer\n"
    "    role: Only this role — one of: liaison, organizer"
)


async def test_a_topics_help_follows_a_role_change_and_a_command_added(bot: TestBot) -> None:
    # A topic's commands are worked out once per role set and topic: a role granted, or
    # a command added, must show at once (kept lists are keyed by roles, emptied on add).
    [before] = await bot.say("sam", "/homeroom help role")
    assert isinstance(before, Ephemeral)
    assert before.message.text == (
        "I have no help on “role” yet. These topics have some: "
        "help, prompt, me, poll, ask, faq, hours, chat, digest."
    )
    await bot.say("dana", "/homeroom role grant @sam organizer")
    [after] = await bot.say("sam", "/homeroom help role")
    assert isinstance(after, Ephemeral)
    assert (after.message.title, after.message.text) == ("Help: role", ROLE_HELP)

    async def wave(ctx: Context, args: Args) -> list[Intent]:
        return []

    [spec] = for_role(Role.ORGANIZER, CommandSpec("role wave", "Wave at everyone.", wave))
    bot.app.kernel.commands.add(spec)
    [added] = await bot.say("sam", "/homeroom help role")
    assert isinstance(added, Ephemeral)
    assert added.message.text == ROLE_HELP + "\n• role wave — Wave at everyone."
