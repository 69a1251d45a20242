"""A near miss of a choice ("organiser", "inicial", "wendesday") is named back with the
choice it was probably meant to be, in the reader's words; nothing is changed or
guessed, and a word close to nothing gets no suggestion."""

import pytest

from bot.directory import Role
from bot.testing import TestBot


@pytest.mark.parametrize(
    ("who", "command", "said"),
    [
        (
            "dana",
            "/homeroom role grant @lee organiser",
            "“organiser” isn't one of the choices for “role”: liaison, organizer. "
            "Did you mean “organizer”?",
        ),
        (
            "lee",
            "/homeroom me settings credit-in-digests=initial",
            "“initial” isn't one of the choices for “credit-in-digests”: name, initials, "
            "none. Did you mean “initials”?",
        ),
        (
            "maria",
            "/homeroom me settings crédito-en-resúmenes=inicial",
            "“inicial” no es una de las opciones de “crédito-en-resúmenes”: nombre, "
            "iniciales, ninguno. ¿Quiso decir “iniciales”?",
        ),
        (
            "lee",
            "/homeroom me settings credit-in-digests=maybe",
            "“maybe” isn't one of the choices for “credit-in-digests”: name, initials, none.",
        ),
    ],
)
async def test_a_near_miss_names_the_choice_meant(
    bot: TestBot, who: str, command: str, said: str
) -> None:
    assert bot.texts(await bot.say(who, command)) == [said]
    assert Role.ORGANIZER not in (await bot.app.directory.profile(bot.member("lee"))).roles
