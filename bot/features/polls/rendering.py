"""What people read of a poll: its card (in every language of the group), the results
as a bar chart in text, and the exports (CSV and Markdown for meeting minutes)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from bot.capabilities import Capabilities
from bot.features.polls.model import Poll, Tally
from bot.i18n import N_, Translator, translator
from bot.intents import Button, Choice, Message, Select
from bot.refs import MemberRef, mention
from bot.render import in_languages

VOTE, PICK, RETRACT = "polls.vote", "polls.pick", "polls.retract"
BAR = 10  # characters of a full bar
MAX_LABEL = 75  # a button's label (Slack's limit)

VISIBILITY_LINES = {
    "live": N_("Results: live, for everyone."),
    "after-vote": N_("Results: you see them once you have voted."),
    "after-close": N_("Results: shown when the poll closes."),
    "organizers": N_("Results: only organizers and the poll's creator see them."),
    "winner-only": N_("Results: only the winning option is shown, when the poll closes."),
}


def bar(count: int, most: int) -> str:
    """A bar of BAR blocks, full for `most`."""
    filled = round(BAR * count / most) if most else 0
    return "█" * filled + "░" * (BAR - filled)


def chart(poll: Poll, tally: Tally, *, names: bool = False) -> str:
    """The options with bars, counts and shares of the voters, one line each; under each,
    on a named poll where `names`, who chose it."""
    most = max(tally.counts, default=0)
    lines = []
    for index, (option, count) in enumerate(zip(poll.options, tally.counts, strict=True)):
        share = round(100 * count / tally.voters) if tally.voters else 0
        lines.append(f"{index + 1}. {option}\n    {bar(count, most)} {count} · {share}%")
        if names and tally.names and tally.names[index]:
            who = ", ".join(mention(_ref(poll, n)) for n in tally.names[index])
            lines.append(f"    {who}")
    return "\n".join(lines)


def _ref(poll: Poll, user_id: str) -> MemberRef:
    return MemberRef(poll.where.platform, poll.where.community, user_id)


def winners(poll: Poll, tally: Tally) -> list[str]:
    most = max(tally.counts, default=0)
    return [o for o, c in zip(poll.options, tally.counts, strict=True) if most and c == most]


def winner_line(t: Translator, poll: Poll, tally: Tally) -> str:
    won = winners(poll, tally)
    if not won:
        return t._("No votes were cast.")
    most = max(tally.counts)
    if len(won) == 1:
        return t.ngettext(
            "Most chosen: {option} ({n} vote).",
            "Most chosen: {option} ({n} votes).",
            most,
            option=won[0],
        )
    return t.ngettext(
        "Tied for most chosen: {options} ({n} vote each).",
        "Tied for most chosen: {options} ({n} votes each).",
        most,
        options=", ".join(won),
    )


def results_text(t: Translator, poll: Poll, tally: Tally, seen: str, *, names: bool) -> str:
    """The results as a reader may see them ("all" or "winner")."""
    head = t.ngettext(
        "Results of poll #{id}: {question} ({n} voter)",
        "Results of poll #{id}: {question} ({n} voters)",
        tally.voters,
        id=poll.id,
        question=poll.question,
    )
    if seen == "winner":
        return head + "\n" + winner_line(t, poll, tally)
    return head + "\n" + chart(poll, tally, names=names and not poll.anonymous)


def _footer(
    t: Translator, poll: Poll, tally: Tally, timezone: str, now: datetime, buttons: bool
) -> str:
    lines = [
        t._("Anonymous poll: nobody, organizers included, can see who chose what.")
        if poll.anonymous
        else t._("Named poll: those who may see the results also see who chose what."),
        t._("Choose one option.")
        if poll.max_choices == 1
        else t._("Choose up to {n} options.", n=poll.max_choices),
    ]
    if poll.open_at(now):
        lines.append(
            t._("Closes {when}.", when=t.when(poll.closes_at, timezone))
            if poll.closes_at
            else t._("Open until its creator or an organizer closes it.")
        )
        lines.append(t._(VISIBILITY_LINES[poll.visibility]))
    else:
        lines.append(t._("Closed."))
    lines.append(t.ngettext("{n} person has voted.", "{n} people have voted.", tally.voters))
    if poll.open_at(now):
        lines.append(
            # A reply shows in the thread, so an anonymous poll asks for buttons only.
            t._(
                "Poll #{id}: vote with the buttons. You can change your vote until it closes.",
                id=poll.id,
            )
            if buttons and poll.anonymous
            else t._(
                "Poll #{id}: vote with the buttons, or reply to this message with an "
                "option's number. You can change your vote until it closes.",
                id=poll.id,
            )
            if buttons
            else t._(
                "Poll #{id}: reply to this message with an option's number to vote, and "
                "again to change it; 0 takes your vote back.",
                id=poll.id,
            )
        )
    return "\n".join(lines)


def card(
    poll: Poll,
    tally: Tally,
    languages: Sequence[str],
    timezone: str,
    caps: Capabilities,
    now: datetime,
) -> Message:
    """The poll's card: the question and options (with counts where everyone may see
    them), what kind of poll it is in every language of the group, and the buttons (or
    a menu, where there are more options than the platform's buttons)."""
    live = poll.visibility == "live"
    if live:
        body = chart(poll, tally)
    else:
        body = "\n".join(f"{n}. {option}" for n, option in enumerate(poll.options, 1))
    text = f"📊 *{poll.question}*\n{body}"
    is_open = poll.open_at(now)

    def compose(t: Translator) -> Message:
        buttons: tuple[Button, ...] = ()
        if is_open and caps.buttons:
            retract = Button(t._("Take back my vote"), RETRACT, str(poll.id))
            if len(poll.options) + 1 <= caps.max_buttons:
                buttons = tuple(
                    Button(_label(n, option), VOTE, f"{poll.id}:{n - 1}")
                    for n, option in enumerate(poll.options, 1)
                )
            buttons += (retract,)
        return Message(
            text=text, footer=_footer(t, poll, tally, timezone, now, caps.buttons), buttons=buttons
        )

    message = in_languages(languages, compose)
    if is_open and caps.buttons and len(poll.options) + 1 > caps.max_buttons:
        first = languages[0] if languages else "en"
        menu = Select(
            action_id=PICK,
            placeholder=translator(first)._("Choose…"),
            options=tuple(
                Choice(f"{poll.id}:{n - 1}", _label(n, option))
                for n, option in enumerate(poll.options, 1)
            ),
            max_values=poll.max_choices,
        )
        message = replace(message, select=menu)
    return message


def _label(n: int, option: str) -> str:
    label = f"{n}. {option}"
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


# -- exports -----------------------------------------------------------------------------

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str) -> str:
    """A cell a spreadsheet will show as text, never run: one starting like a formula
    (=, +, -, @, tab, carriage return) gets a leading apostrophe."""
    return "'" + value if value.startswith(_FORMULA) else value


def export_csv(t: Translator, poll: Poll, tally: Tally, names: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([cell(poll.question)])
    header = [t._("option"), t._("votes"), t._("share")]
    if names:
        header.append(t._("who"))
    writer.writerow(header)
    for index, (option, count) in enumerate(zip(poll.options, tally.counts, strict=True)):
        share = f"{round(100 * count / tally.voters) if tally.voters else 0}%"
        row = [cell(option), str(count), share]
        if names:
            row.append(cell(", ".join(tally.names[index]) if tally.names else ""))
        writer.writerow(row)
    writer.writerow([t._("voters"), str(tally.voters)])
    return out.getvalue()


def _md(value: str) -> str:
    """Text for a Markdown table cell: no pipes or line breaks to break the table."""
    return cell(" ".join(value.split()).replace("|", "\\|"))


def export_markdown(t: Translator, poll: Poll, tally: Tally, names: bool, timezone: str) -> str:
    lines = [f"### {_md(poll.question)}", ""]
    status = (
        t._("closed {when}", when=t.when(poll.closed_at, timezone))
        if poll.closed_at
        else t._("open")
    )
    kind = t._("anonymous") if poll.anonymous else t._("named")
    lines.append(
        t._("Poll #{id}, {kind}, {status}.", id=poll.id, kind=kind, status=status)
        + " "
        + t.ngettext("{n} voter.", "{n} voters.", tally.voters)
    )
    lines.append("")
    header = [t._("option"), t._("votes"), t._("share")] + ([t._("who")] if names else [])
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    for index, (option, count) in enumerate(zip(poll.options, tally.counts, strict=True)):
        share = f"{round(100 * count / tally.voters) if tally.voters else 0}%"
        row = [_md(option), str(count), share]
        if names:
            row.append(_md(", ".join(tally.names[index]) if tally.names else ""))
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)
