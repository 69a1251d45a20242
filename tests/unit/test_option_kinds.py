"""`duration` and `number` options: what members type in each language, and the kind
errors they get back."""

from datetime import timedelta

import pytest

from bot.commands import (
    MAX_LENGTH,
    CommandError,
    CommandSpec,
    Option,
    convert,
    form_fields,
    parse_duration,
    parse_text,
)
from bot.i18n import translator
from bot.refs import ConversationRef

WHERE = ConversationRef("fake", "school", "parents")
ES, EN = translator("es"), translator("en")


async def _noop(ctx, args):  # type: ignore[no-untyped-def]
    return []


REMIND = CommandSpec(
    path="remind",
    description="",
    handler=_noop,
    options=(
        Option("in", "duration", "", required=True),
        Option("score", "number", "", between=(1, 5)),
        Option("amount", "number", ""),
    ),
)


@pytest.mark.parametrize(
    ("typed", "length"),
    [
        ("in 3d", timedelta(days=3)),
        ("3d", timedelta(days=3)),
        ("2h", timedelta(hours=2)),
        ("90m", timedelta(minutes=90)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1h 30m", timedelta(hours=1, minutes=30)),
        ("2 days", timedelta(days=2)),
        ("1 week", timedelta(weeks=1)),
        ("2 hours and 15 minutes", timedelta(hours=2, minutes=15)),
        ("3 días", timedelta(days=3)),
        ("3 dias", timedelta(days=3)),
        ("en 2 semanas", timedelta(weeks=2)),
        ("dentro de 1 hora y 30 minutos", timedelta(hours=1, minutes=30)),
        ("1,5 horas", timedelta(minutes=90)),
        ("1.5h", timedelta(minutes=90)),
        ("366d", timedelta(days=366)),
    ],
)
def test_a_length_of_time_in_english_or_spanish(typed: str, length: timedelta) -> None:
    assert parse_duration(typed, "in") == length
    for t in (EN, ES):  # through the command, as either reader types it
        args, missing = convert(REMIND, {"in": typed}, WHERE, t)
        assert (args.duration("in"), missing) == (length, [])


@pytest.mark.parametrize(
    "typed", ["soon", "3", "d", "0m", "3d later", "in", "-2h", "3 d d", "tomorrow", "1h, 30m"]
)
def test_what_is_no_length_of_time_gets_a_kind_error_with_examples(typed: str) -> None:
    with pytest.raises(CommandError) as problem:
        parse_duration(typed, "in")
    assert problem.value.message.startswith("“{option}” needs a length of time, like 3d, 2h")
    assert ES._(problem.value.message, **problem.value.values) == (
        f"“in” necesita un tiempo, como 3d, 2h, 90m, 1h30m o “en 2 días”, y no entiendo “{typed}”."
    )


@pytest.mark.parametrize("typed", ["367d", "53 weeks", "99999999999999999999999d", "9" * 39 + "m"])
def test_more_than_a_year_is_refused_before_any_overflow(typed: str) -> None:
    with pytest.raises(CommandError) as problem:
        parse_duration(typed, "in")
    assert ES._(problem.value.message, **problem.value.values) == (
        f"“in” puede durar un año como mucho, y “{typed}” es más."
    )


@pytest.mark.parametrize(
    ("typed", "english", "spanish"),
    [
        ("2", 2.0, 2.0),
        ("1.5", 1.5, 1.5),  # a point works for everyone: platforms' number fields send it
        ("1,5", None, 1.5),  # the decimal comma is Spanish
        ("-0,25", None, -0.25),
        ("+3", 3.0, 3.0),
        ("1,000", None, 1.0),  # no thousands separators: English refuses rather than guess
        ("1.000", 1.0, 1.0),
        ("1e5", None, None),
        ("NaN", None, None),
        ("²", None, None),
        ("١٢", None, None),
        ("1 000", None, None),
        ("", None, None),
    ],
)
def test_a_plain_number_with_the_readers_decimal_sign(
    typed: str, english: float | None, spanish: float | None
) -> None:
    for t, expected in ((EN, english), (ES, spanish)):
        if expected is None:
            with pytest.raises(CommandError) as problem:
                convert(REMIND, {"in": "1d", "amount": typed or "x"}, WHERE, t)
            assert problem.value.message.startswith("“{option}” needs a number, like 2 or 1.5")
        else:
            args, _ = convert(REMIND, {"in": "1d", "amount": typed}, WHERE, t)
            assert args.number("amount") == expected


def test_a_number_outside_the_declared_range_says_the_range_in_the_readers_words() -> None:
    args, _ = convert(REMIND, {"in": "1d", "score": "4,5"}, WHERE, ES)
    assert args.number("score") == 4.5
    for t, typed, said in (
        (EN, "5.5", "“score” needs a number from 1 to 5, and 5.5 isn't."),
        (ES, "0,5", "“score” necesita un número de 1 a 5, y 0,5 no lo es."),
    ):
        with pytest.raises(CommandError) as problem:
            convert(REMIND, {"in": "1d", "score": typed}, WHERE, t)
        assert problem.value.option is None or problem.value.option == "score"
        assert t._(problem.value.message, **problem.value.values) == said


def test_number_kind_errors_are_in_spanish() -> None:
    with pytest.raises(CommandError) as problem:
        convert(REMIND, {"in": "1d", "amount": "mucho"}, WHERE, ES)
    assert ES._(problem.value.message, **problem.value.values) == (
        "“amount” necesita un número, como 2 o 1,5, y no entiendo “mucho”."
    )


def test_both_kinds_have_a_length_limit_and_parse_from_text() -> None:
    assert (MAX_LENGTH["duration"], MAX_LENGTH["number"]) == (40, 32)
    with pytest.raises(CommandError) as problem:
        convert(REMIND, {"in": "1 " * 21}, WHERE, EN)
    assert problem.value.values["most"] == "40"
    args, _ = convert(REMIND, parse_text(REMIND, "3 días score=2,5", ES), WHERE, ES)
    assert (args.duration("in"), args.number("score")) == (timedelta(days=3), 2.5)


@pytest.mark.parametrize(
    ("text", "length", "score"),
    [
        ("3 días score=2,5", timedelta(days=3), 2.5),
        ("in=3 días 4", timedelta(days=3), 4.0),
        ("in: 2 horas", timedelta(hours=2), None),
        ("dentro de 1 hora y 30 minutos 4", timedelta(hours=1, minutes=30), 4.0),
        ("1h30m 2", timedelta(hours=1, minutes=30), 2.0),
        ("score=1 in 2 days", timedelta(days=2), 1.0),
    ],
)
def test_a_length_of_time_of_several_words_is_one_value_in_typed_text(
    text: str, length: timedelta, score: float | None
) -> None:
    args, missing = convert(REMIND, parse_text(REMIND, text, ES), WHERE, ES)
    assert (args.duration("in"), args.number("score"), missing) == (length, score, [])


def test_a_form_is_prefilled_with_what_reads_back_the_same() -> None:
    for t in (EN, ES):
        given, _ = convert(REMIND, {"in": "1 día 2h 30m", "score": "2.5"}, WHERE, t)
        fields = {f.name: f for f in form_fields(REMIND.options, given, t)}
        assert fields["in"].default == "1d2h30m"
        assert fields["score"].default == ("2,5" if t is ES else "2.5")
        assert {fields["in"].kind, fields["score"].kind} == {"text"}
        again, _ = convert(
            REMIND,
            {"in": fields["in"].default or "", "score": fields["score"].default or ""},
            WHERE,
            t,
        )
        assert again == given
