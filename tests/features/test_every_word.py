"""Every message a member can read is in their language, and only in it.

Each reader runs every command, every help topic, every button and every error path we
can reach through TestBot; everything delivered to them privately (replies, forms, DMs)
is checked against the other language's catalog and a small list of its common words.
Shared posts in groups are not checked here: they carry each community language on
purpose (test_languages.py).
"""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.capabilities import Capabilities
from bot.i18n import LOCALES_DIR, WEEKDAY_CODES, translator, words
from bot.intents import DirectMessage, Ephemeral, Intent, OpenForm
from bot.testing import TestBot, text_of

ENGLISH_WORDS = {
    "the", "you", "your", "and", "with", "this", "that", "have", "are", "will", "please",
    "what", "here", "there", "isn't", "can't", "don't", "it", "is", "to", "of", "for",
    "when", "who", "now", "yet", "one", "or", "by", "on", "at",
}  # fmt: skip
SPANISH_WORDS = {
    "el", "la", "los", "las", "que", "una", "por", "para", "con", "su", "usted", "sus",
    "del", "está", "aquí", "puede", "quien", "nada", "todavía", "semana", "tema",
}  # fmt: skip
# The words members type, which must be shown in the reader's language too.
_es = translator("es")
_TYPED_WORDS = [
    *[(n, _es.option_name(n)) for n in words.OPTION_NAMES],
    *[(c, _es.choice(c)) for c in (*words.CHOICES, *WEEKDAY_CODES)],
]
SHARED_WORDS = {"series"}  # written alike in both languages
ENGLISH_WORDS |= {en for en, es in _TYPED_WORDS if en != es} - SHARED_WORDS
# A Spanish word that is an English one too ("no", Spanish for "off") says nothing.
SPANISH_WORDS |= {es for en, es in _TYPED_WORDS if en != es} - {"no"}
# What a member types, and so is shown as typed: quoted words, mentions, channels, code,
# command words and identifiers such as series IDs (`moving-up`, `screens-and-sleep`).
COMMAND_WORDS = (
    r"\b(help|setup|role|grant|revoke|list|series|preview|prompt|schedule|pause|resume|"
    r"skip-next|post-now|cancel|suggest|suggestions|add|ask|route|fallback|remove|queue|"
    r"claim|answer|note|ask-parent|reassign|close|block|named|faq|propose|search|edit|"
    r"channel|hours|set|show|away|until|end|poll|create|results|export|stop|creators|me|"
    r"settings|chat|start|next|extend|file)\b"
)
TYPED = re.compile(
    r"“[^”]*”|<[@#][^>]*>|@\w+|#\w+|`[^`]*`|https?://\S+|\b[a-z0-9]+(?:-[a-z0-9]+)+\b|"
    + COMMAND_WORDS
)


def _catalog() -> list[tuple[str, str]]:
    """(English, Spanish) fragments between placeholders, for every translated message."""
    with (LOCALES_DIR / "es" / "LC_MESSAGES" / "homeroom.po").open("rb") as po:
        catalog = read_po(po, locale="es")
    pairs = []
    for message in catalog:
        if not message.id or message.context:
            continue  # option names and choices are single words members type
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        targets = message.string if isinstance(message.string, tuple) else (message.string,)
        pairs += list(zip(sources, targets, strict=False))
    return [(s, t) for s, t in pairs if s != t]


def _fragments(text: str) -> list[str]:
    return [f.strip() for f in re.split(r"\{[^}]*\}|“[^”]*”", text) if len(f.strip()) >= 16]


ENGLISH_FRAGMENTS = sorted({f for en, _ in _catalog() for f in _fragments(en)})
SPANISH_FRAGMENTS = sorted({f for _, es in _catalog() for f in _fragments(es)})


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-záéíóúñü']+", TYPED.sub(" ", text).lower()))


def _private(intents: list[Intent], who: str) -> list[str]:
    """What `who` read privately: replies, forms (with their choices) and DMs."""
    texts = []
    for intent in intents:
        if isinstance(intent, Ephemeral | OpenForm) and intent.member.id == who:
            texts.append(text_of(intent))
            if isinstance(intent, OpenForm):
                texts += [c.label for f in intent.form.fields for c in f.choices]
                texts.append(intent.form.submit_label)
        elif isinstance(intent, DirectMessage) and intent.member.id == who:
            texts.append(text_of(intent))
    return texts


SCRIPT = [
    "/homeroom help",
    "/homeroom help help",
    "/homeroom help setup",
    "/homeroom help role",
    "/homeroom help series",
    "/homeroom help prompt",
    "/homeroom help nothing-here",
    "/homeroom nothing",
    "/homeroom rol",
    "/homeroom role",
    "/homeroom setup",
    "/homeroom setup timezone=Mars/Olympus_Mons",
    "/homeroom setup languages=fr",
    "/homeroom setup queue=parentsx",
    "/homeroom setup queue=#general",
    "/homeroom setup group=#parents",
    "/homeroom setup queue=#parents",
    "/homeroom setup timezone=Europe/Madrid languages=en,es queue=#liaisons",
    "/homeroom setup group=#liaisons",
    "/homeroom role list",
    "/homeroom role list liaison",
    "/homeroom role list organizer",
    "/homeroom role grant @saam liaison",
    "/homeroom role grant @zzzzzz liaison",
    "/homeroom role grant @sam principal",
    "/homeroom role grant @sam",
    "/homeroom role grant sam liaison",
    "/homeroom role grant @sam liaison",
    "/homeroom role grant @sam liaison",
    "/homeroom role list",
    "/homeroom role revoke @dana organizer",
    "/homeroom role revoke @lee liaison",
    "/homeroom role revoke @sam liaison",
    "/homeroom series list",
    "/homeroom series preview moving-up",
    "/homeroom series preview nothing-like-it",
    "/homeroom prompt schedule series=moving-up",
    "/homeroom prompt schedule series=nothing channel=#parents weekday=mon time=19:00",
    "/homeroom prompt schedule series=moving-up channel=#parents weekday=mon time=25:00",
    "/homeroom prompt schedule series=moving-up channel=#parents weekday=xyz time=19:00",
    "/homeroom prompt schedule series=moving-up channel=#parents weekday=mon time=19:00",
    "/homeroom prompt list",
    "/homeroom prompt pause 1",
    "/homeroom prompt pause 1",
    "/homeroom prompt resume 1",
    "/homeroom prompt skip-next 1",
    "/homeroom prompt post-now 1",
    "/homeroom prompt pause 99",
    "/homeroom prompt pause abc",
    "/homeroom prompt cancel 1",
    "/homeroom prompt list",
    "/homeroom prompt suggest hi",
    "/homeroom prompt suggest {idea}",
    "/homeroom prompt suggestions",
    "/homeroom prompt add {another}",
    "/homeroom series preview our-prompts",
    "/homeroom help faq",
    "/homeroom faq channel #faq",
    "/homeroom faq add",
    "/homeroom faq add question=“{another}” answer=“{idea}” topic=t1 grade=3",
    "/homeroom faq search {another}",
    "/homeroom faq search zzzz",
    "/homeroom faq search ?",
    "/homeroom faq list",
    "/homeroom faq list page=9",
    "/homeroom faq edit 1",
    "/homeroom faq edit 1 grade=4",
    "/homeroom faq edit 9 grade=4",
    "/homeroom faq remove 1",
    "/homeroom faq remove 1",
    "/homeroom me settings",
    "/homeroom me settings pause-until=2026-12-05 quiet=21:00-07:00 dm=no",
    "/homeroom me settings pause-until=2026-09-01",
    "/homeroom me settings quiet=off pause-until=off dm=yes",
    "/homeroom me export",
    "/homeroom me export @sam",
    "/homeroom retention set questions=abc messages=0",
    "/homeroom retention set questions=90d messages=6 months",
    "/homeroom setup timezone=America/New_York languages=en",
]


IDEAS = {  # what members write is in their own language, and is shown as they wrote it
    "es": (
        "¿Qué les ayuda a descansar tras un día largo?",
        "¿Qué adulto de la escuela nombra más?",
    ),
    "en": (
        "What helps your child rest after a long day?",
        "Which grown-up at school do they name?",
    ),
}


async def _run_everything(bot: TestBot, who: str, language: str) -> list[str]:
    """Everything `who` reads while using every command, first as a parent."""
    idea, another = IDEAS[language]
    read: list[str] = []
    for command in ("/homeroom role list", "/homeroom setup", "/homeroom prompt list"):
        read += _private(await bot.say(who, command), who)  # "only organizers" answers
    read += _private(await bot.say(who, f"/homeroom prompt suggest {idea}"), who)
    read += _private(await bot.say("dana", f"/homeroom role grant @{who} organizer"), who)
    bot.people[who].is_admin = True
    for command in SCRIPT:
        typed = command.format(idea=another[:-1] + "!", another=another, who=who)
        sent = await bot.say(who, typed)
        read += _private(sent, who)
        for intent in sent:  # press every button offered, as the member would
            buttons = getattr(getattr(intent, "message", None), "buttons", ())
            for button in buttons:
                read += _private(await bot.press(who, button.action_id, button.value), who)
    read += _private(await bot.press(who, "no.such.action", "1"), who)
    read += _private(await bot.submit(who, "no-such-form"), who)
    if not bot.adapter.capabilities.forms:  # a form asked as a dialogue, one bad answer in
        for line in ("/homeroom role grant", "@sam", "principal", "-", "cancel"):
            read += _private(await bot.say(who, line), who)
    return read


def _problems(texts: list[str], fragments: list[str], words: set[str]) -> list[str]:
    found = []
    for text in texts:
        plain = TYPED.sub(" ", text)
        leaked = [f for f in fragments if f in plain]
        common = sorted(_words(text) & words)
        if leaked or common:
            found.append(f"{text!r}: {leaked[:2]} {common}")
    return found


# A platform with every capability, and one with none, where forms become dialogues and
# buttons numbered choices: the fallbacks' words are checked too.
BARE = Capabilities(
    threads=False, buttons=False, forms=False, ephemeral=False, reactions=False, updates=False
)
PLATFORMS = pytest.mark.parametrize("capabilities", [Capabilities(), BARE], ids=["rich", "bare"])


@PLATFORMS
@pytest.mark.parametrize("who", ["maria"])
async def test_a_spanish_reader_reads_no_english(bot: TestBot, who: str) -> None:
    read = await _run_everything(bot, who, "es")
    assert len(read) > 60  # the script reached the paths it meant to
    problems = _problems(read, ENGLISH_FRAGMENTS, ENGLISH_WORDS)
    assert not problems, "\n".join(problems)


@PLATFORMS
@pytest.mark.parametrize("who", ["lee"])
async def test_an_english_reader_reads_no_spanish(bot: TestBot, who: str) -> None:
    await bot.say("dana", "/homeroom setup languages=es,en")  # a Spanish-first community
    read = await _run_everything(bot, who, "en")
    assert len(read) > 60
    problems = _problems(read, SPANISH_FRAGMENTS, SPANISH_WORDS)
    assert not problems, "\n".join(problems)


def test_the_check_knows_both_languages() -> None:
    assert any(f.startswith("Only organizers can do that") for f in ENGLISH_FRAGMENTS)
    assert any(f.startswith("Solo las personas organizadoras") for f in SPANISH_FRAGMENTS)
    assert Path(LOCALES_DIR).exists()


async def test_a_refused_choice_names_the_option_and_choices_in_the_readers_language(
    bot: TestBot,
) -> None:
    bot.people["maria"].is_admin = True
    read = []
    for command in (
        "/homeroom role grant @sam principal",
        "/homeroom prompt schedule series=moving-up channel=#parents weekday=xyz time=19:00",
    ):
        read += _private(await bot.say("maria", command), "maria")
    problems = _problems(read, ENGLISH_FRAGMENTS, ENGLISH_WORDS)
    assert not problems, "\n".join(problems)


# An option with its value as a reader types it ("silencio=21:00-07:00"), quoted or not.
_TYPED_OPTION = re.compile(r"(?<![\w-])([^\W\d_][\w-]*)=([^\W\d_][\w-]*)?")


def typed_in_the_wrong_language(text: str, others: dict[str, str]) -> list[str]:
    """`option=value` examples in `text` whose option or value is the other language's
    word (`pausa-hasta=off`, `dm=no` for a Spanish reader); `others` maps each such word
    to the reader's own."""
    return [
        f"{key}={value or ''}"
        for key, value in _TYPED_OPTION.findall(text)
        if key in others or (value or "") in others
    ]


def test_every_typed_example_in_a_spanish_message_is_in_spanish() -> None:
    with (LOCALES_DIR / "es" / "LC_MESSAGES" / "homeroom.po").open("rb") as po:
        catalog = read_po(po, locale="es")
    english = {  # every option name and choice word the catalog translates
        message.id: message.string
        for message in catalog
        if message.context in ("option", "choice") and message.id != message.string
    }
    found = {
        message.id: wrong
        for message in catalog
        if message.id and not message.context and isinstance(message.string, str)
        if (wrong := typed_in_the_wrong_language(message.string, english))
    }
    assert found == {}
    assert typed_in_the_wrong_language(
        "“me settings pausa-hasta=off”, “dm=no”, “silencio=no”, “nombre=valor”", english
    ) == ["pausa-hasta=off", "dm=no"]
