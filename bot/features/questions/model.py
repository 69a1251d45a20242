"""A question as the feature's handlers see it, the fixed lists of topics and grades,
and the words for its status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.commands import CommandError, fold
from bot.i18n import N_, NP_, Translator
from bot.refs import ConversationRef, MemberRef
from bot.settings import SUPPORTED_LANGUAGES

# Topics are a fixed list (so a parent can choose one, Discord can offer them, and a
# mistyped topic is caught); a route may name any of them, or none ("any").
TOPICS = (
    NP_("choice", "general"),
    NP_("choice", "homework"),
    NP_("choice", "attendance"),
    NP_("choice", "special-needs"),
    NP_("choice", "health"),
    NP_("choice", "transport"),
    NP_("choice", "behaviour"),
    NP_("choice", "events"),
)
ANY = NP_("choice", "any")
# Other words parents use for the topics, in either language, accepted as they type
# them (`topic=behavior`, `tema=comportamiento`); the topics are still shown by name.
TOPIC_ALIASES = (
    ("behavior", "behaviour"),
    ("comportamiento", "behaviour"),
    ("event", "events"),
    ("evento", "events"),
    ("bus", "transport"),
    ("transportation", "transport"),
    ("autobús", "transport"),
    ("tarea", "homework"),
    ("deberes", "homework"),
    ("special needs", "special-needs"),
    ("necesidades especiales", "special-needs"),
)
GRADES = ("pre-k", "k", *(str(n) for n in range(1, 13)))
DEFAULT_TOPIC = "general"

# held: FAQ entries offered, waiting for the parent; received: routed, unclaimed;
# claimed: with a liaison; waiting: the liaison asked the parent for more.
OPEN = ("received", "claimed", "waiting")
# Every state of a question the liaisons have been sent (all but "held").
SENT = (*OPEN, "answered", "closed")
STATUS_WORDS = {
    "held": N_("waiting for you to choose"),
    "received": N_("received"),
    "claimed": N_("with a liaison"),
    "waiting": N_("waiting for you"),
    "answered": N_("answered"),
    "closed": N_("closed"),
}
# The same statuses as liaisons read them (queue list, the card): "waiting for you" is the
# parent's view; to the liaison who asked for more, the question waits for the parent.
LIAISON_STATUS_WORDS = {
    **STATUS_WORDS,
    "held": N_("the parent is choosing"),
    "waiting": N_("waiting for the parent"),
}
REASONS = (
    NP_("choice", "answered"),
    NP_("choice", "duplicate"),
    NP_("choice", "referred"),
    NP_("choice", "no-reply"),
)


@dataclass(frozen=True, slots=True)
class Question:
    id: int
    community_id: int
    platform: str
    community: str
    asker_id: str | None
    asker_token: str | None
    asker_sealed: str | None
    asker_language: str
    text: str
    topic: str
    grade: str | None
    language: str
    status: str
    route_id: int | None
    liaison_id: str | None
    backup_id: str | None
    claimed_at: datetime | None
    reply_within_minutes: int
    due_at: datetime | None
    remind_at: datetime | None
    paused_at: datetime | None
    paused_seconds: int
    escalation: int
    reminded: bool
    card_channel: str | None
    card_message: str | None
    close_reason: str | None
    created_at: datetime
    answered_at: datetime | None
    closed_at: datetime | None

    @classmethod
    def of(cls, row: Any) -> Question:
        values = dict(row._mapping)
        values["platform"], values["community"] = values.pop("c_platform"), values.pop("c_ext")
        return cls(**values)

    @property
    def anonymous(self) -> bool:
        return self.asker_id is None

    def member(self, member_id: str) -> MemberRef:
        return MemberRef(self.platform, self.community, member_id)

    @property
    def liaison(self) -> MemberRef | None:
        return self.member(self.liaison_id) if self.liaison_id else None

    @property
    def card(self) -> ConversationRef | None:
        """The card's message in the queue channel, once the platform made it."""
        if not self.card_channel or not self.card_message:
            return None
        return ConversationRef(
            self.platform, self.community, self.card_channel, message=self.card_message
        )

    @property
    def card_thread(self) -> ConversationRef | None:
        if not self.card_channel or not self.card_message:
            return None
        return ConversationRef(
            self.platform, self.community, self.card_channel, thread=self.card_message
        )


def status_word(t: Translator, status: str, *, liaison: bool = False) -> str:
    """A status in the reader's words: the asker's view, or a liaison's (`liaison`)."""
    words = LIAISON_STATUS_WORDS if liaison else STATUS_WORDS
    return t._(words.get(status, status))


def topic_of(raw: str | None) -> str:
    """A topic as stored (the option's choice is already checked by the parser)."""
    return raw or DEFAULT_TOPIC


def grade_of(raw: str | None, option: str = "grade") -> str | None:
    """A grade from what a member typed: pre-k, k, 1 to 12 ("any" or nothing: None)."""
    if raw is None or not raw.strip():
        return None
    word = fold(raw.strip()).removeprefix("grade").strip().replace(" ", "-")
    word = {"prek": "pre-k", "kindergarten": "k", "kinder": "k", "any": "", "cualquiera": ""}.get(
        word, word
    )
    if word == "":
        return None
    if word not in GRADES:
        raise CommandError(
            N_("I don't know the grade “{value}”. Grades are: {choices}."),
            {"value": raw, "choices": ", ".join(GRADES)},
            option=option,
        )
    return word


def language_of(raw: str | None, option: str = "language") -> str | None:
    if raw is None or not raw.strip() or fold(raw.strip()) in ("any", "cualquiera"):
        return None
    code = fold(raw.strip())[:2]
    if code not in SUPPORTED_LANGUAGES or len(raw.strip()) > 8:
        raise CommandError(
            N_("I don't know the language “{value}”. Languages are: {choices}."),
            {"value": raw, "choices": ", ".join(SUPPORTED_LANGUAGES)},
            option=option,
        )
    return code
