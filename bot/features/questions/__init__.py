"""Questions to school liaisons: asked by name or anonymously, offered matching FAQ
entries first, routed by topic, grade and language to a present liaison (or their
backup), acknowledged at once with an honest promise in the parent's time zone, handled
from a queue of cards, answered privately, reminded and escalated so that none is
dropped.

Everything the feature adds is declared here, in `build`."""

from __future__ import annotations

from dataclasses import replace

from bot.commands import CommandSpec, Handler, Option
from bot.context import Context
from bot.directory import Role
from bot.features import Action, Feature, FormAction
from bot.features.questions import (
    asking,
    deadlines,
    departures,
    escalation,
    escalation_privacy,
    handling,
    routing,
)
from bot.features.questions.model import (
    ANY,
    REASONS,
    TOPIC_ALIASES,
    TOPICS,
    grade_of,
    language_of,
)
from bot.features.questions.privacy import privacy
from bot.features.questions.service import (
    ANSWER,
    CLAIM,
    DEADLINE,
    QuestionCard,
    Questions,
    questions_of,
)
from bot.features.questions.tables import TABLES
from bot.i18n import N_, NP_
from bot.kernel import Kernel
from bot.timers import Timed

ID = Option(NP_("option", "id"), "str", N_("The question's number, like 12"), required=True)
TOPIC = Option(
    NP_("option", "topic"),
    "choice",
    N_("What it is about"),
    choices=TOPICS,
    aliases=TOPIC_ALIASES,
)
GRADE = Option(
    NP_("option", "grade"), "str", N_("The child's grade: pre-k, k, 1 to 12"), check=grade_of
)
LANGUAGE = Option(
    NP_("option", "language"),
    "str",
    N_("The language of the question: en or es"),
    check=language_of,
)
WHICH = (
    NP_("choice", "all"),
    NP_("choice", "mine"),
    NP_("choice", "unclaimed"),
    NP_("choice", "overdue"),
)
ROUTE_DIMENSIONS = (
    replace(TOPIC, description=N_("The topic, or any"), choices=(*TOPICS, ANY)),
    Option(
        NP_("option", "grade"), "str", N_("The grade (pre-k, k, 1 to 12), or any"), check=grade_of
    ),
    Option(
        NP_("option", "language"), "str", N_("The language (en, es), or any"), check=language_of
    ),
)
# What every routing rule takes, the fallback too: who answers, who stands in, how long
# an answer may take, and who hears of it when even the backup has not answered.
RULE = (
    Option(NP_("option", "liaison"), "member", N_("Who answers them"), required=True),
    Option(NP_("option", "backup"), "member", N_("Who takes over when they are away")),
    Option(
        NP_("option", "reply-within"),
        "duration",
        N_("How long an answer may take, in working time (a day is a working day)"),
    ),
    Option(
        escalation.ESCALATE_TO,
        "str",
        N_(
            "Who is told if the backup doesn't answer either: @name or a role; "
            "organizers if left out"
        ),
    ),
)


def text(description: str, required: bool = False) -> Option:
    """The free text that ends a command: a question, an answer, a note."""
    return Option(NP_("option", "text"), "text", description, required, rest=True)


def liaisons(path: str, description: str, handler: Handler, *options: Option) -> CommandSpec:
    """A command of the liaison queue: liaisons (and organizers) only."""
    return CommandSpec(path, description, handler, options, role=Role.LIAISON)


def organizers(path: str, description: str, handler: Handler, *options: Option) -> CommandSpec:
    return CommandSpec(path, description, handler, options, role=Role.ORGANIZER)


async def home(ctx: Context) -> str | None:
    """A liaison's queue, and a parent's own questions."""
    from bot.features.questions import store
    from bot.features.questions.model import OPEN
    from bot.features.questions.tables import questions

    qs = questions_of(ctx)
    parts = []
    if ctx.may(Role.LIAISON):  # nothing open: no section (the page stays short)
        async with qs.engine.connect() as conn:
            open_here = await store.where(
                conn,
                (questions.c.community_id == ctx.community.id) & questions.c.status.in_(OPEN),
            )
        mine = [q for q in open_here if q.liaison_id == ctx.member.id]
        unclaimed = [q for q in open_here if q.status == "received"]
        now = qs.clock.now()
        overdue = [q for q in open_here if q.due_at and q.due_at < now and q.status != "waiting"]
        lines = [
            ctx.t._(
                "Liaison queue: {mine} yours, {unclaimed} unclaimed, {overdue} overdue.",
                mine=len(mine),
                unclaimed=len(unclaimed),
                overdue=len(overdue),
            )
        ]
        lines += [handling.queue_line(ctx, q) for q in (mine or unclaimed)[:5]]
        if open_here:
            parts.append("\n".join(lines))
    own = await asking.home_lines(ctx, qs)
    if own:
        parts.append(own)
    return "\n\n".join(parts) or None


COMMANDS = (
    CommandSpec(
        path="ask",
        description=N_("Ask a school liaison a question, privately"),
        options=(
            text(N_("Your question")),
            TOPIC,
            GRADE,
            LANGUAGE,
            Option(NP_("option", "anonymous"), "bool", N_("Ask without your name")),
        ),
        handler=asking.ask,
        keeps_copies=False,
        message_action=N_("Ask a liaison about this"),
    ),
    CommandSpec("ask list", N_("Your questions and how they are going"), asking.ask_list),
    organizers(
        "route add",
        N_("Send questions of a topic, grade and language to a liaison"),
        routing.route_add,
        RULE[0],
        *ROUTE_DIMENSIONS,
        *RULE[1:],
    ),
    organizers(
        "route fallback",
        N_("Who answers questions no other rule fits"),
        routing.route_fallback,
        *RULE,
    ),
    organizers("route list", N_("The routing rules for questions"), routing.route_list),
    organizers(
        "route remove",
        N_("Remove a routing rule"),
        routing.route_remove,
        Option(NP_("option", "id"), "str", N_("The rule's number"), required=True),
    ),
    liaisons(
        "queue list",
        N_("Questions waiting for the liaisons"),
        handling.queue_list,
        Option(NP_("option", "which"), "choice", N_("Which questions"), choices=WHICH),
        TOPIC,
        GRADE,
        LANGUAGE,
    ),
    liaisons("queue claim", N_("Take a question"), handling.claim, ID),
    liaisons(
        "queue answer",
        N_("Answer a question; the parent gets it privately"),
        handling.answer,
        ID,
        text(N_("Your answer")),
        Option(NP_("option", "as-team"), "bool", N_("Sign only as “a school liaison”")),
    ),
    liaisons(
        "queue note",
        N_("An internal note; the parent never sees it"),
        handling.note,
        ID,
        text(N_("The note"), required=True),
    ),
    liaisons(
        "queue ask-parent",
        N_("Ask the parent for more detail; the clock pauses"),
        handling.ask_parent,
        ID,
        text(N_("What you need to know"), required=True),
    ),
    liaisons(
        "queue reassign",
        N_("Pass a question to another liaison or topic"),
        handling.reassign,
        ID,
        Option(NP_("option", "liaison"), "member", N_("The liaison who should have it")),
        TOPIC,
        Option(NP_("option", "note"), "text", N_("Why, for the liaisons"), rest=True),
    ),
    liaisons(
        "queue close",
        N_("Close a question"),
        handling.close,
        ID,
        Option(NP_("option", "reason"), "choice", N_("Why it is closed"), choices=REASONS),
        Option(NP_("option", "propose-faq"), "bool", N_("Propose its answer for the FAQ")),
    ),
    organizers(
        "queue block",
        N_("Stop an anonymous sender from asking again, without learning who"),
        handling.block,
        ID,
    ),
    liaisons(
        "queue named",
        N_("Whether parents see your name on their answers' promise"),
        handling.set_named,
        Option(NP_("option", "named"), "bool", N_("yes: your name; no: a school liaison"), True),
    ),
    liaisons(
        "faq propose",
        N_("Propose a question's answer as an FAQ entry"),
        handling.faq_propose,
        ID,
    ),
)


def build(kernel: Kernel) -> Feature:
    state = Questions(kernel)
    return Feature(
        name="questions",
        commands=COMMANDS,
        actions={
            CLAIM: Action(handling.claim_pressed, Role.LIAISON),
            ANSWER: Action(handling.answer_pressed, Role.LIAISON),
            asking.SOLVED: Action(asking.solved),
            asking.SEND: Action(asking.send_anyway),
        },
        forms={
            asking.ASK_FORM: FormAction(asking.ask_submitted),
            handling.ANSWER_FORM: FormAction(handling.answer_submitted, Role.LIAISON),
            handling.FAQ_FORM: FormAction(handling.faq_submitted, Role.LIAISON),
        },
        listeners=(handling.hear, departures.hear),
        receipts={QuestionCard: state.card_posted},
        timers={DEADLINE: Timed(deadlines.deadline, N_("a question's reminder or escalation"))},
        home=home,
        tables=TABLES,
        privacy=escalation_privacy.joined(privacy(kernel.anonymity)),
        state=state,
    )
