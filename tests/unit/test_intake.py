"""The core's front door: unstorable text never gets past it, and nothing huge does."""

from datetime import UTC, datetime

from bot.events import Actor, CommandInvoked, FormSubmitted, MessagePosted, ReactionAdded
from bot.intake import MAX_EMOJI, MAX_MESSAGE, TOO_LONG, UNREADABLE, admit
from bot.refs import ConversationRef, MemberRef

WHERE = ConversationRef("fake", "school", "parents")
ORIGIN = {
    "event_id": "ev1",
    "at": datetime(2026, 9, 7, tzinfo=UTC),
    "conversation": WHERE,
    "actor": Actor(MemberRef("fake", "school", "lee")),
}


def test_clean_events_pass_unchanged_and_uncopied() -> None:
    event = CommandInvoked(**ORIGIN, text="help role")  # type: ignore[arg-type]
    assert admit(event) == (event, None)
    assert admit(event)[0] is event


def test_a_command_with_unreadable_text_is_refused_and_cleaned_everywhere() -> None:
    event = FormSubmitted(
        **ORIGIN | {"event_id": "ev\ud8001"},  # type: ignore[arg-type]
        form_id="command:prompt suggest",
        values={"te\x00xt": "snow\udfff days"},
    )
    cleaned, refusal = admit(event)
    assert refusal is not None and refusal.message == UNREADABLE
    assert cleaned.event_id == "ev\ufffd1"
    assert dict(cleaned.values) == {"te\ufffdxt": "snow\ufffd days"}  # type: ignore[attr-defined]


def test_a_message_is_kept_cleaned_and_cut_never_refused() -> None:
    event = MessagePosted(**ORIGIN, text="hi\ud800" + "x" * MAX_MESSAGE)  # type: ignore[arg-type]
    cleaned, refusal = admit(event)
    assert refusal is None
    assert cleaned.text == ("hi\ufffd" + "x" * MAX_MESSAGE)[:MAX_MESSAGE]  # type: ignore[attr-defined]
    reaction = ReactionAdded(**ORIGIN, emoji="e" * 100)  # type: ignore[arg-type]
    assert admit(reaction)[0].emoji == "e" * MAX_EMOJI  # type: ignore[attr-defined]


def test_a_long_command_is_refused_saying_how_long() -> None:
    event = CommandInvoked(**ORIGIN, text="x" * 4001)  # type: ignore[arg-type]
    assert admit(event)[1] is not None
    assert admit(event)[1].message == TOO_LONG  # type: ignore[union-attr]
    assert dict(admit(event)[1].values) == {"n": "4001", "most": "4000"}  # type: ignore[union-attr]


def test_unreadable_text_anywhere_is_found_once_the_event_kind_is_known() -> None:
    """A clean event of each kind first (the quick check then knows its classes), then
    one lone surrogate in each place a string can be: every one is cleaned and refused."""
    clean = CommandInvoked(**ORIGIN, text="help", options={"topic": "polls"})  # type: ignore[arg-type]
    assert admit(clean)[0] is clean
    bad = "x\ud800"
    member, where = MemberRef("fake", "school", "lee"), WHERE
    variants = {
        "text": {"text": bad},
        "option value": {"options": {"topic": bad}},
        "option name": {"options": {bad: "polls"}},
        "channel": {"conversation": ConversationRef("fake", "school", bad)},
        "thread": {"conversation": ConversationRef("fake", "school", "p", thread=bad)},
        "member": {"actor": Actor(MemberRef("fake", "school", bad))},
        "locale": {"actor": Actor(member, locale=bad)},
        "target": {"target": ConversationRef("fake", bad, "p")},
        "target text": {"target_text": bad},
    }
    refused = []
    for place, change in variants.items():
        event = CommandInvoked(**ORIGIN | {"conversation": where} | change)  # type: ignore[arg-type]
        cleaned, refusal = admit(event)
        if refusal is not None and refusal.message == UNREADABLE and "\\ud800" not in repr(cleaned):
            refused.append(place)
    assert refused == list(variants)
