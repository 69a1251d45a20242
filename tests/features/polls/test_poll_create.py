"""`poll create`: the card, the options syntax, the form when something is missing, who
may create, and every bad input refused kindly, changing nothing."""

from __future__ import annotations

import pytest

from bot.intents import OpenForm
from bot.testing import TestBot
from tests.features.polls.helpers import MEET, create, poll_row, posts, privately

CARD = (
    "📊 *When shall we meet?*\n"
    "1. Mon\n    ░░░░░░░░░░ 0 · 0%\n"
    "2. Tue\n    ░░░░░░░░░░ 0 · 0%\n"
    "3. Wed\n    ░░░░░░░░░░ 0 · 0%"
)


async def test_a_poll_is_posted_as_a_card_with_a_button_per_option(bot: TestBot) -> None:
    sent = await bot.say("lee", MEET + " closes=3d")
    [post] = posts(sent)
    assert post.message.text == CARD  # type: ignore[union-attr]
    assert [(b.label, b.action_id, b.value) for b in post.message.buttons] == [  # type: ignore[union-attr]
        ("1. Mon", "polls.vote", "1:0"),
        ("2. Tue", "polls.vote", "1:1"),
        ("3. Wed", "polls.vote", "1:2"),
        ("Take back my vote", "polls.retract", "1"),
    ]
    assert post.message.footer == (  # type: ignore[union-attr]
        "Named poll: those who may see the results also see who chose what.\n"
        "Choose one option.\n"
        "Closes Thursday 10 September, 16:00.\n"
        "Results: live, for everyone.\n"
        "0 people have voted.\n"
        "Poll #1: vote with the buttons, or reply to this message with an option's number. "
        "You can change your vote until it closes."
    )
    assert privately(sent) == ["Poll #1 is posted in <#parents>."]
    row = await poll_row(bot)
    assert (row["created_by"], row["anonymous"], row["max_choices"]) == ("lee", 0, 1)
    assert bot.adapter.sent[int(row["message_id"][1:]) - 1] == post  # its receipt noted it


@pytest.mark.parametrize(
    "typed",
    [
        'options="Mon; Tue; Wed"',
        "options=Mon;Tue;Wed",
        'options="Mon | Tue | Wed"',
        'options="Mon, Tue, Wed"',
        'options="Mon; Tue; Wed;"',
    ],
)
async def test_options_are_split_at_semicolons_or_other_separators(
    bot: TestBot, typed: str
) -> None:
    post = await create(bot, f"/poll create {typed} When shall we meet?")
    assert post.message.text == CARD


async def test_a_semicolon_wins_over_commas_inside_options(bot: TestBot) -> None:
    post = await create(bot, '/poll create Rides? options="Friday, 7pm; Saturday, 10am"')
    assert [b.label for b in post.message.buttons][:2] == ["1. Friday, 7pm", "2. Saturday, 10am"]


async def test_the_question_may_be_named_and_the_options_come_first(bot: TestBot) -> None:
    post = await create(
        bot, '/poll create options="Mon; Tue; Wed" question="When shall we meet?" anonymous=yes'
    )
    assert post.message.text == CARD
    assert post.message.footer.startswith(  # type: ignore[union-attr]
        "Anonymous poll: nobody, organizers included, can see who chose what."
    )
    # A reply would show in the thread, so an anonymous card asks for its buttons only.
    assert post.message.footer.endswith(  # type: ignore[union-attr]
        "Poll #1: vote with the buttons. You can change your vote until it closes."
    )


async def test_missing_options_open_a_form_with_the_question_kept(bot: TestBot) -> None:
    [form] = await bot.say("lee", "/poll create When shall we meet?")
    assert isinstance(form, OpenForm)
    assert form.form.form_id == "command:poll create"
    fields = {f.name: f for f in form.form.fields}
    assert fields["question"].default == "When shall we meet?"
    assert fields["options"].required and fields["options"].default is None
    sent = await bot.submit(
        "lee", "command:poll create", question="When shall we meet?", options="Mon; Tue; Wed"
    )
    assert posts(sent)[0].message.text == CARD


async def test_typed_options_as_discord_sends_them(bot: TestBot) -> None:
    sent = await bot.invoke(
        "lee",
        "poll create",
        question="When shall we meet?",
        options="Mon; Tue; Wed",
        **{"max-choices": "2", "results": "after-close"},
    )
    [post] = posts(sent)
    assert post.message.text == ("📊 *When shall we meet?*\n1. Mon\n2. Tue\n3. Wed")
    assert "Choose up to 2 options." in (post.message.footer or "")


async def test_a_date_and_time_close_in_the_communitys_zone(bot: TestBot) -> None:
    await bot.say("dana", "/setup timezone=America/New_York")
    post = await create(bot, MEET + " close-on=2026-09-11 close-at=19:00")
    assert "Closes Friday 11 September, 19:00." in post.message.footer  # type: ignore[operator]
    row = await poll_row(bot)
    assert row["closes_at"].isoformat() == "2026-09-11T23:00:00+00:00"
    post = await create(bot, MEET + " close-on=2026-09-12")
    assert "Closes Saturday 12 September, 23:59." in post.message.footer  # type: ignore[operator]


BAD = [
    (
        '/poll create Meet? options="Mon"',
        "A poll needs at least 2 options, and I found only one: “Mon”. Separate them with "
        "semicolons or commas, like “Mon; Tue; Wed”.",
    ),
    (
        "/poll create Meet? options=" + ";".join(f"o{n}" for n in range(26)),
        "A poll can have at most 25 options, and this one has 26.",
    ),
    (
        '/poll create Meet? options="Mon; Tue; mon"',
        "“mon” is in the options twice. Each option needs to be different.",
    ),
    (
        '/poll create Meet? options="Mon;; Tue"',
        "One of the options is empty (two separators in a row?). Please write each option "
        "between semicolons, like “Mon; Tue; Wed”.",
    ),
    (
        '/poll create Meet? options="Mon; Tue" close-on=2026-09-01',
        "That closing time, Tuesday 1 September, 23:59, has already passed. Please choose "
        "one in the future.",
    ),
    (
        '/poll create Meet? options="Mon; Tue" max-choices=3',
        "“max-choices” is 3, but the poll has only 2 options. Please choose 2 or fewer.",
    ),
    (  # a count, not a record's number
        '/poll create Meet? options="Mon; Tue" max-choices=0',
        "“max-choices” needs a number from 1 to 25, and 0 isn't.",
    ),
    (
        '/poll create Meet? options="Mon; Tue" max-choices=-1',
        "“max-choices” needs a number from 1 to 25, and -1 isn't.",
    ),
    (
        '/poll create Meet? options="Mon; Tue" max-choices=two',
        "“max-choices” needs a whole number, like 3, and “two” isn't one I can use.",
    ),
    (
        '/poll create Meet? options="Mon; Tue" remind=1d',
        "A reminder comes before the poll closes, so it needs a closing time: add “closes”, "
        "like closes=3d.",
    ),
    (
        '/poll create Meet? options="Mon; Tue" closes=2h remind=3h',
        "The reminder would go out before the poll starts. Please choose a shorter time "
        "before the close than the poll is open.",
    ),
    (
        '/poll create Meet? options="Mon; Tue" closes=2h close-on=2026-10-01',
        "Please give either “closes” (like 3d) or a date and time with “close-on” and "
        "“close-at”, not both.",
    ),
    (
        "/poll create Meet? options=" + ";".join(["x" * 71, "b"]),
        "An option can be at most 70 characters long; “" + "x" * 59 + "…” has 71.",
    ),
]


@pytest.mark.parametrize(("typed", "said"), BAD)
async def test_bad_input_is_refused_kindly_and_changes_nothing(
    bot: TestBot, typed: str, said: str
) -> None:
    await bot.say("lee", "/help")  # the community and member exist before the snapshot
    before = await bot.state()
    sent = await bot.say("lee", typed)
    assert bot.texts(sent) == [said]
    assert await bot.state() == before


BAD_ES = [
    (
        '/poll create ¿Cuándo? opciones="lun"',
        "Una encuesta necesita al menos 2 opciones, y encontré solo una: “lun”. Sepárelas con "
        "punto y coma o con comas, así: “lun; mar; mié”.",
    ),
    (
        '/poll create ¿Cuándo? opciones="lun; mar; Lun"',
        "“Lun” está dos veces en las opciones. Cada opción tiene que ser distinta.",
    ),
    (
        '/poll create ¿Cuándo? opciones="lun;; mar"',
        "Una de las opciones está vacía (¿dos separadores seguidos?). Escriba cada opción "
        "entre puntos y comas, así: “lun; mar; mié”.",
    ),
    (
        '/poll create ¿Cuándo? opciones="lun; mar" cierra-el=2026-09-01',
        "Esa hora de cierre, martes 1 de septiembre, 23:59, ya pasó. Elija una en el futuro.",
    ),
    (
        '/poll create ¿Cuándo? opciones="lun; mar" máx-opciones=3',
        "“máx-opciones” es 3, pero la encuesta solo tiene 2 opciones. Elija 2 o menos.",
    ),
]


@pytest.mark.parametrize(("typed", "said"), BAD_ES)
async def test_bad_input_is_explained_in_spanish(bot: TestBot, typed: str, said: str) -> None:
    await bot.say("maria", "/help")
    before = await bot.state()
    sent = await bot.say("maria", typed)
    assert bot.texts(sent) == [said]
    assert await bot.state() == before


async def test_an_organizer_may_keep_poll_creation_to_organizers(bot: TestBot) -> None:
    [refused] = await bot.say("lee", "/poll creators organizers")
    assert bot.texts([refused])[0].startswith("Only organizers can do that.")
    assert bot.texts(await bot.say("dana", "/poll creators allow=organizers")) == [
        "In <#parents>, only organizers can create polls now."
    ]
    before = await bot.state()
    assert bot.texts(await bot.say("lee", MEET)) == [
        "In <#parents>, only organizers create polls. You could ask one of them to run it."
    ]
    assert await bot.state() == before
    await create(bot, MEET, who="dana")
    await create(bot, MEET.replace("poll create", "poll create channel=#liaisons"), who="lee")
    await bot.say("dana", "/poll creators everyone")
    await create(bot, MEET, who="lee")
    assert privately(await bot.say("lee", "/poll list")) == [
        "#1 When shall we meet? · open until closed\n#3 When shall we meet? · open until closed"
    ]
