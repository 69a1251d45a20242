"""errbot's test backend, as bench/peers.py measures it (run by errbot's own interpreter,
in its own virtual environment; imports nothing of Homeroom's).

The same workload as bench/dispatch.py: commands naming one of three topics, each
answered by a plugin command whose reply names the topic. Sequential: push a command,
wait for its reply. In flight: push 2,000, then collect 2,000 replies. errbot keeps its
plugin storage in memory here. (The test backend has one sender, so members do not vary.)
Prints one JSON line: {"sequential": per second, "in_flight": per second, "wrong": count}.
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from errbot.backends.test import TestBot

TOPICS = ("help", "setup", "role")
PLUGIN = '''
from errbot import BotPlugin, botcmd


class Guide(BotPlugin):
    """Answers `!guide <topic>` with the topic's name."""

    @botcmd
    def guide(self, msg, args):
        return f"Help: {args}"
'''
PLUG = "[Core]\nName = Guide\nModule = guide\n\n[Documentation]\nDescription = bench\n"


def run(count: int, burst: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "guide.py").write_text(PLUGIN)
        (Path(folder) / "guide.plug").write_text(PLUG)
        bot = TestBot(extra_plugin_dir=folder, loglevel=logging.CRITICAL)
        bot.start()
        try:
            for _ in range(200):  # warm up, as Homeroom's run does
                bot.push_message("!guide help")
                bot.pop_message()
            wrong = 0
            start = time.perf_counter()
            for n in range(count):
                topic = TOPICS[n % 3]
                bot.push_message(f"!guide {topic}")
                wrong += bot.pop_message() != f"Help: {topic}"
            sequential = count / (time.perf_counter() - start)

            asked = Counter(f"Help: {TOPICS[n % 3]}" for n in range(burst))
            start = time.perf_counter()
            for n in range(burst):
                bot.push_message(f"!guide {TOPICS[n % 3]}")
            got = Counter(bot.pop_message() for _ in range(burst))
            in_flight = burst / (time.perf_counter() - start)
            wrong += sum((asked - got).values()) + sum((got - asked).values())
        finally:
            bot.stop()
    return {"sequential": sequential, "in_flight": in_flight, "wrong": wrong}


if __name__ == "__main__":
    count, burst = (int(a) for a in sys.argv[1:3])
    print(json.dumps(run(count, burst)))
