import pytest

from bot.commands import CommandError, CommandRegistry, CommandSpec, Option, convert, parse_text
from bot.refs import ConversationRef, MemberRef

WHERE = ConversationRef("fake", "school", "parents")


async def _noop(ctx, args):  # type: ignore[no-untyped-def]
    return []


GRANT = CommandSpec(
    path="role grant",
    description="",
    handler=_noop,
    options=(
        Option("member", "member", "", required=True),
        Option("role", "choice", "", required=True, choices=("liaison", "organizer")),
    ),
)
ASK = CommandSpec(
    path="ask", description="", handler=_noop, options=(Option("text", "text", "", rest=True),)
)
REGISTRY = CommandRegistry(
    [GRANT, ASK, CommandSpec(path="role list", description="", handler=_noop)]
)


def test_positional_keyed_and_flag_forms_agree() -> None:
    for text in (
        "<@U1> liaison",
        "role=liaison member=<@U1>",
        "--role liaison @U1",
        "member:@U1 liaison",
    ):
        args, missing = convert(GRANT, parse_text(GRANT, text), WHERE)
        assert missing == []
        assert args.member("member") == MemberRef("fake", "school", "U1")
        assert args.text("role") == "liaison"


def test_rest_option_takes_the_remaining_words() -> None:
    assert parse_text(ASK, "when is the field trip?") == {"text": "when is the field trip?"}


def test_unbalanced_quotes_do_not_crash() -> None:
    assert parse_text(ASK, "it's Maria's turn") == {"text": "it's Maria's turn"}


def test_missing_required_options_are_reported_not_raised() -> None:
    args, missing = convert(GRANT, parse_text(GRANT, "@sam"), WHERE)
    assert [o.name for o in missing] == ["role"]
    assert args.member("member") is not None


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("@sam king", "isn't one of the choices"),
        ("sam liaison", "couldn't tell who"),
        ("@sam liaison extra", "more here than"),
        ("@sam liaison colour=red", "has no option"),
    ],
)
def test_bad_values_raise_command_errors(text: str, fragment: str) -> None:
    with pytest.raises(CommandError) as problem:
        convert(GRANT, parse_text(GRANT, text), WHERE)
    assert fragment in problem.value.message


def test_registry_finds_two_word_commands_and_suggests() -> None:
    spec, rest = REGISTRY.find("role grant @sam liaison")
    assert spec is GRANT and rest == "@sam liaison"
    with pytest.raises(CommandError) as near:
        REGISTRY.find("rol list")
    assert near.value.values["guess"] == "role list"
    with pytest.raises(CommandError) as partial:
        REGISTRY.find("role")
    assert "role grant" in partial.value.values["choices"]


def test_a_command_declared_twice_is_a_startup_error() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        CommandRegistry([ASK, ASK])
