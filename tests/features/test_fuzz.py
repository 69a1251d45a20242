"""Fuzzing the core's front door: no input a member can send breaks Homeroom.

Random and adversarial command texts (typed and as Discord options), button presses,
form answers and messages go through the real core, storage and outbox, as each role
(organizer dana, liaison sam, Spanish-reading parent maria, parent lee), on SQLite and
PostgreSQL. For every one: nothing escapes the core, no traceback is logged, the outbox
goes idle, and input the core refused changed no table.

The normal suite runs a short pass; for a long one:
`.venv/bin/python -m pytest tests/features/test_fuzz.py --hypothesis-profile=fuzz-long`.
"""

import asyncio
import logging
from dataclasses import replace

import hypothesis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands import Option, option_word
from bot.events import (
    CommandInvoked,
    ComponentSubmitted,
    Event,
    FormSubmitted,
    MessagePosted,
    ReactionAdded,
)
from bot.i18n import translator
from bot.testing import TestBot, declared_features

PEOPLE = ("dana", "sam", "maria", "lee")
SPECS = [spec for feature in declared_features() for spec in feature.commands]
ACTIONS = sorted({action for feature in declared_features() for action in feature.actions})
OPTION_WORDS = sorted(
    {o.name for s in SPECS for o in s.options}
    | {option_word(o, translator("es")) for s in SPECS for o in s.options}
)
NASTY = [
    "\ud800",
    "\x00",
    "99999999999999999999",
    "9999-12-30",
    "²:00",
    "x" * 5000,
    "A" * 300,
    "",
    " ",
    "yes",
    "no",
    "sí",
    "anonymous",
    "anónimo",
    "24:00",
    "0:30",
    "23:59",
    "00:00",
    "²:00",
    "٢٣:٠٠",
    "7pm",
    "9999-12-30",
    "0001-01-01",
    "2026-02-30",
    "2026-10-05",
    "2026-12-21,2026-12-28",
    "99999999999999999999",
    str(2**31),
    "-1",
    "0",
    "1",
    "2",
    "#1",
    "²",
    "#parents",
    "<#parents>",
    "#",
    "<#>",
    "@sam",
    "<@sam>",
    "@maria",
    "<@!lee|Lee>",
    "@",
    "liaison",
    "organizer",
    "enlace",
    "mon",
    "martes",
    "mié",
    "shift",
    "skip",
    "America/New_York",
    "Europe/Madrid",
    "Mars/Olympus",
    "../../etc/passwd",
    "😀" * 64,
    "en,es",
    "fr",
    "es,,en",
    "moving-up",
    "our-prompts",
    "prek-2",
    "\udfff",
    '"',
    "“",
    "=",
    "==",
    "--",
    "\u202e",
    "\x1b[2J",
    "<!channel>",
    "@everyone",
    "@" + "u" * 65,
    "<#" + "c" * 65 + ">",
]
PATHS = [spec.path for spec in SPECS] + ["role", "prompt", "hlep", "ayuda", ""]

# Values a member might well mean, per kind of option, so handlers run as well as parsers.
LIKELY = {
    "str": ["moving-up", "our-prompts", "homework-without-tears", "role", "prompt", "setup"],
    "text": [
        "What helps your family on school mornings?",
        "¿Qué les ayuda por la mañana?",
        "Mon; Tue; Wed",  # a poll's options
    ],
    "int": ["1", "2", "3"],
    "bool": ["yes", "no", "sí"],
    "weekday": ["mon", "martes", "sun"],
    "member": ["@sam", "@maria", "@lee", "@dana", "<@ghost>"],
    "channel": ["#parents", "#liaisons", "<#parents>"],
    "time": ["19:00", "0:30", "23:59", "00:00"],
    "date": ["2026-09-07", "2026-12-21", "2099-12-31", "2000-01-01"],
    "dates": ["2026-12-21,2026-12-28", "2026-09-07"],
    "timezone": ["America/New_York", "Europe/Madrid", "UTC"],
    "languages": ["en", "es", "en,es", "es,en"],
    "duration": ["3d", "2h", "in 2 days", "90m", "1 semana"],
    "days": ["365", "90d", "12w", "6m", "1y", "forever"],
}
values = st.one_of(
    st.sampled_from(NASTY),
    st.sampled_from(NASTY),
    st.text(max_size=24),
    st.text(alphabet=st.characters(codec=None, categories=None), max_size=12),  # surrogates too
    st.integers().map(str),
    st.text(min_size=60, max_size=300),  # past the length of every column and limit
)


def _value_for(option: Option) -> st.SearchStrategy[str]:
    likely = list(option.choices) or LIKELY.get(option.type, [])
    return st.one_of(st.sampled_from(likely), st.sampled_from(likely), values)


words = st.one_of(
    st.builds(lambda k, v: f"{k}={v}", st.sampled_from(OPTION_WORDS), values),
    st.builds(lambda k, v: f"{k}={v}", st.text(min_size=1, max_size=10), values),
    st.builds(lambda k, v: f'{k}="{v}"', st.sampled_from(OPTION_WORDS), values),
    st.builds(lambda k: f"--{k}", st.sampled_from(OPTION_WORDS)),
    st.builds(lambda v: f'"{v}"', values),
    values,
)
command_texts = st.one_of(
    st.builds(
        lambda path, parts: " ".join([path, *parts]),
        st.sampled_from(PATHS),
        st.lists(words, max_size=7),
    ),
    st.sampled_from([s for s in SPECS if s.options]).flatmap(  # its own options, odd values
        lambda spec: st.lists(
            st.sampled_from(spec.options).flatmap(
                lambda option: _value_for(option).map(lambda value: f"{option.name}={value}")
            ),
            max_size=len(spec.options),
        ).map(lambda parts: " ".join([spec.path, *parts]))
    ),
)
typed_options = st.dictionaries(
    st.one_of(st.sampled_from(OPTION_WORDS), st.text(max_size=8)), values, max_size=5
)

# A real command's path and some of its own options, with likely or odd values.
spec_options = st.sampled_from(SPECS).flatmap(
    lambda spec: st.tuples(
        st.just(spec.path),
        st.fixed_dictionaries({}, optional={o.name: _value_for(o) for o in spec.options}),
    )
)


def _events(bot: TestBot) -> st.SearchStrategy[Event]:
    """Any event a member can cause, built with a fresh event ID."""
    origin = st.sampled_from(PEOPLE).map(lambda who: bot._from(who))
    return st.one_of(
        st.builds(lambda o, text: CommandInvoked(**o, text=text), origin, command_texts),
        st.builds(
            lambda o, name, options: CommandInvoked(**o, name=name, options=options),
            origin,
            st.sampled_from(PATHS),
            typed_options,
        ),
        st.builds(  # typed options as Discord sends them, for a real command
            lambda o, spec_options: CommandInvoked(
                **o, name=spec_options[0], options=spec_options[1]
            ),
            origin,
            spec_options,
        ),
        st.builds(  # a command's own form, answered
            lambda o, spec_options: FormSubmitted(
                **o, form_id="command:" + spec_options[0], values=spec_options[1]
            ),
            origin,
            spec_options,
        ),
        st.builds(
            lambda o, action, value: ComponentSubmitted(**o, action_id=action, value=value),
            origin,
            st.one_of(st.sampled_from(ACTIONS), values),
            values,
        ),
        st.builds(
            lambda o, form, answers: FormSubmitted(**o, form_id=form, values=answers),
            origin,
            st.one_of(st.sampled_from(["command:" + p for p in PATHS]), values),
            typed_options,
        ),
        st.builds(lambda o, text: MessagePosted(**o, text=text), origin, values),
        st.builds(
            lambda o, thread, text: MessagePosted(
                **(o | {"conversation": bot.where(thread=thread)}), text=text
            ),
            origin,
            values,
            values,
        ),
        st.builds(
            lambda o, message, emoji: ReactionAdded(
                **(o | {"conversation": replace(bot.where(), message=message)}), emoji=emoji
            ),
            origin,
            values,
            values,
        ),
    )


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _refused(caplog: pytest.LogCaptureFixture, event: Event) -> bool:
    return any(
        r.getMessage().startswith("event=refused")
        and f"event_id={event.event_id}" in r.getMessage()
        for r in caplog.records
    )


async def _ready(bot: TestBot) -> None:
    """Once per bot: sam is a liaison, and every member, the community and dana's
    organizer role from the platform are known (first sight writes rows, which is not
    what we compare)."""
    if getattr(bot, "fuzz_ready", False):
        return
    await bot.say("dana", "/homeroom role grant @sam liaison")
    await bot.say("dana", "/homeroom prompt list")  # a platform admin is noted as organizer
    for who in PEOPLE:
        await bot.say(who, "/homeroom help")
    bot.fuzz_ready = True  # type: ignore[attr-defined]


async def _check(bot: TestBot, caplog: pytest.LogCaptureFixture, event: Event) -> bool:
    """Send one event; nothing may escape, nothing may log a traceback, the outbox must go
    idle, and a refused event must leave every table as it was. True if it was refused."""
    caplog.clear()
    caplog.set_level(logging.DEBUG, logger="bot")
    # The tables as the last refused event left them, unless something was accepted since.
    before = getattr(bot, "fuzz_state", None) or await bot.state()
    bot.fuzz_state = None  # type: ignore[attr-defined]
    await asyncio.wait_for(bot.send(event), timeout=30)  # raises if anything escapes the core
    tracebacks = [
        r.getMessage() for r in caplog.records if r.exc_info and r.levelno >= logging.WARNING
    ]
    assert tracebacks == [], event
    refused = _refused(caplog, event)
    if refused:
        assert await bot.state() == before, event
        bot.fuzz_state = before  # type: ignore[attr-defined]
    return refused


@settings(
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # one bot for all examples, on purpose
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
async def test_no_input_breaks_the_core(
    bot: TestBot, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    await _ready(bot)
    event = data.draw(_events(bot), label="event")
    refused = await _check(bot, caplog, event)
    hypothesis.event(f"{type(event).__name__} {'refused' if refused else 'accepted'}")


async def test_every_nasty_value_in_every_kind_of_field(
    bot: TestBot, caplog: pytest.LogCaptureFixture
) -> None:
    """Random search may miss a known troublemaker in a short run: each one goes, once,
    into a command's text, a form answer and a button, as each member in turn."""
    await _ready(bot)
    slots = [(spec, option) for spec in SPECS for option in spec.options]
    refused = 0
    for n, value in enumerate(NASTY):
        spec, option = slots[n % len(slots)]
        who = PEOPLE[n % len(PEOPLE)]
        for event in (
            CommandInvoked(**bot._from(who), text=f"{spec.path} {option.name}={value}"),
            FormSubmitted(  # typed options (Discord) take the same road as a form's answers
                **bot._from(who), form_id="command:" + spec.path, values={option.name: value}
            ),
            ComponentSubmitted(**bot._from(who), action_id=ACTIONS[n % len(ACTIONS)], value=value),
        ):
            refused += await _check(bot, caplog, event)
    assert refused >= len(NASTY)  # most of them are refused; the rest must still be harmless
