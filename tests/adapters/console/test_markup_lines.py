"""Emphasis the core writes reads as emphasis on every platform: never across a line
break, never around a mark it holds; Discord gets its own bold and strike."""

from __future__ import annotations

from adapters.console.markup import plain
from adapters.discord.render import discord_markup, send_kwargs
from adapters.slack.blocks import message_blocks
from bot.intents import Message
from bot.render import bold, in_languages, italic, message_text


def test_emphasis_is_marked_line_by_line() -> None:
    assert italic("Closed.\n1 person has voted.\n\n Cerrada. ") == (
        "_Closed._\n_1 person has voted._\n\n_Cerrada._"
    )
    assert bold("Week 1") == "*Week 1*"
    # A line holding the mark stays plain: a stray mark is worse than no emphasis.
    assert italic("snake_case words") == "snake_case words"
    assert bold("5 * 3") == "5 * 3"


def test_a_two_language_footer_shows_no_marks_in_the_console() -> None:
    def compose(t):  # type: ignore[no-untyped-def]
        return Message(title=t._("Live chats"), text="1, 2", footer=t._("Closed.") + "\nOK")

    merged = in_languages(["en", "es"], compose)
    assert merged.text == "*Live chats*\n1, 2\n_Closed._\n_OK_\n\n*Chats en vivo*\n_Cerrada._\n_OK_"
    assert plain(merged.text) == "Live chats\n1, 2\nClosed.\nOK\n\nChats en vivo\nCerrada.\nOK"


def test_discord_reads_bold_and_strike_as_slack_writes_them() -> None:
    assert discord_markup("*Question #1*\n~old~ new, **kept**, `*code*`") == (
        "**Question #1**\n~~old~~ new, **kept**, `*code*`"
    )
    assert discord_markup("*a* b", limit=6) == "*a* b"  # never longer than the core fitted
    sent = send_kwargs(Message(text=message_text(Message(title="Live chats", text="one"))))
    assert sent["content"] == "**Live chats**\none"
    embed = send_kwargs(Message(title="Poll", text="*1.* yes", fields=(("Due", "*Friday*"),)))
    assert embed["embed"].description == "**1.** yes"
    assert embed["embed"].fields[0].value == "**Friday**"


def test_slack_field_labels_are_bold_on_their_line() -> None:
    [section] = message_blocks(Message(text="", fields=(("Due", "Friday"),)))
    assert section["fields"][0]["text"] == "*Due*\nFriday"
