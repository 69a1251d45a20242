"""No message the bot sends can ping everyone, whatever members wrote: members' words
carrying every broadcast form go through every feature, and everything the bot then
delivers is rendered by each adapter's own render path (Slack's blocks, Discord's send
arguments) and checked."""

from __future__ import annotations

import json
import re

from adapters.discord import render
from adapters.slack import blocks
from bot.intents import Intent, OpenForm, Post, PublishHome
from bot.testing import TestBot
from tests.features.questions.conftest import community

PINGS = "<!channel> <!here> <!everyone> <!subteam^S1|@team> @everyone @here <@&42>"
SLACK_BROADCAST = re.compile(r"<!(channel|here|everyone|subteam)", re.I)


async def everything_with_pings(bot: TestBot) -> list[Intent]:
    await community(bot)
    await bot.say("dana", "/route fallback @sam")
    await bot.say("lee", f"/ask {PINGS} is my question anonymous=yes")
    await bot.say("maria", f"/ask {PINGS} by name")
    await bot.say("sam", f"/queue answer 1 {PINGS} answered", channel="liaisons")
    await bot.say("lee", f"/prompt suggest {PINGS} what helps? anonymous=yes")
    await bot.say("maria", f"/prompt suggest {PINGS} what do you read?")
    await bot.say("dana", f'/poll create {PINGS} rides? options="{PINGS}; no"')
    await bot.press("lee", "polls.vote", "1:0")
    await bot.invoke("dana", "faq add", question=f"{PINGS} when?", answer=f"{PINGS} at 8.")
    await bot.say("dana", "/prompt ideas")
    await bot.say("lee", "/me export")
    root = next((f"m{i + 1}" for i, x in enumerate(bot.adapter.sent) if isinstance(x, Post)), "m1")
    await bot.say("lee", f"{PINGS} in a thread", thread=root)
    return list(bot.adapter.sent)


async def test_no_delivered_message_pings_everyone_on_slack_or_discord(bot: TestBot) -> None:
    sent = await everything_with_pings(bot)
    assert sum(PINGS in json.dumps(_texts(i)) for i in sent) == 4  # members' words got out
    for intent in sent:
        message = getattr(intent, "message", None)
        if isinstance(intent, OpenForm):
            slack = blocks.modal(intent.form, channel="C1", thread=None)
        elif isinstance(intent, PublishHome):
            slack = blocks.home_view(intent.message)
        elif message is not None:
            slack = {
                "parts": blocks.message_parts(message, None),
                "fallback": blocks.fallback_text(message),
            }
        else:
            continue
        assert not SLACK_BROADCAST.search(json.dumps(slack)), intent
        if message is not None:
            allowed = render.send_kwargs(message)["allowed_mentions"].to_dict()
            assert allowed["parse"] == [] and allowed.get("roles", []) == [], intent
            assert allowed.get("users", []) == [m.id for m in message.mentions if m.id.isdigit()]


def _texts(intent: Intent) -> list[str]:
    message = getattr(intent, "message", None)
    if message is None:
        return []
    return [message.text, message.title or "", *(v for _, v in message.fields)]
