"""How an FAQ entry reads, and the few rules its words and tags follow."""

from __future__ import annotations

from bot.commands import CommandError, excerpt
from bot.i18n import N_, Translator, translator
from bot.intents import Message

MAX_QUESTION, MAX_ANSWER = 300, 3000
MAX_TOPIC, MAX_GRADE = 32, 16
SHOWN_ANSWER = 900  # of an answer in search results (a Discord embed field holds 1,024)


def tag(value: str | None, most: int, option: str) -> str | None:
    """A topic or grade as stored and compared: trimmed, lower case, None when empty."""
    if value is None or not value.strip():
        return None
    cleaned = " ".join(value.split()).lower()
    if len(cleaned) > most:
        raise CommandError(
            N_("A topic or grade can be at most {most} characters long; this one has {n}."),
            {"most": str(most), "n": str(len(cleaned))},
            option=option,
        )
    return cleaned


def words(question: str, answer: str) -> tuple[str, str]:
    """The question and answer, trimmed; a kind error when either is empty or too long."""
    question, answer = question.strip(), answer.strip()
    if not question or not answer:
        raise CommandError(
            N_("An FAQ entry needs both a question and an answer. Please write both."),
            option="answer" if question else "question",
        )
    if len(question) > MAX_QUESTION:
        raise CommandError(
            N_("An FAQ question can be at most {most} characters long; this one has {n}."),
            {"most": str(MAX_QUESTION), "n": str(len(question))},
            option="question",
        )
    if len(answer) > MAX_ANSWER:
        raise CommandError(
            N_("An FAQ answer can be at most {most} characters long; this one has {n}."),
            {"most": str(MAX_ANSWER), "n": str(len(answer))},
            option="answer",
        )
    return question, answer


def tags_line(t: Translator, topic: str | None, grade: str | None) -> str | None:
    parts = []
    if topic:
        parts.append(t._("Topic: {topic}", topic=topic))
    if grade:
        parts.append(t._("Grade: {grade}", grade=grade))
    return " · ".join(parts) or None


def entry_post(
    question: str, answer: str, topic: str | None, grade: str | None, language: str
) -> Message:
    """The entry as posted in the FAQ channel, in its own language. Its title is the
    question: on Discord, a forum channel takes it as the post's title."""
    t = translator(language)
    return Message(title=question, text=answer, footer=tags_line(t, topic, grade))


def hit_field(entry_id: int, question: str, answer: str) -> tuple[str, str]:
    """One search result: its number and question as the title, the answer below."""
    return (f"#{entry_id} {excerpt(question, 200)}", excerpt(answer, SHOWN_ANSWER))
