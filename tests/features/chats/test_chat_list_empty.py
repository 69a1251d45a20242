"""An empty `chat list` points only organizers at “chat start”: a parent cannot start
a chat, so the hint would lead them to a refusal."""

from __future__ import annotations

import pytest

from bot.testing import TestBot
from tests.features.chats.helpers import privately


@pytest.mark.parametrize(
    ("who", "said"),
    [
        ("dana", "No live chat is running or planned. “chat start” starts one."),
        ("lee", "No live chat is running or planned."),
        ("maria", "No hay ningún chat en vivo en curso ni previsto."),
    ],
)
async def test_an_empty_chat_list_hints_at_chat_start_only_for_organizers(
    bot: TestBot, who: str, said: str
) -> None:
    assert privately(await bot.say(who, "/chat list")) == [said]
