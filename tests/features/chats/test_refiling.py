"""Organizers re-file or remove an answer with the message action "File as answer to
Q..." (a form asks which question when none is given), and file a message the parser
passed over; parents may not, and a question that doesn't exist changes nothing."""

from __future__ import annotations

from bot.events import CommandInvoked
from bot.intents import Intent, OpenForm, React
from bot.testing import TestBot
from tests.features.chats.helpers import TWO, answers, privately, say


async def on_message(
    bot: TestBot, who: str, message: str, text: str, author: str, **options: str
) -> list[Intent]:
    """The message action run on `message` (as Slack's shortcut or Discord's menu)."""
    origin = bot._from(who)
    target = bot.where().__class__(bot.adapter.platform, "school", "parents", None, message)
    return await bot.send(
        CommandInvoked(
            **origin,
            name="chat file",
            options=options,
            target=target,
            target_text=text,
            target_author=author,
        )
    )


async def _chat_with_answers(bot: TestBot) -> None:
    await bot.say("dana", f"/chat start {TWO}")
    await bot.next_timer()  # Q2 is up
    await say(bot, "maria", "A1: Planificamos el domingo", "u1")  # meant for Q2


async def test_the_action_asks_which_question_and_refiles(bot: TestBot) -> None:
    await _chat_with_answers(bot)
    [form] = await on_message(bot, "dana", "u1", "A1: Planificamos el domingo", "maria")
    assert isinstance(form, OpenForm)
    [field] = form.form.fields
    assert [c.label for c in field.choices] == ["Q1", "Q2", "None: it isn't an answer"]
    assert [c.value for c in field.choices] == ["Q1", "Q2", "none"]
    assert field.default == "Q1"
    sent = await bot.submit("dana", form.form.form_id, question="Q2")
    mark, _ = sent
    assert isinstance(mark, React) and (mark.to.message, mark.emoji) == ("u1", "✅")
    assert privately(sent) == ["Done: that message is filed as the answer to Q2."]
    assert await answers(bot) == [(2, "u1", "maria", "Planificamos el domingo")]


async def test_the_action_removes_an_answer_and_files_one_the_parser_passed_over(
    bot: TestBot,
) -> None:
    await _chat_with_answers(bot)
    sent = await on_message(bot, "dana", "u1", "A1: …", "maria", question="none")
    assert privately(sent) == ["Done: that message is no longer filed as an answer."]
    assert await answers(bot) == []
    # Side talk that was an answer after all: filed with its author, as written.
    assert await say(bot, "lee", "honestly, a family calendar on the fridge", "u9") == []
    sent = await on_message(
        bot, "sam", "u9", "honestly, a family calendar on the fridge", "lee", question="Q2"
    )
    assert privately(sent) == [
        "Only organizers can do that. If you help run this group, an organizer can give "
        "you the role with “role grant”."
    ]
    sent = await on_message(
        bot, "dana", "u9", "honestly, a family calendar on the fridge", "lee", question="Q2"
    )
    assert privately(sent) == ["Done: that message is filed as the answer to Q2."]
    assert await answers(bot) == [(2, "u9", "lee", "honestly, a family calendar on the fridge")]


async def test_a_question_that_does_not_exist_changes_nothing(bot: TestBot) -> None:
    await _chat_with_answers(bot)
    before = await bot.state()
    for typed, said in (
        ("7", "Chat #1 has questions Q1 to Q2; there's no Q7."),
        ("soon", "“soon” isn't a question's number. Use a number like 2, or “none”."),
    ):
        sent = await on_message(bot, "dana", "u1", "A1: …", "maria", question=typed)
        assert privately(sent) == [said]
    assert await bot.state() == before


async def test_a_form_left_unanswered_leaves_nothing_behind_at_the_end(bot: TestBot) -> None:
    await _chat_with_answers(bot)
    await on_message(bot, "dana", "u8", "just chatting", "lee")  # a form, never sent
    await bot.say("dana", "/chat end")
    assert await answers(bot) == [(1, "u1", "maria", "Planificamos el domingo")]
