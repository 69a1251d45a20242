"""Live chats, #PTChat style: an organizer starts a chat (now, or announced ahead with
its questions and time, once or on a rhythm); the bot posts each question on time on the
shared timer, each opening a thread; members answer `A2: ...` or in the thread and the
bot files each answer under its question and reacts to say so; organizers move the chat
on (`chat next`, `extend`, `end`) and re-file answers from a message's menu. A question
due while the bot was down is posted late with a note or skipped, as the moderator chose.

Everything the feature adds is declared here, in `build`."""

from __future__ import annotations

from bot.directory import Role
from bot.features import Feature, FormAction
from bot.i18n import N_
from bot.kernel import Kernel
from bot.timers import Timed


def build(kernel: Kernel) -> Feature:
    """The chats feature, with its own state built from the kernel."""
    from bot.features.chats import filing, timed
    from bot.features.chats.api import draft_at_end
    from bot.features.chats.commands import COMMANDS, show_time
    from bot.features.chats.privacy import PRIVACY
    from bot.features.chats.service import WHEN, QuestionPosted
    from bot.features.chats.state import Chats
    from bot.features.chats.store import REPEAT, STEP
    from bot.features.chats.tables import TABLES

    state = Chats(kernel, on_end=draft_at_end)
    return Feature(
        name="chats",
        commands=(*COMMANDS, filing.FILE_COMMAND),
        actions={WHEN: show_time},
        forms={filing.FILE_FORM: FormAction(filing.file_form, Role.ORGANIZER)},
        listeners=(filing.hear,),
        receipts={QuestionPosted: state.service.receipt},
        timers={
            STEP: Timed(timed.step_due, N_("a live chat's next question")),
            REPEAT: Timed(timed.repeat_due, N_("a recurring live chat's announcement")),
        },
        tables=TABLES,
        privacy=PRIVACY,
        state=state,
    )
