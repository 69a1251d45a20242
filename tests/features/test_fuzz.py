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

import hypothesis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands import option_word
from bot.events import CommandInvoked, ComponentSubmitted, Event, FormSubmitted, MessagePosted
from bot.features import default_features
from bot.i18n import translator
from bot.testing import TestBot

PEOPLE = ("dana", "sam", "maria", "lee")
SPECS = [spec for feature in default_features() for spec in feature.commands]
ACTIONS = sorted({action for feature in default_features() for action in feature.actions})
OPTION_WORDS = sorted(
    {o.name for s in SPECS for o in s.options}
    | {option_word(o, translator("es")) for s in SPECS for o in s.options}
)
NASTY = [
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
    "A" * 300,
    "😀" * 64,
    "en,es",
    "fr",
    "es,,en",
    "moving-up",
    "our-prompts",
    "prek-2",
    "\x00",
    "\ud800",
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
    "x" * 5000,
]
PATHS = [spec.path for spec in SPECS] + ["role", "prompt", "hlep", "ayuda", ""]

values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=24),
    st.text(alphabet=st.characters(codec=None, categories=None), max_size=12),  # surrogates too
    st.integers().map(str),
)
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
            st.builds(
                lambda option, value: f"{option.name}={value}",
                st.sampled_from(spec.options),
                values,
            ),
            max_size=len(spec.options),
        ).map(lambda parts: " ".join([spec.path, *parts]))
    ),
)
typed_options = st.dictionaries(
    st.one_of(st.sampled_from(OPTION_WORDS), st.text(max_size=8)), values, max_size=5
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
    """Once per bot: sam is a liaison, and every member and the community are known
    (their first sight writes rows, which is not what we compare)."""
    if getattr(bot, "fuzz_ready", False):
        return
    await bot.say("dana", "/homeroom role grant @sam liaison")
    for who in PEOPLE:
        await bot.say(who, "/homeroom help")
    bot.fuzz_ready = True  # type: ignore[attr-defined]


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
    caplog.clear()
    caplog.set_level(logging.DEBUG, logger="bot")
    before = await bot.state()
    await asyncio.wait_for(bot.send(event), timeout=30)  # raises if anything escapes the core
    tracebacks = [
        r.getMessage() for r in caplog.records if r.exc_info and r.levelno >= logging.WARNING
    ]
    assert tracebacks == []
    refused = _refused(caplog, event)
    hypothesis.event(f"{type(event).__name__} {'refused' if refused else 'accepted'}")
    if refused:
        assert await bot.state() == before
