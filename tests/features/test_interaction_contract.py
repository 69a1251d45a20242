"""The interaction contract through the core: typed options answer in the member's
language, suggestions come from the feature that declared the option, and refusals for
a missing role are one text wherever they are said."""

import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace

import pytest
import pytest_asyncio

from bot.app import Homeroom
from bot.capabilities import Capabilities
from bot.clock import FakeClock
from bot.commands import Args, CommandSpec, Option
from bot.context import Context, needs_role
from bot.directory import Role
from bot.events import MessagePosted, OptionTyped
from bot.features import Action, Feature, default_features
from bot.features.help import complete_topic
from bot.i18n import translator
from bot.intents import Button, Choice, Intent, Message
from bot.refs import ConversationRef
from bot.testing import FakeAdapter, TestBot, test_settings

asked: list[tuple[str, str]] = []  # (member, typed) each time a completer was asked


async def _fruit(ctx: Context, typed: str) -> Sequence[Choice]:
    asked.append((ctx.member.id, typed))
    return [Choice(f, ctx.t._(f)) for f in ("apple", "apricot", "banana") if typed in f]


async def _broken(ctx: Context, typed: str) -> Sequence[Choice]:
    raise RuntimeError("the feature's lookup failed")


async def _remind(ctx: Context, args: Args) -> list[Intent]:
    return [ctx.reply(f"{args.duration('in')} {args.number('score')}")]


async def _press(ctx: Context, value: str) -> list[Intent]:
    return [ctx.reply("pressed")]


pressed_on: list[ConversationRef] = []


async def _card(ctx: Context, args: Args) -> list[Intent]:
    return [ctx.post(Message(text="Pick", buttons=(Button("one", "contract.seen", "1"),)))]


async def _seen(ctx: Context, value: str) -> list[Intent]:
    pressed_on.append(ctx.conversation)
    return []


TEST_FEATURE = Feature(
    name="contract",
    commands=(
        CommandSpec(
            path="remind",
            description="",
            handler=_remind,
            options=(
                Option("in", "duration", "", required=True),
                Option("score", "number", "", between=(1, 5)),
                Option("fruit", "str", "", complete=_fruit),
            ),
        ),
        CommandSpec(
            path="harvest",
            description="",
            handler=_remind,
            role=Role.ORGANIZER,
            options=(
                Option("fruit", "str", "", complete=_fruit),
                Option("broken", "str", "", complete=_broken),
            ),
        ),
        CommandSpec(path="card", description="", handler=_card),
    ),
    actions={"contract.org": Action(_press, Role.ORGANIZER), "contract.seen": _seen},
)


@pytest_asyncio.fixture
async def contract(
    database_url: str, clock: FakeClock, capabilities: Capabilities
) -> AsyncIterator[TestBot]:
    app = Homeroom(
        test_settings(database_url),
        clock=clock,
        features=[*default_features(), lambda kernel: TEST_FEATURE],
    )
    adapter = FakeAdapter(capabilities, clock=clock)
    app.attach(adapter)
    await app.start(timers=False)
    yield TestBot(app, adapter)
    await app.stop()


def typing(bot: TestBot, who: str, command: str, option: str, typed: str) -> OptionTyped:
    return OptionTyped(**bot._from(who), command=command, option=option, typed=typed)


async def test_typed_options_answer_in_each_members_language(contract: TestBot) -> None:
    [ok] = contract.texts(await contract.invoke("maria", "remind", **{"in": "3 días"}))
    assert ok == "3 days, 0:00:00 None"
    [ok] = contract.texts(await contract.say("maria", "/remind en 2 horas score=1,5"))
    assert ok == "2:00:00 1.5"
    [refused] = contract.texts(await contract.invoke("maria", "remind", **{"in": "pronto"}))
    assert refused == (
        "“in” necesita un tiempo, como 3d, 2h, 90m, 1h30m o “en 2 días”, y no entiendo “pronto”."
    )
    [refused] = contract.texts(
        await contract.invoke("lee", "remind", **{"in": "2h", "score": "1,5"})
    )
    assert refused == "“score” needs a number, like 2 or 1.5, and “1,5” isn't one I can read."
    [refused] = contract.texts(
        await contract.invoke("maria", "remind", **{"in": "2h", "score": "7"})
    )
    assert refused == "“score” necesita un número de 1 a 5, y 7 no lo es."


async def test_suggestions_come_from_the_feature_that_declared_the_option(
    contract: TestBot,
) -> None:
    asked.clear()
    core = contract.app.core
    found = await core.suggest(typing(contract, "lee", "remind", "fruit", "ap"))
    assert found == [Choice("apple", "apple"), Choice("apricot", "apricot")]
    assert asked == [("lee", "ap")]
    # An option that declares nothing, an unknown option or command: nothing, nobody asked.
    assert await core.suggest(typing(contract, "lee", "remind", "in", "")) == []
    assert await core.suggest(typing(contract, "lee", "remind", "nope", "")) == []
    assert await core.suggest(typing(contract, "lee", "nothing", "fruit", "")) == []
    # A command the member may not run suggests nothing to them, and its feature is not asked.
    assert await core.suggest(typing(contract, "lee", "harvest", "fruit", "")) == []
    assert asked == [("lee", "ap")]
    found = await core.suggest(typing(contract, "dana", "harvest", "fruit", "b"))
    assert found == [Choice("banana", "banana")]


async def test_help_suggests_only_the_topics_the_member_may_use(contract: TestBot) -> None:
    core = contract.app.core
    parent = await core.suggest(typing(contract, "lee", "help", "topic", ""))
    organizer = await core.suggest(typing(contract, "dana", "help", "topic", ""))
    roots = [s.root for s in contract.app.core.commands.all()]
    everyone = [r for r in dict.fromkeys(roots)]
    assert [c.value for c in organizer] == everyone
    parents = {s.root for s in contract.app.core.commands.all() if s.role is Role.PARENT}
    assert [c.value for c in parent] == [r for r in everyone if r in parents]
    assert "role" in everyone and "role" not in [c.value for c in parent]
    assert [
        c.value for c in await core.suggest(typing(contract, "dana", "help", "topic", "ROL"))
    ] == ["role"]
    assert complete_topic is contract.app.core.commands.get("help").options[0].complete  # type: ignore[union-attr]


async def test_series_are_suggested_from_the_library_in_the_readers_language(
    contract: TestBot,
) -> None:
    core = contract.app.core
    library = contract.app.state("prompts").library
    spanish = await core.suggest(typing(contract, "maria", "series preview", "series", ""))
    assert spanish == []  # maria is a parent: organizer commands suggest nothing to her
    contract.people["maria"].is_admin = True
    spanish = await core.suggest(typing(contract, "maria", "series preview", "series", ""))
    assert [c.value for c in spanish] == [s.id for s in library.in_locale("es")][:25]
    assert spanish[0].label == f"{library.in_locale('es')[0].title} ({spanish[0].value})"
    english = await core.suggest(typing(contract, "dana", "prompt schedule", "series", "HOMEWORK"))
    assert [c.value for c in english] == [
        s.id for s in library.in_locale("en") if "homework" in s.id or "homework" in s.title.lower()
    ]
    assert english  # the library has a homework series to find


async def test_time_zones_are_suggested_by_their_type(contract: TestBot) -> None:
    found = await contract.app.core.suggest(typing(contract, "dana", "setup", "timezone", "madr"))
    assert found == [Choice("Europe/Madrid", "Europe/Madrid")]


async def test_a_failing_completer_suggests_nothing_and_is_logged_once(
    contract: TestBot, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        found = await contract.app.core.suggest(
            typing(contract, "dana", "harvest", "broken", "secret words")
        )
    assert found == []
    [record] = [r for r in caplog.records if "suggest_failed" in r.getMessage()]
    assert "option=broken" in record.getMessage()
    assert "secret words" not in caplog.text


def test_a_fixed_choice_option_cannot_also_suggest() -> None:
    with pytest.raises(ValueError, match="fixed choices"):
        Option("kind", "choice", "", choices=("a", "b"), complete=_fruit)


async def test_every_role_refusal_is_the_one_text(contract: TestBot) -> None:
    for who in ("lee", "maria"):
        t = translator("es" if who == "maria" else "en")
        [by_command] = contract.texts(await contract.invoke(who, "role list"))
        [by_button] = contract.texts(await contract.press(who, "contract.org", "1"))
        assert by_command == by_button == needs_role(Role.ORGANIZER, t)
    assert needs_role(Role.ORGANIZER, translator("es")).startswith(
        "Solo las personas organizadoras"
    )


@pytest.mark.parametrize("capabilities", [Capabilities(buttons=False)])
async def test_a_numbered_choice_never_points_at_the_members_own_reply(
    contract: TestBot,
) -> None:
    pressed_on.clear()
    [card] = contract.texts(await contract.say("lee", "/card"))
    assert card.startswith("Pick")
    origin = contract._from("lee")
    reply = replace(origin["conversation"], message="reply-1")  # the member's own message
    await contract.send(MessagePosted(**{**origin, "conversation": reply}, text="1"))
    assert [(c.channel, c.message) for c in pressed_on] == [("parents", None)]


@pytest.mark.parametrize("capabilities", [Capabilities(forms=False)])
async def test_a_form_dialogue_asks_again_for_a_length_of_time_it_cannot_read(
    contract: TestBot,
) -> None:
    [asked_first] = contract.texts(await contract.say("maria", "/remind"))
    assert "(1/3)" in asked_first
    [again] = contract.texts(await contract.say("maria", "pronto"))
    assert again.startswith("“in” necesita un tiempo, como 3d, 2h, 90m, 1h30m o “en 2 días”")
    await contract.say("maria", "dentro de 1 hora y 30 minutos")
    [again] = contract.texts(await contract.say("maria", "1.000,5"))
    assert again.startswith("“score” necesita un número, como 2 o 1,5")
    await contract.say("maria", "2,5")
    [done] = contract.texts(await contract.say("maria", "-"))
    assert done == "1:30:00 2.5"
