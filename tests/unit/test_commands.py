import contextlib
from collections.abc import Iterator
from datetime import time

import pytest

from bot.commands import (
    CommandError,
    CommandRegistry,
    CommandSpec,
    Option,
    accepted_values,
    command_word_roots,
    convert,
    fold,
    option_word,
    parse_days,
    parse_text,
    parse_text_kept,
    parse_timezone,
    record_id,
)
from bot.i18n import Translator, translator
from bot.refs import ConversationRef, MemberRef
from bot.settings import SUPPORTED_LANGUAGES

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
        REGISTRY.find("rloe list")
    assert near.value.values["guess"] == "role list"
    assert REGISTRY.find("rol list")[0].path == "role list"  # Spanish for "role"
    with pytest.raises(CommandError) as partial:
        REGISTRY.find("role")
    assert "role grant" in partial.value.values["choices"]


def test_a_command_declared_twice_is_a_startup_error() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        CommandRegistry([ASK, ASK])


# Options anywhere, in the reader's language; nothing guessed that could show a name.
SUGGEST = CommandSpec(
    path="prompt suggest",
    description="",
    handler=_noop,
    options=(
        Option("text", "text", "", required=True, rest=True),
        Option("anonymous", "bool", ""),
    ),
)
SCHEDULE = CommandSpec(
    path="prompt schedule",
    description="",
    handler=_noop,
    options=(
        Option("series", "str", "", required=True),
        Option("weekday", "weekday", "", required=True),
        Option("time", "time", ""),
        Option("start", "date", ""),
        Option("after-break", "choice", "", choices=("shift", "skip")),
    ),
)
SNOW = "What do you do on snow days?"
ES, EN = translator("es"), translator("en")


def _parsed(spec: CommandSpec, text: str, t: Translator = EN) -> dict[str, object]:
    args, missing = convert(spec, parse_text(spec, text, t), WHERE, t)
    assert missing == []
    return dict(args.values)


@pytest.mark.parametrize(
    "text",
    [
        f"{SNOW} anonymous=yes",
        f"anonymous=yes {SNOW}",
        "What do you do anonymous=yes on snow days?",
        f'"{SNOW}" anonymous=yes',
        f'{SNOW} "anonymous=yes"',
        f'{SNOW} anonymous="yes"',
        f"{SNOW} anonymous= yes",
        f"{SNOW} anonymous = yes",
        f"{SNOW} Anonymous=YES",
        f"{SNOW} anonymous:yes",
        f"{SNOW} anonymous: yes",
        f"text: {SNOW} anonymous=yes",
        f"anonymous=yes text={SNOW}",
        f'text="{SNOW}" anonymous=yes',
        f'"text={SNOW}" anonymous=yes',
        f"text={SNOW} --anonymous",
        f"--anonymous {SNOW}",
        f"{SNOW} --anonymous yes",
    ],
)
def test_an_option_counts_wherever_it_stands(text: str) -> None:
    assert _parsed(SUGGEST, text) == {"text": SNOW, "anonymous": True}


@pytest.mark.parametrize(
    "text",
    [f"{SNOW} anónimo=sí", f"anonimo=si {SNOW}", f"{SNOW} ANÓNIMO=Sí", f"{SNOW} anonymous=sí"],
)
def test_spanish_option_names_and_values_work_for_spanish_readers(text: str) -> None:
    assert _parsed(SUGGEST, text, ES) == {"text": SNOW, "anonymous": True}
    assert _parsed(SUGGEST, f"{SNOW} anónimo=no", ES) == {"text": SNOW, "anonymous": False}


@pytest.mark.parametrize(
    ("text", "t", "values"),
    [
        (f"{SNOW} anonymus=yes", EN, {"name": "anonymus", "guess": "anonymous"}),
        (f"{SNOW} anonimo=sí", EN, {"name": "anonimo", "guess": "anonymous"}),
        (f"{SNOW} anonimos=sí", ES, {"name": "anonimos", "guess": "anónimo"}),
        ("serie=moving-up weekday=mon", EN, {"name": "serie", "guess": "series"}),
        ("moving-up mon tiempo=19:00", ES, {"name": "tiempo", "guess": "hora"}),
    ],
)
def test_a_word_that_names_no_option_is_refused_with_the_nearest_name(
    text: str, t: Translator, values: dict[str, str]
) -> None:
    spec = SUGGEST if SNOW in text else SCHEDULE
    with pytest.raises(CommandError) as problem:
        parse_text(spec, text, t)
    assert problem.value.message == "There is no option “{name}”; did you mean “{guess}”?"
    assert dict(problem.value.values) == values


def test_a_word_far_from_every_option_lists_the_options() -> None:
    with pytest.raises(CommandError) as problem:
        parse_text(SCHEDULE, "moving-up mon colour=red", ES)
    assert dict(problem.value.values) == {
        "command": "prompt schedule",
        "name": "colour",
        "options": "serie, día, hora, inicio, tras-pausa",
    }


@pytest.mark.parametrize(
    "text",
    [
        f"{SNOW} anonymous",
        f"anonymous {SNOW}",
        f"{SNOW} anonymously.",
        f"{SNOW} anonymus",
        f"anónimo: {SNOW}",
        f"{SNOW} anonymous yes",
        f"{SNOW} Anonymous, please.",
    ],
)
def test_a_bare_yes_no_option_at_the_edge_of_free_text_asks_instead_of_guessing(
    text: str,
) -> None:
    with pytest.raises(CommandError) as problem:
        parse_text(SUGGEST, text)
    assert problem.value.message.startswith("I'm not sure whether “{option}” is part of your text")
    assert dict(problem.value.values) == {"option": "anonymous", "yes": "yes"}


@pytest.mark.parametrize(
    ("text", "t"),
    [
        (f"{SNOW}anonymous=yes", EN),  # glued to the text: never stored with a name
        (f"{SNOW}(anonymous:yes)", EN),
        ("¿Qué hacen los días de nieve?anónimo=sí", ES),
        ("¿Qué hacen los días de nieve? anónimamente", ES),  # a near miss in Spanish
    ],
)
def test_an_option_glued_to_the_text_or_a_spanish_near_miss_asks(t: Translator, text: str) -> None:
    with pytest.raises(CommandError) as problem:
        parse_text(SUGGEST, text, t)
    assert problem.value.message.startswith("I'm not sure whether “{option}” is part of your text")


def test_free_text_that_only_mentions_the_word_is_kept_as_it_is() -> None:
    quoted = '"How do we keep feedback anonymous"'
    assert _parsed(SUGGEST, quoted) == {"text": "How do we keep feedback anonymous"}
    middle = "Should feedback be anonymous at school?"
    assert _parsed(SUGGEST, middle) == {"text": middle}
    url = "See https://example.org/?a=b and note: it's fine"
    assert _parsed(SUGGEST, url) == {"text": url}


@pytest.mark.parametrize(
    "text",
    [
        f"anonymous=yes {SNOW} anonymous=no",
        f"text={SNOW} text=again",
        "text: a text: b",
        f"{SNOW} text=again",  # free text, then the text option: two texts
        f"{SNOW} text: again",
    ],
)
def test_an_option_given_twice_asks_which(text: str) -> None:
    with pytest.raises(CommandError) as problem:
        parse_text(SUGGEST, text)
    assert problem.value.message.startswith("“{option}” is given twice")


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("mar", "tue"),
        ("martes", "tue"),
        ("Martes", "tue"),
        ("mié", "wed"),
        ("miercoles", "wed"),
        ("sáb", "sat"),
        ("dom", "sun"),
        ("mon", "mon"),
        ("Tuesday", "tue"),
        ("tue.", "tue"),
    ],
)
def test_weekdays_in_the_readers_language(typed: str, day: str) -> None:
    assert _parsed(SCHEDULE, f"moving-up día={typed}", ES)["weekday"] == day


def test_choices_accept_the_readers_words_and_errors_list_them() -> None:
    assert _parsed(SCHEDULE, "moving-up mon tras-pausa=saltar", ES)["after-break"] == "skip"
    assert _parsed(GRANT, "@sam enlace", ES)["role"] == "liaison"
    with pytest.raises(CommandError) as problem:
        _parsed(SCHEDULE, "moving-up día=mars", ES)
    assert problem.value.values["choices"] == "lun, mar, mié, jue, vie, sáb, dom"
    with pytest.raises(CommandError) as english:
        _parsed(SCHEDULE, "moving-up weekday=mar", EN)  # a Spanish day for an English reader
    assert english.value.values["choices"] == "mon, tue, wed, thu, fri, sat, sun"
    assert accepted_values(SUGGEST.options[1], ES) == "sí, no"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("moving-up mon start=9999-12-30", "“{value}” is too far off for “{option}”."),
        ("moving-up mon start=2026-02-30", "“{value}” isn't a date I can read for “{option}”."),
        ("moving-up mon start=２０２６-01-01", "“{value}” isn't a date I can read for “{option}”."),
        ("moving-up mon time=24:00", "“{value}” isn't a time of day."),
        ("moving-up mon time=²:00", "“{value}” isn't a time of day."),
        ("x" * 201 + " mon", "“{option}” can be at most {most} characters long"),
    ],
)
def test_values_out_of_range_are_kind_errors(text: str, message: str) -> None:
    with pytest.raises(CommandError) as problem:
        _parsed(SCHEDULE, text)
    assert problem.value.message.startswith(message)


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("12", 12),
        ("#12", 12),
        (str(2**31 - 1), 2**31 - 1),
        (str(2**31), None),
        ("0", None),
        ("99999999999999999999", None),
        ("²", None),
        ("١٢", None),
        ("abc", None),
        ("", None),
    ],
)
def test_record_ids_fit_every_database_column(typed: str, number: int | None) -> None:
    assert record_id(typed) == number


@pytest.mark.parametrize("zone", ["A" * 300, "😀" * 64, "Mars/Olympus", "../../etc/passwd", "\0"])
def test_time_zones_that_cannot_be_one_are_kind_errors(zone: str) -> None:
    with pytest.raises(CommandError) as problem:
        parse_timezone(zone)
    assert problem.value.message.startswith("I don't know the time zone")


def test_every_option_has_a_unique_word_in_every_language() -> None:
    from bot.testing import declared_features

    for feature in declared_features():
        for spec in feature.commands:
            for language in SUPPORTED_LANGUAGES:
                t = translator(language)
                words = [fold(o.name) for o in spec.options]
                local = [fold(option_word(o, t)) for o in spec.options]
                for option, word in zip(spec.options, local, strict=True):
                    owner = [o for o, w in zip(spec.options, words, strict=True) if w == word]
                    assert owner in ([], [option]), (spec.path, language, word)
                assert len(set(local)) == len(local), (spec.path, language)
                if language != "en":
                    untranslated = [o.name for o in spec.options if option_word(o, t) == o.name]
                    assert untranslated == [], (spec.path, language)


def test_a_command_error_passes_through_context_managers_unchanged() -> None:
    @contextlib.contextmanager
    def transaction() -> Iterator[None]:
        yield

    with pytest.raises(CommandError) as problem, transaction():
        raise CommandError("“{value}” isn't a time of day.", {"value": "24:00"})
    assert problem.value.values == {"value": "24:00"}


@pytest.mark.parametrize(
    ("typed", "path", "rest"),
    [
        ("preguntar ¿Hay autobús? anonymous=yes", "ask", "¿Hay autobús? anonymous=yes"),
        ("Pregunta list", "ask", "list"),  # "ask list" is not in this registry
        ("ask Is there a bus?", "ask", "Is there a bus?"),
    ],
)
def test_a_command_root_may_be_typed_in_spanish(typed: str, path: str, rest: str) -> None:
    spec, after = REGISTRY.find(typed)
    assert (spec.path, after) == (path, rest)


def test_spanish_root_words_reach_two_word_commands_and_never_shadow_a_root() -> None:
    registry = CommandRegistry([*REGISTRY.all(), CommandSpec("ask list", "", _noop)])
    assert registry.find("preguntar list")[0].path == "ask list"
    # A lone word naming ask's subcommand in Spanish is that command, not a question...
    assert registry.find("preguntar lista") == (registry.get("ask list"), "")
    assert registry.find("Pregunta listar")[0].path == "ask list"
    # ...while words after it are the question, whatever they start with.
    assert registry.find("preguntar lista de útiles?") == (registry.get("ask"), "lista de útiles?")
    assert command_word_roots(("ask", "help", "ayuda")) == {
        "preguntar": "ask",
        "pregunta": "ask",
    }  # a root named like a translation stays itself
    with pytest.raises(CommandError) as unknown:
        REGISTRY.find("preguntarr algo")
    assert unknown.value.values["asked"] == "preguntarr"  # as typed: its one word


SCHEDULE_LIKE = CommandSpec(
    path="x",
    description="",
    handler=_noop,
    options=(
        Option("member", "member", ""),
        Option("channel", "channel", ""),
        Option("time", "time", ""),
        Option("topic", "choice", "", choices=("health", "transport")),
        Option("view", "choice", "", choices=("mine", "all", "health")),
    ),
)


@pytest.mark.parametrize(
    ("text", "t"),
    [
        ("liaison @U1", EN),
        ("liaison <@U1>", EN),
        ("enlace @U1", ES),
        ("@U1 enlace", ES),
    ],
)
def test_positional_words_go_where_their_shape_fits_in_any_order(text: str, t: Translator) -> None:
    assert _parsed(GRANT, text, t) == {
        "member": MemberRef("fake", "school", "U1"),
        "role": "liaison",
    }


def test_every_shaped_option_is_found_in_any_order_and_ambiguity_goes_in_order() -> None:
    assert _parsed(SCHEDULE_LIKE, "19:00 transport #parents @U1") == {
        "member": MemberRef("fake", "school", "U1"),
        "channel": ConversationRef("fake", "school", "parents"),
        "time": time(19, 0),
        "topic": "transport",
    }
    # "health" could be the topic or the view: it goes to the next option in order,
    # which says what it expected.
    with pytest.raises(CommandError) as unsure:
        _parsed(SCHEDULE_LIKE, "health @U1")
    assert unsure.value.message == (
        "I couldn't tell who “{value}” is. Mention the member with @, like @{value}."
    )
    assert _parsed(SCHEDULE_LIKE, "mine @U1") == {
        "member": MemberRef("fake", "school", "U1"),
        "view": "mine",
    }
    # A word that fits no option still gets the next option's own error.
    with pytest.raises(CommandError) as refused:
        _parsed(GRANT, "sam liaison")
    assert refused.value.values == {"value": "sam"}


@pytest.mark.parametrize(
    ("typed", "days"),
    [
        ("90", 90),
        ("90d", 90),
        ("90 days", 90),
        ("90 días", 90),
        ("12w", 84),
        ("12 semanas", 84),
        ("6m", 180),
        ("6 months", 180),
        ("6 meses", 180),
        ("1y", 365),
        ("2 años", 730),
        ("1y 6m", 545),
        ("soon", None),
        ("-5", None),
        ("", None),
        ("90 minutes", None),
    ],
)
def test_a_number_of_days_reads_every_unit_in_every_language(typed: str, days: int | None) -> None:
    assert parse_days(typed) == days


def test_every_bad_value_of_a_command_is_said_at_once() -> None:
    spec = CommandSpec(
        path="x",
        description="",
        handler=_noop,
        options=(Option("at", "time", ""), Option("who", "member", ""), Option("n", "int", "")),
    )
    with pytest.raises(CommandError) as refused:
        convert(spec, parse_text(spec, "at=25:00 who=nobody n=3"), WHERE)
    assert refused.value.text(EN).splitlines() == [
        "“25:00” isn't a time of day. Write it like 19:00 or 7pm.",
        "I couldn't tell who “nobody” is. Mention the member with @, like @nobody.",
    ]


def test_a_kept_parse_is_per_language_per_command_and_never_shared() -> None:
    # The same text reads by the reader's language: Spanish "rol=" is an option, English
    # refuses it, whichever language parsed it first.
    assert parse_text_kept(GRANT, "@sam rol=liaison", ES) == {"role": "liaison", "member": "@sam"}
    with pytest.raises(CommandError) as problem:
        parse_text_kept(GRANT, "@sam rol=liaison", EN)
    assert dict(problem.value.values) == {"name": "rol", "guess": "role"}
    # Each answer is a dict of its own: changing one never changes the next.
    first = parse_text_kept(GRANT, "@sam liaison", EN)
    first["role"] = "organizer"
    assert parse_text_kept(GRANT, "@sam liaison", EN) == {"member": "@sam", "role": "liaison"}
    # A command declared anew under the same path is parsed by its own options.
    regrant = CommandSpec(
        path="role grant",
        description="",
        handler=_noop,
        options=(Option("member", "member", "", required=True), Option("note", "text", "")),
    )
    assert parse_text_kept(regrant, "@sam liaison", EN) == {"member": "@sam", "note": "liaison"}
    assert parse_text_kept(GRANT, "@sam liaison", EN) == {"member": "@sam", "role": "liaison"}


def _registry() -> "CommandRegistry":
    from bot.commands import CommandRegistry
    from bot.testing import declared_features

    return CommandRegistry(spec for f in declared_features() for spec in f.commands)


def test_a_found_command_is_kept_by_its_first_two_words_and_the_rest_is_always_this_texts() -> None:
    """`find` keeps its answer by the first two words: texts that share them (a question
    asked twice, other options) each get their own rest, the same as the first time."""
    texts = [
        "help setup",
        "Help   setup  now",
        "ayuda setup",
        "encuesta lista",
        "ask When is the trip?",
        "ask When will the bus come?",
        "role grant @sam liaison",
        "role grant @ana organizer",
        'poll create Lunch? options="a; b"',
    ]
    registry = _registry()
    first = [(spec.path, rest) for spec, rest in map(registry.find, texts)]
    again = [(spec.path, rest) for spec, rest in map(registry.find, texts)]
    alone = [(spec.path, rest) for spec, rest in (_registry().find(t) for t in texts)]
    assert first == again == alone
    assert first == [
        ("help", "setup"),
        ("help", "setup  now"),
        ("help", "setup"),
        ("poll list", ""),
        ("ask", "When is the trip?"),
        ("ask", "When will the bus come?"),
        ("role grant", "@sam liaison"),
        ("role grant", "@ana organizer"),
        ("poll create", 'Lunch? options="a; b"'),
    ]


def test_the_kept_answers_never_outgrow_their_bound() -> None:
    from bot.commands import MAX_FOUND

    registry = _registry()
    for n in range(MAX_FOUND + 904):
        registry.find(f"ask question{n} please")
    assert len(registry._found) == 904


@pytest.mark.parametrize(
    ("typed", "asked", "guess"),
    [
        # A Spanish root's near miss, guessed in Spanish; quoted as typed.
        ("encusta lista", "encusta", "encuesta lista"),
        ("encusta", "encusta", "encuesta"),
        ("pol list", "pol", "poll list"),  # an English one's stays English
        ("Pol List", "Pol", "poll list"),
        ("encuesta listaa", "encuesta listaa", "encuesta lista"),  # never "poll list(aa)"
        # An English root's near miss, then a subcommand in Spanish or mistyped: that
        # subcommand, not whichever path looks most like the two words together.
        ("horsa mostrar", "horsa", "hours show"),
        ("huors mostrar", "huors", "hours show"),
        ("Pol Lista", "Pol", "poll list"),
        ("rolee quitar", "rolee", "role revoke"),
        ("hors shwo", "hors", "hours show"),
        # A near miss of a translated subcommand, guessed in the words typed: the one of
        # the subcommand's words nearest what was typed.
        ("horas mostar @lee", "horas mostar", "horas mostrar"),
        ("horario vr", "horario vr", "horario ver"),
        ("rol dr @sam", "rol dr", "rol dar"),
        # One word after a command of its own that is a near miss of its subcommand is
        # that typo, not a one-word question sent to the school.
        ("preguntar lsta", "preguntar lsta", "preguntar lista"),
        ("ask lst", "ask lst", "ask list"),
    ],
)
def test_a_near_miss_of_a_command_word_is_guessed_in_the_words_typed(
    typed: str, asked: str, guess: str
) -> None:
    with pytest.raises(CommandError) as refused:
        _registry().find(typed)
    assert dict(refused.value.values) == {"asked": asked, "guess": guess}


def test_a_root_alone_lists_its_commands_in_the_words_it_was_typed_in() -> None:
    with pytest.raises(CommandError) as refused:
        _registry().find("encuesta")
    choices = refused.value.values["choices"].split(", ")
    assert "encuesta lista" in choices and not [c for c in choices if c.startswith("poll")]
    for choice in choices:  # each one runs as it is written
        assert _registry().find(choice)[0].path.startswith("poll ")
    with pytest.raises(CommandError) as english:
        _registry().find("poll")
    assert "poll list" in english.value.values["choices"].split(", ")


@pytest.mark.parametrize(
    ("typed", "path", "rest"),
    [
        ("horas mostrar", "hours show", ""),  # "hours" as a Spanish reader says it
        ("horas fijar lun-vie 08:00 15:00", "hours set", "lun-vie 08:00 15:00"),
        ("horario ver @lee", "hours show", "@lee"),
    ],
)
def test_spanish_words_for_office_hours_name_the_hours_commands(
    typed: str, path: str, rest: str
) -> None:
    spec, found_rest = _registry().find(typed)
    assert (spec.path, found_rest) == (path, rest)


@pytest.mark.parametrize(
    ("path", "typed", "language", "raw"),
    [
        # A value of the option's shape in several words, after its name.
        (
            "hours set",
            "from=8 am to=3:30 pm mon-fri",
            "en",
            {"from": "8 am", "to": "3:30 pm", "days": "mon-fri"},
        ),
        ("hours set", "desde=7:30 p. m. hasta=9 pm", "es", {"from": "7:30 p. m.", "to": "9 pm"}),
        (
            "prompt schedule",
            "every=cada 2 semanas lunes",
            "es",
            {"every": "cada 2 semanas", "series": "lunes"},
        ),
        # Not one, or any text: the words up to another option's are still its own, so
        # the member is told about the option they named, not one they never typed.
        ("me settings", "mensajes=tal vez", "es", {"dm": "tal vez"}),
        ("me settings", "pausa-hasta=3 de enero", "es", {"pause-until": "3 de enero"}),
        ("me settings", "quiet=21:00 - 07:00 dm=no", "en", {"quiet": "21:00 - 07:00", "dm": "no"}),
        ("me settings", "language=es no", "en", {"language": "es", "dm": "no"}),
        # A word another option's own check takes is that option's, not the text's.
        ("me settings", "quiet=22:00-07:00 es", "en", {"quiet": "22:00-07:00", "language": "es"}),
        ("route add", "topic=field trips @lee", "en", {"topic": "field trips", "liaison": "@lee"}),
        # A value that is one already takes no loose word of another option's.
        ("role grant", "role=liaison @sam", "en", {"role": "liaison", "member": "@sam"}),
        ("me settings", "dm=no es", "en", {"dm": "no", "language": "es"}),
        # Loose words too: a time or a choice in several words is one value.
        (
            "prompt schedule",
            "moving-up #parents wednesday 7:30 pm",
            "en",
            {
                "series": "moving-up",
                "channel": "#parents",
                "weekday": "wednesday",
                "time": "7:30 pm",
            },
        ),
        (
            "hours set",
            "lun-vie 8 a. m. 3 p. m.",
            "es",
            {"days": "lun-vie", "from": "8 a. m.", "to": "3 p. m."},
        ),
        # A near miss of a choice of several words is refused as that option's value.
        ("prompt schedule", "every=2 wekes", "en", {"every": "2 wekes"}),
        # A list goes on after its separator, free text or not.
        (
            "poll create",
            "What time? closes=2d options=6pm, 7pm, 8pm",
            "en",
            {"closes": "2d", "options": "6pm, 7pm, 8pm", "question": "What time?"},
        ),
        (
            "poll create",
            "options=Morning; Evening Lunch?",
            "en",
            {"options": "Morning; Evening", "question": "Lunch?"},
        ),
        # A choice never grows into a word of it deep in free text, a value that is
        # whole never takes the next word, and a comma ends a choice, not a list.
        (
            "ask",
            "topic=behavior Is there a general policy on phones?",
            "en",
            {"topic": "behavior", "text": "Is there a general policy on phones?"},
        ),
        (
            "poll create",
            "every=weekly Attendance this week? options=yes;no",
            "en",
            {"every": "weekly", "options": "yes;no", "question": "Attendance this week?"},
        ),
        (
            "queue reassign",
            "12 @lee topic=behavior she handles general discipline",
            "en",
            {
                "topic": "behavior",
                "id": "12",
                "liaison": "@lee",
                "note": "she handles general discipline",
            },
        ),
        (
            "ask",
            "topic=homework, how much is normal?",
            "en",
            {"topic": "homework,", "text": "how much is normal?"},
        ),
        (
            "hours set",
            "timezone=America/Chicago mon-fri 8am 3pm",
            "en",
            {"timezone": "America/Chicago", "days": "mon-fri", "from": "8am", "to": "3pm"},
        ),
        (
            "setup",
            "zona=America/Mexico_City es,en #preguntas #familias",
            "es",
            {
                "timezone": "America/Mexico_City",
                "languages": "es,en",
                "queue": "#preguntas",
                "group": "#familias",
            },
        ),
        # Free text takes what follows: never an option's value.
        (
            "ask",
            "anonymous=yes When is the trip?",
            "en",
            {"anonymous": "yes", "text": "When is the trip?"},
        ),
    ],
)
def test_words_after_a_named_option_belong_to_it_as_a_member_means_them(
    path: str, typed: str, language: str, raw: dict[str, str]
) -> None:
    from bot.commands import parse_text
    from bot.i18n import translator

    spec = _registry().get(path)
    assert spec is not None
    assert parse_text(spec, typed, translator(language)) == raw


def test_a_one_word_question_unlike_any_subcommand_is_still_a_question() -> None:
    spec, rest = _registry().find("ask lunch")
    assert (spec.path, rest) == ("ask", "lunch")


def test_named_free_text_takes_no_words_from_after_another_option() -> None:
    """`question=` says where the question starts: a word left after another option's
    value is refused, never added to the question a whole group will read."""
    from bot.commands import parse_text

    spec = _registry().get("poll create")
    assert spec is not None
    with pytest.raises(CommandError) as refused:
        parse_text(spec, "question=Chaperones? options=yes,no remind=1 day before closes=3d")
    assert dict(refused.value.values) == {"command": "poll create", "extra": "before"}
    typed = "options=a;b question=Field trip chaperones? anonymous=yes"
    assert parse_text(spec, typed)["question"] == "Field trip chaperones?"


@pytest.mark.parametrize("typed", ["", " ", "\t"])
def test_an_empty_command_is_refused_kindly(typed: str) -> None:
    with pytest.raises(CommandError) as refused:
        _registry().find(typed)
    assert refused.value.message == (
        "I don't know the command “{asked}”. Type “help” to see what I can do."
    )


@pytest.mark.parametrize(
    ("typed", "language", "topic", "text"),
    [
        ("topic=behavior Is there a phone policy?", "en", "behaviour", "Is there a phone policy?"),
        ("tema=comportamiento ¿Hay una regla?", "es", "behaviour", "¿Hay una regla?"),
        ("topic=special needs Who do I ask?", "en", "special-needs", "Who do I ask?"),
        ("topic=bus Is it late?", "en", "transport", "Is it late?"),
    ],
)
def test_a_question_topic_may_be_given_in_the_words_parents_use(
    typed: str, language: str, topic: str, text: str
) -> None:
    from bot.commands import convert, parse_text
    from bot.i18n import translator
    from bot.refs import ConversationRef

    spec = _registry().get("ask")
    assert spec is not None
    t = translator(language)
    args, _ = convert(spec, parse_text(spec, typed, t), ConversationRef("fake", "s", "c"), t)
    assert (args.values["topic"], args.values["text"]) == (topic, text)
