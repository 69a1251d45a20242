"""The live-chat answer parser against real-world answer forms: how #PTChat people wrote
answers (mixed case, missing punctuation, several in one message, Spanish, in a
question's thread) and what looks like an answer but is not (side talk, quotes,
retweets, labels glued to other words)."""

import pytest

from bot.features.chats.answers import Answer, in_thread, labelled

# (message, the question whose thread it was posted in or None, answers expected)
FORMS: list[tuple[str, int | None, list[tuple[tuple[int, ...], str]]]] = [
    # the classic forms
    ("A1: We read together every night.", None, [((1,), "We read together every night.")]),
    ("A2 - a calm breakfast helps", None, [((2,), "a calm breakfast helps")]),
    ("A2) Packing the bag the night before", None, [((2,), "Packing the bag the night before")]),
    ("A 2 Lunches made on Sunday", None, [((2,), "Lunches made on Sunday")]),
    ("A1/A2 Routines, for both!", None, [((1, 2), "Routines, for both!")]),
    ("R2: Leer juntos cada noche", None, [((2,), "Leer juntos cada noche")]),
    # mixed case, missing or other punctuation
    ("a1 we read at bedtime", None, [((1,), "we read at bedtime")]),
    ("a2: less screens", None, [((2,), "less screens")]),
    ("A3. Ask the teacher early", None, [((3,), "Ask the teacher early")]),
    ("A4 — talk to the counsellor", None, [((4,), "talk to the counsellor")]),
    ("A5 – a shared calendar", None, [((5,), "a shared calendar")]),
    ("a10: ten questions is a lot!", None, [((10,), "ten questions is a lot!")]),
    ("A1:No space after the colon", None, [((1,), "No space after the colon")]),
    ("  A3 :  spaces everywhere  ", None, [((3,), "spaces everywhere")]),
    ("A 3: spaced label with a colon", None, [((3,), "spaced label with a colon")]),
    ("a 3: lowercase spaced with a colon", None, [((3,), "lowercase spaced with a colon")]),
    ("**A1:** bold label from Slack", None, [((1,), "bold label from Slack")]),
    ("*A2* starred label", None, [((2,), "starred label")]),
    ("_A3_ - underscored label", None, [((3,), "underscored label")]),
    # several questions in one label
    ("A1/2 the same for both", None, [((1, 2), "the same for both")]),
    ("A1 & A3: homework first, then play", None, [((1, 3), "homework first, then play")]),
    ("A2, A3 a quiet corner", None, [((2, 3), "a quiet corner")]),
    ("A1 and A2: yes to both", None, [((1, 2), "yes to both")]),
    ("R1 y R2: lo mismo", None, [((1, 2), "lo mismo")]),
    # several answers in one message
    (
        "A1: Reading together\nA2: A set bedtime",
        None,
        [((1,), "Reading together"), ((2,), "A set bedtime")],
    ),
    (
        "A1: Reading. A2: Less TV.",
        None,
        [((1,), "Reading."), ((2,), "Less TV.")],
    ),
    (
        "A3: Two things:\nfirst, a list\nsecond, a timer",
        None,
        [((3,), "Two things:\nfirst, a list\nsecond, a timer")],
    ),
    ("A1:\nWe walk to school together", None, [((1,), "We walk to school together")]),
    # Spanish
    ("r3 - hablar con la maestra", None, [((3,), "hablar con la maestra")]),
    ("R4) Preguntar a mi hija qué aprendió", None, [((4,), "Preguntar a mi hija qué aprendió")]),
    ("R 2 Cenar juntos sin teléfonos", None, [((2,), "Cenar juntos sin teléfonos")]),
    # addressed to someone first
    ("<@U0LEE> A2: same here, it works", None, [((2,), "same here, it works")]),
    ("@maria A1 totally agree", None, [((1,), "totally agree")]),
    # with hashtags and emoji
    (
        "A1 Library day every Friday #ptchat 📚",
        None,
        [((1,), "Library day every Friday #ptchat 📚")],
    ),
    # replies in a question's thread
    ("We read every night, even 10 minutes", 2, [((2,), "We read every night, even 10 minutes")]),
    ("yes!! this", 1, [((1,), "yes!! this")]),
    ("A3: answering another one from here", 1, [((3,), "answering another one from here")]),
    ("> we read every night\nsame!", 2, []),
    ("RT @lee: A2 we read", 2, []),
    # side conversation and look-alikes that are not answers
    ("Good evening everyone! Excited for tonight", None, []),
    ("Q1: What helps mornings?", None, []),
    ("A great question, thanks", None, []),
    ("a 2 hour drive to school is hard", None, []),
    ("My son is in a 2nd grade class", None, []),
    ("a2nd thought about this", None, []),
    ("R2-D2 is my kid's favourite", None, []),
    ("A1C levels are a whole topic", None, []),
    ("A4-B5 paper sizes", None, []),
    ("A1", None, []),
    ("A2:", None, []),
    ("A0: zero is no question", None, []),
    ("A123 is a room number", None, []),
    ("> A1: we read every night", None, []),
    ("&gt; A1: quoted by Slack", None, []),
    ('"A1: we read" is what she said', None, []),
    ("“A2 a calm breakfast” — loved that", None, []),
    ("RT @maria: A1 We read together", None, []),
    ("rt @maria A1 we read", None, []),
    ("MT @lee: A2 shorter mornings", None, []),
    ("RT: A3 so true", None, []),
    ("Agree with A1 above", None, []),
    ("I liked Maria's A2 a lot", None, []),
    ("Art class is on Tuesday", None, []),
    ("Are we on Q2 yet?", None, []),
]


@pytest.mark.parametrize(("message", "thread", "expected"), FORMS)
def test_answer_forms(
    message: str, thread: int | None, expected: list[tuple[tuple[int, ...], str]]
) -> None:
    found = labelled(message) if thread is None else in_thread(message, thread)
    assert found == [Answer(questions, text) for questions, text in expected]


def test_the_table_is_large_enough() -> None:
    assert len(FORMS) >= 40
    assert sum(1 for _, _, expected in FORMS if not expected) >= 15  # look-alikes
