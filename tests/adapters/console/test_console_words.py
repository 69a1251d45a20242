"""Everything the console itself says to a Spanish member is in Spanish: its headers,
hints, member and channel lines, `:next`, the welcome and `:help` (issue 9 §5)."""

import io
import re

from sqlalchemy import text

from adapters.console import ConsoleAdapter
from adapters.console.view import View
from bot.app import Homeroom
from bot.clock import ShiftableClock
from bot.testing import test_settings
from tests.features.test_every_word import ENGLISH_FRAGMENTS, ENGLISH_WORDS, _problems

# Every console command and every mistake with it, as maria types them.
MARIA = (
    ":help",
    ":who",
    ":as",
    ":as nobody",
    ":as maria",
    ":in",
    ":in #gym",
    ":in #parents",
    ":lang",
    ":lang es",
    ":dm",
    ":dm Hola",
    ":next",
    ":fly",
    ":reply",
    ":reply 99 hola",
    ":react",
    ":react 99 👍",
    ":press",
    ":press 99",
    "Hola a todos",
    ":reply 1 ¿Quién viene el viernes?",
    ":react 1 👍",
    ":react 2",
    "/homeroom help",
    ":press 6",
    ":press 1",  # a button on dana's card, which maria cannot see
)


async def test_a_spanish_member_reads_no_english_from_the_console(database_url: str) -> None:
    out = io.StringIO()
    homeroom = Homeroom(test_settings(database_url), clock=ShiftableClock())
    await homeroom.db.migrate()
    adapter = ConsoleAdapter(homeroom, View(out, rich=False))
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    try:
        # dana sets up a Spanish community and a schedule (her lines are not checked),
        # and gives maria a role, which maria learns of in a direct message.
        for line in (
            "/homeroom setup languages=es group=#parents",
            "/homeroom help",
            "/homeroom role grant @maria organizer",
        ):
            assert await adapter.handle_line(line)
        # What maria read of it: the header of her direct message.
        read = [line for line in out.getvalue().splitlines() if "→ maria" in line]
        out.seek(0)
        out.truncate()
        adapter.me = "maria"
        adapter.view.welcome(adapter.cast_lines(), adapter._t())
        for line in MARIA:
            assert await adapter.handle_line(line)
        adapter.unreadable(b"caf\xe9\n")
        assert await adapter.handle_line(
            "/homeroom prompt schedule series=moving-up channel=#parents weekday=mon time=19:00"
        )
        assert await adapter.handle_line(":next")
        assert await adapter.handle_line(":dm")
        read += out.getvalue().splitlines()
    finally:
        await homeroom.stop()
    assert "Ahora usted es maria." in read
    assert "#parents | maria publicó el mensaje 1" in read
    assert "✉ Homeroom → maria (mensaje directo)" in read
    assert "El botón [1] está en una tarjeta que solo ve dana." in read
    assert any(line.startswith("⏩ El tiempo avanza hasta el lunes ") for line in read)
    typed = [re.sub(r":[a-z]+\b", " ", line) for line in read]  # console command words
    problems = _problems(typed, ENGLISH_FRAGMENTS, ENGLISH_WORDS)
    assert not problems, "\n".join(problems)


async def test_a_restart_carries_on_from_the_pretend_date_next_moved_to(
    database_url: str,
) -> None:
    """`:next` moves the console's clock ahead; a restart on the same database goes on
    from there, so a new schedule's first prompt is never dated before the last one."""
    out = io.StringIO()
    first = Homeroom(test_settings(database_url), clock=ShiftableClock())
    await first.db.migrate()
    adapter = ConsoleAdapter(first, View(out, rich=False))
    first.attach(adapter)
    await first.start(timers=False)
    try:
        for line in (
            "/homeroom prompt schedule series=moving-up channel=#parents weekday=tue time=19:00",
            ":next",
            ":next",
        ):
            assert await adapter.handle_line(line)
        moved_to = first.clock.now()
    finally:
        await first.stop()
    again = Homeroom(test_settings(database_url), clock=ShiftableClock())
    restarted = ConsoleAdapter(again, View(io.StringIO(), rich=False))
    again.attach(restarted)
    await again.start(timers=False)
    try:
        await restarted.resume_time()
        assert abs((again.clock.now() - moved_to).total_seconds()) < 60  # not today again
    finally:
        await again.stop()


async def test_after_a_restart_reply_reaches_an_earlier_prompt_and_numbers_go_on(
    database_url: str,
) -> None:
    """The console keeps its community's messages like a platform would: `:reply` to a
    prompt posted before a restart files the answer under that prompt, and a new message
    never reuses an old number (a discussion is keyed by its prompt's)."""
    out = io.StringIO()
    first = Homeroom(test_settings(database_url), clock=ShiftableClock())
    await first.db.migrate()
    adapter = ConsoleAdapter(first, View(out, rich=False))
    first.attach(adapter)
    await first.start(timers=False)
    try:
        for line in (
            "/homeroom prompt schedule series=moving-up channel=#parents weekday=tue time=19:00",
            ":next",
        ):
            assert await adapter.handle_line(line)
        await first.outbox.idle()
        prompt = re.findall(r"opens a thread: :reply (\d+) TEXT", out.getvalue())
    finally:
        await first.stop()
    assert prompt == ["1"]
    out = io.StringIO()
    again = Homeroom(test_settings(database_url), clock=ShiftableClock())
    restarted = ConsoleAdapter(again, View(out, rich=False))
    again.attach(restarted)
    await again.start(timers=False)
    try:
        await restarted.resume_time()
        assert await restarted.handle_line(":reply 1 We read together every night.")
        assert await restarted.handle_line("Hello everyone")
        await again.outbox.idle()
        async with again.db.engine.connect() as conn:
            replies = (
                (await conn.execute(text("SELECT text FROM discussion_replies"))).scalars().all()
            )
    finally:
        await again.stop()
    said = out.getvalue().splitlines()
    assert "#parents | dana posted message 2 in thread 1" in said
    assert "#parents | dana posted message 3" in said
    assert replies == ["We read together every night."]
