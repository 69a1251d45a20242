"""The console adapter in process: buttons, forms, threads, reactions, DMs."""

import io
import re
from collections.abc import AsyncIterator

import pytest_asyncio

from adapters.console import ConsoleAdapter
from adapters.console.markup import styled
from adapters.console.view import View
from bot.app import Homeroom
from bot.clock import FakeClock


@pytest_asyncio.fixture
async def console(homeroom: Homeroom) -> AsyncIterator[tuple[ConsoleAdapter, io.StringIO]]:
    out = io.StringIO()
    adapter = ConsoleAdapter(homeroom, View(out, rich=False))
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    yield adapter, out


async def type_lines(adapter: ConsoleAdapter, out: io.StringIO, *lines: str) -> str:
    out.seek(0)
    out.truncate()
    for line in lines:
        assert await adapter.handle_line(line)
    return out.getvalue()


async def test_pressing_a_button(console: tuple[ConsoleAdapter, io.StringIO]) -> None:
    adapter, out = console
    shown = await type_lines(adapter, out, "homeroom help")
    assert "[1] help  [2] setup  [3] role  [4] series  [5] prompt   (:press N)" in shown
    shown = await type_lines(adapter, out, ":press 3")
    assert "    Help: role\n" in shown
    assert "There is no such button" in await type_lines(adapter, out, ":press 9")


async def test_any_button_on_screen_can_be_pressed_by_whoever_sees_it(
    console: tuple[ConsoleAdapter, io.StringIO],
) -> None:
    adapter, out = console
    await type_lines(adapter, out, "homeroom help")
    shown = await type_lines(adapter, out, "homeroom help")
    assert "[6] help  [7] setup  [8] role  [9] series  [10] prompt   (:press N)" in shown
    assert "    Help: setup\n" in await type_lines(adapter, out, ":press 2")  # the first card
    assert "    Help: series\n" in await type_lines(adapter, out, ":press 9")  # the second
    shown = await type_lines(adapter, out, ":as lee", ":press 7")
    assert shown.endswith("Button [7] is on a card only dana can see.\n")


async def test_filling_a_form_question_by_question(
    console: tuple[ConsoleAdapter, io.StringIO],
) -> None:
    adapter, out = console
    shown = await type_lines(adapter, out, "/role grant")
    assert "Make a member a liaison or an organizer (1/2): The member, like @name" in shown
    assert adapter.prompt() == "dana 📝> "
    shown = await type_lines(adapter, out, "@sam")
    assert "Make a member a liaison or an organizer (2/2): liaison or organizer" in shown
    shown = await type_lines(adapter, out, "liaison")
    assert "Done: @sam is now a liaison." in shown
    assert adapter.prompt() == "dana@#parents> "
    assert "posted message" not in out.getvalue()  # answers are not channel messages
    assert "sam has no direct messages" not in await type_lines(adapter, out, ":as sam", ":dm")


async def test_a_wrong_answer_is_asked_again_and_nothing_said_goes_public(
    console: tuple[ConsoleAdapter, io.StringIO],
) -> None:
    adapter, out = console
    await type_lines(adapter, out, ":as maria", "/homeroom prompt suggest")
    await type_lines(adapter, out, "¿Qué hacen en los días de nieve?")
    shown = await type_lines(adapter, out, "quizás")
    assert "“anónimo” necesita sí o no, y “quizás” no es ninguno de los dos." in shown
    assert "(2/2)" in shown and adapter.prompt() == "maria 📝> "
    shown = await type_lines(adapter, out, "sí")
    assert "Gracias" in shown and "sin su nombre" in shown
    assert "posted" not in shown and adapter.prompt() == "maria@#parents> "


async def test_a_form_can_be_cancelled(console: tuple[ConsoleAdapter, io.StringIO]) -> None:
    adapter, out = console
    await type_lines(adapter, out, "/homeroom setup")
    shown = await type_lines(adapter, out, "cancel")
    assert "Okay, I stopped there. Nothing was changed." in shown
    assert adapter.prompt() == "dana@#parents> "


async def test_a_command_typed_in_a_form_asks_first_and_runs_once_the_form_is_left(
    console: tuple[ConsoleAdapter, io.StringIO],
) -> None:
    adapter, out = console
    await type_lines(adapter, out, "/homeroom setup", "America/New_York")
    shown = await type_lines(adapter, out, "/homeroom role list")
    assert "Leave the form?" in shown and "No one has a role" not in shown
    shown = await type_lines(adapter, out, "no")
    assert "Set up Homeroom (2/4)" in shown and adapter.prompt() == "dana 📝> "
    shown = await type_lines(adapter, out, ":in #liaisons")
    assert "Leave the form?" in shown
    shown = await type_lines(adapter, out, "yes")
    assert "Okay, you left the form. Nothing was changed." in shown
    assert shown.endswith("You are in #liaisons.\n")


async def test_a_second_command_at_leave_the_form_leaves_it_and_runs(
    console: tuple[ConsoleAdapter, io.StringIO],
) -> None:
    adapter, out = console
    await type_lines(adapter, out, "/homeroom setup", "America/New_York")
    await type_lines(adapter, out, "/homeroom role list")
    shown = await type_lines(adapter, out, "/homeroom poll list")
    assert shown.splitlines() == [
        "#parents | Homeroom → dana (only dana sees this)",
        "    Okay, you left the form. Nothing was changed.",
        "#parents | Homeroom → dana (only dana sees this)",
        "    No poll is open here. “poll create” starts one.",
    ]
    assert adapter.prompt() == "dana@#parents> "


async def test_switching_member_sets_a_form_aside_until_its_member_is_back(
    console: tuple[ConsoleAdapter, io.StringIO],
) -> None:
    adapter, out = console
    await type_lines(adapter, out, "/homeroom setup", "America/New_York")
    shown = await type_lines(adapter, out, ":as lee")
    assert shown.startswith(
        "📝 The form “Set up Homeroom” is set aside, at question 2 of 4. It waits for dana: "
        "switch back with “:as dana” to go on.\nYou are now lee.\n"
    )
    shown = await type_lines(adapter, out, "Hi all")
    assert "lee posted message 1" in shown and adapter.prompt() == "lee@#parents> "
    shown = await type_lines(adapter, out, ":as dana")
    assert "Set up Homeroom (2/4)" in shown and adapter.prompt() == "dana 📝> "
    await type_lines(adapter, out, "en,es", "-", "-")
    shown = await type_lines(adapter, out, "/homeroom setup")  # the saved answers are kept
    assert "Send “-” to keep “America/New_York”." in shown


async def test_a_spanish_reader_sees_the_form_in_spanish(
    console: tuple[ConsoleAdapter, io.StringIO],
) -> None:
    adapter, out = console
    await type_lines(adapter, out, "/homeroom role grant @maria organizer", ":as maria")
    shown = await type_lines(adapter, out, "/homeroom setup", "Marte/Olimpo", ":as lee")
    assert "No conozco la zona horaria “Marte/Olimpo”." in shown
    assert "Envíe “-” para dejar “UTC”.\n    Envíe “cancelar” para parar." in shown
    assert "📝 El formulario “Configurar Homeroom” queda a un lado" in shown
    for english in ("Send", "keep", "optional", "cancel stops", "Form closed", "set aside"):
        assert english not in shown


async def test_react_who_and_dm_say_what_happened(
    console: tuple[ConsoleAdapter, io.StringIO],
) -> None:
    adapter, out = console
    shown = await type_lines(adapter, out, ":who")
    assert "  sam    parent                       language en\n" in shown
    await type_lines(adapter, out, "/homeroom role grant @sam liaison")
    shown = await type_lines(adapter, out, ":who")
    assert "  sam    liaison, parent              language en\n" in shown
    assert "  dana   organizer, parent            language en ← you\n" in shown
    shown = await type_lines(adapter, out, ":as lee", "Hello", ":react 1 👍")
    assert shown.endswith("#parents | lee reacted 👍 to message 1\n")
    await type_lines(adapter, out, ":as sam")  # shows the new DM once (see below)
    shown = await type_lines(adapter, out, ":dm")
    assert shown.startswith("✉ 1. Welcome! @dana made you a school liaison")


async def test_a_private_message_shows_only_when_acting_as_its_recipient(
    console: tuple[ConsoleAdapter, io.StringIO],
) -> None:
    adapter, out = console
    shown = await type_lines(adapter, out, "/homeroom role grant @sam liaison")
    assert shown == (
        "#parents | Homeroom → dana (only dana sees this)\n    Done: @sam is now a liaison.\n"
    )  # sam's welcome DM is not on dana's screen
    shown = await type_lines(adapter, out, ":as lee")
    assert shown == "You are now lee.\n"
    shown = await type_lines(adapter, out, ":as sam")
    assert shown.splitlines() == [
        "You are now sam.",
        "✉ 1 new message for sam, sent while you were someone else:",
        "✉ Homeroom → sam (direct message)",
        "    Welcome! @dana made you a school liaison in Homeroom. Thank you for being a "
        "bridge between families and the school. Type “help” to see what you can do here.",
    ]
    shown = await type_lines(adapter, out, ":as dana", ":as sam")
    assert shown == "You are now dana.\nYou are now sam.\n"  # shown once
    shown = await type_lines(adapter, out, "/homeroom me export")  # sam's own: at once
    assert "✉ Homeroom → sam (direct message)\n" in shown


async def test_chat_markup_is_shown_as_a_terminal_shows_it(
    console: tuple[ConsoleAdapter, io.StringIO],
) -> None:
    adapter, out = console
    shown = await type_lines(
        adapter,
        out,
        "/homeroom setup queue=#liaisons",
        "/homeroom role grant @sam liaison",
        "/homeroom setup",
        "-",
        "-",
    )
    assert "    Homeroom setup\n" in shown
    assert "Done: @sam is now a liaison." in shown
    assert "Send “-” to keep “#liaisons”." in shown
    for raw in ("<@", "<#", "*"):
        assert raw not in shown
    assert re.search(r"(^|\s)_|_($|\s)", shown) is None


def test_markup_becomes_styles_in_a_terminal() -> None:
    text = styled("*Week 1* for <@dana> in <#C1|parents>: `help`, _welcome_, a_b_c 2*3*4")
    assert text.plain == "Week 1 for @dana in #parents: help, welcome, a_b_c 2*3*4"
    assert [(text.plain[s.start : s.end], s.style) for s in text.spans] == [
        ("Week 1", "bold"),
        ("@dana", "bold"),
        ("#parents", "bold"),
        ("help", "dim"),
        ("welcome", "italic"),
    ]


TRICKS = "a\x1b[31m\x1b]0;owned\x07b\x9b31mc\u202eevil\u2066d\x08e\x01f\x7fg"
SHOWN = "a^[[31m^[]0;owned^Gb<U+009B>31mc<U+202E>evil<U+2066>d^He^Af<U+007F>g"


async def test_a_members_terminal_escapes_are_shown_inert(
    console: tuple[ConsoleAdapter, io.StringIO],
) -> None:
    adapter, _ = console
    for rich in (False, True):
        out = io.StringIO()
        adapter.view = View(out, rich=rich)
        await adapter.handle_line(f"/homeroom series preview {TRICKS}")
        await adapter.handle_line(f":as lee{TRICKS}")
        adapter.view.line(f"lee@#parents> {TRICKS}\rover\x00")
        shown = out.getvalue()
        assert shown.count(SHOWN) == 3
        assert f"{SHOWN}^Mover^@" in shown
        controls = {c for c in shown if ord(c) < 32 or 0x7F <= ord(c) < 0xA0}
        assert controls == {"\n"}
        assert "\u202e" not in shown and "\u2066" not in shown


async def test_messages_thread_replies_and_reactions(
    console: tuple[ConsoleAdapter, io.StringIO], homeroom: Homeroom
) -> None:
    adapter, out = console
    shown = await type_lines(adapter, out, ":as lee", "Hello everyone!")
    assert "#parents | lee posted message 1" in shown
    shown = await type_lines(adapter, out, ":reply 1 Welcome, Lee!", ":react 1 👍")
    assert "#parents | lee posted message 2 in thread 1" in shown
    assert "Use :react" not in shown


async def test_console_commands_explain_mistakes(
    console: tuple[ConsoleAdapter, io.StringIO],
) -> None:
    adapter, out = console
    shown = await type_lines(adapter, out, ":as nobody", ":in #gym", ":fly", ":reply 99 hi", ":who")
    assert "There is no nobody here. Members: dana, sam, maria, lee." in shown
    assert "There is no #gym. Channels: #parents, #liaisons." in shown
    assert "I don't know :fly. Type :help for the console commands." in shown
    assert "There is no message 99 yet; the numbers are in “message N” above." in shown
    hints = await type_lines(adapter, out, ":react 7 👍", ":reply", ":react")
    assert hints == (
        "There is no message 7 yet; the numbers are in “message N” above.\n"
        "Use :reply N TEXT, where N is a message number shown above.\n"
        "Use :react N EMOJI, for example :react 3 👍\n"
    )
    assert "  maria  parent                       language es\n" in shown
    bare = await type_lines(adapter, out, ":as", ":in")
    assert bare == (
        "You are dana. Switch with :as NAME; members: dana, sam, maria, lee.\n"
        "You are in #parents. Channels: #parents, #liaisons.\n"
    )
    assert not await adapter.handle_line(":quit")


async def test_the_terminal_view_draws_panels(homeroom: Homeroom, clock: FakeClock) -> None:
    out = io.StringIO()
    adapter = ConsoleAdapter(homeroom, View(out, rich=True))
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    adapter.view.welcome(adapter.cast_lines(), adapter._t())
    await adapter.handle_line("/homeroom help")
    drawn = out.getvalue()
    assert "Welcome to Homeroom's console community" in drawn
    assert "╭" in drawn and "Homeroom help" in drawn


async def test_the_console_posts_only_in_its_channels(
    console: tuple[ConsoleAdapter, io.StringIO],
) -> None:
    adapter, _ = console
    assert await adapter.can_post("parents") and not await adapter.can_post("gym")


def test_a_lone_surrogate_is_shown_as_its_code_not_a_crash() -> None:
    out = io.StringIO()
    View(out, rich=False).line("half \udc80 a pair")
    assert out.getvalue() == "half <U+DC80> a pair\n"
    out.getvalue().encode("utf-8")  # a terminal could be sent this


def test_what_a_member_typed_is_not_read_as_terminal_markup() -> None:
    for rich in (False, True):
        out = io.StringIO()
        View(out, rich=rich).line("lee@#parents> :smile: [bold]big[/bold] [link=x]y[/link]")
        assert out.getvalue() == "lee@#parents> :smile: [bold]big[/bold] [link=x]y[/link]\n"
