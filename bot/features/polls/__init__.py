"""Polls: a question with 2 to 25 options, voted on with buttons (a menu beyond a
platform's buttons, replies where there are none), anonymous by construction or named,
closed at a deadline by the shared timer or by hand, with results shown as the poll's
visibility allows, reminders to those who have not voted, and recurring polls.

Everything the feature adds is declared here, in `build`."""

from __future__ import annotations

from bot.features import Feature
from bot.i18n import N_
from bot.kernel import Kernel
from bot.timers import Timed


def build(kernel: Kernel) -> Feature:
    """The polls feature, with its own services built from the kernel."""
    from bot.features.polls import timed, voting
    from bot.features.polls.commands import COMMANDS
    from bot.features.polls.privacy import PRIVACY
    from bot.features.polls.rendering import PICK, RETRACT, VOTE
    from bot.features.polls.service import PollPosted, PollService
    from bot.features.polls.store import CLOSE, REMIND, REPEAT
    from bot.features.polls.tables import poll_ballots, poll_groups, poll_series, polls

    service = PollService(kernel)
    return Feature(
        name="polls",
        commands=COMMANDS,
        actions={VOTE: voting.vote, PICK: voting.pick, RETRACT: voting.retract},
        listeners=(voting.hear,),
        receipts={PollPosted: service.receipt},
        timers={
            CLOSE: Timed(timed.close_due, N_("a poll's closing time")),
            REMIND: Timed(timed.remind_due, N_("a poll's reminder")),
            REPEAT: Timed(timed.repeat_due, N_("a recurring poll's next time")),
        },
        tables=(polls, poll_series, poll_ballots, poll_groups),
        privacy=PRIVACY,
        state=service,
    )
