"""opsdroid's in-process dispatch, as bench/peers.py measures it (run by opsdroid's own
interpreter, in its own virtual environment; imports nothing of Homeroom's).

The same workload as bench/dispatch.py: `help <topic>` from 500 members cycling through
three topics, each answered by a regex skill whose reply names the topic; then 2,000
messages from 2,000 members in flight at once. opsdroid keeps nothing on disk: its
`parse()` ranks the skills and runs the best one, which "sends" to a collecting connector.
Prints one JSON line: {"sequential": per second, "in_flight": per second, "wrong": count}.
"""

from __future__ import annotations

import asyncio
import gettext
import json
import logging
import sys
import time
import warnings

gettext.install("opsdroid")  # as `opsdroid start` does before it loads anything
warnings.simplefilter("ignore")  # opsdroid's own deprecation warnings are not the figures

from opsdroid.connector import Connector, register_event  # noqa: E402 (after gettext.install)
from opsdroid.core import OpsDroid  # noqa: E402 (after gettext.install)
from opsdroid.events import Message  # noqa: E402 (after gettext.install)
from opsdroid.matchers import match_regex  # noqa: E402 (after gettext.install)

TOPICS = ("help", "setup", "role")


class Collecting(Connector):
    """A connector whose `send` only keeps what the skill answered."""

    def __init__(self, config: dict, opsdroid: OpsDroid | None = None) -> None:
        super().__init__(config, opsdroid=opsdroid)
        self.name = "bench"
        self.sent: list[Message] = []

    @register_event(Message)
    async def send_message(self, message: Message) -> None:
        self.sent.append(message)


@match_regex(r"^help (?P<topic>\w+)$")
async def help_skill(opsdroid: OpsDroid, config: dict, message: Message) -> None:
    await message.respond(f"Help: {message.entities['topic']['value']}")


def wrong(messages: list[Message], sent: list[Message]) -> int:
    """Messages whose one reply is missing, doubled or about another topic (opsdroid's
    messages have no ID here, so a reply is matched to the very message it answers)."""
    answered: dict[int, list[Message]] = {}
    for reply in sent:
        answered.setdefault(id(reply.linked_event), []).append(reply)
    return sum(
        1
        for m in messages
        if len(answered.get(id(m), [])) != 1
        or answered[id(m)][0].text != f"Help: {m.text.split()[1]}"
    )


async def run(count: int, burst: int) -> dict[str, float]:
    logging.disable(logging.CRITICAL)
    with OpsDroid(config={}) as opsdroid:  # entering makes it the instance skills reply through
        return await measure(opsdroid, count, burst)


async def measure(opsdroid: OpsDroid, count: int, burst: int) -> dict[str, float]:
    connector = Collecting({}, opsdroid=opsdroid)
    opsdroid.connectors = [connector]
    opsdroid.register_skill(help_skill, config={"name": "help"})

    def message(n: int, topic: str) -> Message:
        return Message(
            text=f"help {topic}", user=f"member{n}", target="parents", connector=connector
        )

    for n in range(200):  # warm up, as Homeroom's run does
        await opsdroid.parse(message(n, "help"))
    connector.sent.clear()

    events = [message(n % 500, TOPICS[n % 3]) for n in range(count)]
    start = time.perf_counter()
    for event in events:
        await opsdroid.parse(event)
    sequential = count / (time.perf_counter() - start)
    bad = wrong(events, connector.sent)

    connector.sent.clear()
    many = [message(n, TOPICS[n % 3]) for n in range(burst)]
    start = time.perf_counter()
    await asyncio.gather(*(opsdroid.parse(e) for e in many))
    in_flight = burst / (time.perf_counter() - start)
    bad += wrong(many, connector.sent)
    return {"sequential": sequential, "in_flight": in_flight, "wrong": bad}


if __name__ == "__main__":
    count, burst = (int(a) for a in sys.argv[1:3])
    print(json.dumps(asyncio.run(run(count, burst))))
