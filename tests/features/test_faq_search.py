"""`faq search` and `matching_entries`: the database's own full-text engine (SQLite FTS5,
PostgreSQL tsvector), in the reader's language, accents folded, ranked by relevance,
filtered by topic and grade. Every test runs on both databases."""

from __future__ import annotations

from importlib import import_module

import pytest
from sqlalchemy import text

from bot.features.faq.api import FaqHit, matching_entries
from bot.intents import Ephemeral, Intent
from bot.refs import CommunityRef
from bot.testing import COMMUNITY, PLATFORM, TestBot

pytestmark = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


async def add(bot: TestBot, question: str, answer: str, **tags: str) -> None:
    [done, *_] = await bot.invoke("dana", "faq add", question=question, answer=answer, **tags)
    assert "Added FAQ entry" in bot.texts([done])[0], bot.texts([done])


def found(intents: list[Intent]) -> list[str]:
    """The titles of the results, in order."""
    [reply] = intents
    assert isinstance(reply, Ephemeral)
    return [name for name, _ in reply.message.fields]


async def community_id(bot: TestBot) -> int:
    return (await bot.app.directory.community(CommunityRef(PLATFORM, COMMUNITY))).id


async def test_spanish_search_folds_accents_both_ways(bot: TestBot) -> None:
    await add(bot, "¿Cuándo abre la inscripción?", "La inscripción abre en marzo.", language="es")
    await add(bot, "¿Dónde para el autobús?", "En la esquina de la escuela.", language="es")
    await add(bot, "When does enrollment open?", "In March.", language="en")
    # maria reads Spanish: her search is in Spanish entries, with or without accents.
    assert found(await bot.say("maria", "/faq search inscripcion")) == [
        "#1 ¿Cuándo abre la inscripción?"
    ]
    assert found(await bot.say("maria", "/faq search INSCRIPCIÓN")) == [
        "#1 ¿Cuándo abre la inscripción?"
    ]
    assert found(await bot.say("maria", "/faq search autobus")) == ["#2 ¿Dónde para el autobús?"]
    # lee reads English: the same word finds nothing in English, and no Spanish entry is
    # offered since English has entries of its own for other words.
    assert found(await bot.say("lee", "/faq search enrollment")) == [
        "#3 When does enrollment open?"
    ]


async def test_unaccented_entry_is_found_by_accented_words(bot: TestBot) -> None:
    await add(bot, "Horario de inscripcion", "Las inscripciones son de 8 a 12.", language="es")
    assert found(await bot.say("maria", "/faq search inscripción")) == ["#1 Horario de inscripcion"]


async def test_accents_the_stemmers_keep_are_folded_too(bot: TestBot) -> None:
    """PostgreSQL's Spanish stemmer drops acute accents by itself, but not ñ or ü, and
    the English one drops none: those are folded by the index (unaccent)."""
    await add(bot, "¿Cuántos niños hay por clase?", "Veinte como máximo.", language="es")
    await add(bot, "Is there a café for parents?", "Yes, on Fridays with José.")
    assert found(await bot.say("maria", "/faq search ninos")) == [
        "#1 ¿Cuántos niños hay por clase?"
    ]
    assert found(await bot.say("lee", "/faq search cafe")) == ["#2 Is there a café for parents?"]
    assert found(await bot.say("lee", "/faq search jose")) == ["#2 Is there a café for parents?"]


async def test_more_relevant_entries_come_first(bot: TestBot) -> None:
    await add(bot, "What should my child bring on the first day?", "A water bottle and a bus pass.")
    await add(bot, "Which bus does my child take?", "Bus routes are on the bus page.")
    await add(bot, "Who do I call about lunch?", "The office, about lunch and snacks.")
    assert found(await bot.say("lee", "/faq search bus")) == [
        "#2 Which bus does my child take?",
        "#1 What should my child bring on the first day?",
    ]
    # Common words rank nothing: "the" alone is no search.
    [refused] = await bot.say("lee", "/faq search the")
    assert bot.texts([refused]) == [
        "Please give me a word or two to look for, like “faq search bus”."
    ]


async def test_topic_and_grade_filter_the_results(bot: TestBot) -> None:
    await add(bot, "When is the field trip?", "In May.", topic="Trips", grade="3")
    await add(bot, "Is there a field trip fee?", "No fee for trips.", topic="trips", grade="5")
    await add(bot, "Where is the sports field?", "Behind the gym.", topic="sports")
    assert found(await bot.say("lee", "/faq search field topic=trips")) == [
        "#1 When is the field trip?",
        "#2 Is there a field trip fee?",
    ]
    assert found(await bot.say("lee", "/faq search field topic=trips grade=5")) == [
        "#2 Is there a field trip fee?"
    ]
    [none] = await bot.say("lee", "/faq search field grade=7")
    assert bot.texts([none]) == [
        "I found nothing in the FAQ for “field”. Try other words, or ask a school liaison."
    ]


async def test_edit_and_remove_keep_the_index_in_step(bot: TestBot) -> None:
    await add(bot, "When are report cards sent?", "At the end of each term.")
    await bot.invoke("dana", "faq edit", id="1", question="When do grades come home?")
    [none] = await bot.say("lee", "/faq search report")
    assert "I found nothing" in bot.texts([none])[0]
    assert found(await bot.say("lee", "/faq search grades")) == ["#1 When do grades come home?"]
    await bot.say("dana", "/faq remove 1")
    [gone] = await bot.say("lee", "/faq search grades")
    assert "I found nothing" in bot.texts([gone])[0]


async def test_a_reader_whose_language_has_nothing_gets_the_communitys_others(bot: TestBot) -> None:
    await bot.say("dana", "/setup languages=en,es")
    await add(bot, "When does enrollment open?", "In March.")
    [reply] = await bot.say("maria", "/faq search enrollment")
    assert bot.texts([reply])[0].startswith(
        "*Preguntas frecuentes*\n"
        "Nada en español todavía, así que esto es lo que encontré en inglés."
    )
    assert found([reply]) == ["#1 When does enrollment open?"]
    # Asking for Spanish only: nothing.
    [none] = await bot.say("maria", "/faq search enrollment idioma=es")
    assert "No encontré nada" in bot.texts([none])[0]


async def test_matching_entries_for_a_question_before_it_is_routed(bot: TestBot) -> None:
    await add(bot, "How do I sign up for the after-school program?", "Forms are at the office.")
    await add(bot, "Is there an after-school snack?", "Yes, fruit and crackers.")
    await add(bot, "¿Hay programa después de clases?", "Sí, hasta las 6.", language="es")
    cid = await community_id(bot)
    async with bot.app.db.engine.connect() as conn:
        hits = await matching_entries(
            conn, cid, "Hi! How can I sign my son up for the after-school program?", "en"
        )
        other = await matching_entries(conn, cid + 1, "after-school program", "en")
    assert [(h.entry_id, h.language) for h in hits] == [(1, "en"), (2, "en")]
    assert hits[0] == FaqHit(
        1,
        "How do I sign up for the after-school program?",
        "Forms are at the office.",
        None,
        None,
        "en",
    )
    assert other == []


async def test_the_full_text_index_is_the_databases_own(bot: TestBot) -> None:
    async with bot.app.db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            kind = (
                await conn.execute(
                    text(
                        "SELECT data_type FROM information_schema.columns "
                        "WHERE table_name = 'faq_entries' AND column_name = 'search_doc'"
                    )
                )
            ).scalar_one()
            assert kind == "tsvector"
            folded = (await conn.execute(text("SELECT homeroom_fold('Niño café ÜBER')"))).scalar()
            assert folded == "Nino cafe UBER"
            # The fold used where the unaccent extension cannot be created says the same.
            migration = import_module("bot.storage.migrations.versions.0020_faq")
            fallback = (
                await conn.execute(
                    text("SELECT translate('Niño café ÜBER', :accented, :plain)"),
                    {"accented": migration.ACCENTED, "plain": migration.PLAIN},
                )
            ).scalar()
            assert fallback == folded
        else:
            sql = (
                await conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'faq_search'"))
            ).scalar_one()
            assert "fts5" in sql and "remove_diacritics 2" in sql


async def test_an_entry_in_spanish_is_filed_under_spanish_whoever_types_it(
    bot: TestBot,
) -> None:
    """An English-reading organizer adds the Spanish version: its words say Spanish, so
    maria's Spanish search finds it; `language=` still decides when given."""
    await bot.say("dana", "/setup languages=en,es")
    [added] = await bot.say(
        "dana",
        "/faq add question=“¿A qué hora abre la biblioteca?” "
        "answer=“La biblioteca abre a las ocho y cierra a las cinco.”",
    )
    assert bot.texts([added])[0].endswith(
        "Filed under Spanish, the language its words are in (“language=” chooses another)."
    )
    [reply] = await bot.say("maria", "/faq search biblioteca")
    assert found([reply]) == ["#1 ¿A qué hora abre la biblioteca?"]
    [english] = await bot.say(
        "dana", "/faq add question=“When does the library open?” answer=“At eight.”"
    )
    assert "Filed under" not in bot.texts([english])[0]
    await bot.say(
        "dana", "/faq add question=“Biblioteca Day” answer=“The library party.” language=es"
    )
    [listing] = await bot.say("dana", "/faq list")
    assert [line for line in bot.texts([listing])[0].splitlines() if line.startswith("#")] == [
        "#3 [es] Biblioteca Day",
        "#2 [en] When does the library open?",
        "#1 [es] ¿A qué hora abre la biblioteca?",
    ]
