"""`poll create/close/results/list/export/stop/creators`: the commands of polls."""

from __future__ import annotations

import base64
import json
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.commands import Args, CommandError, CommandSpec, Option, excerpt, fold, for_role
from bot.context import Context
from bot.directory import Role
from bot.features.polls.model import (
    MAX_OPTION,
    MAX_OPTIONS,
    MAX_QUESTION,
    MIN_OPTIONS,
    Poll,
    Tally,
    sees_results,
)
from bot.features.polls.rendering import export_csv, export_markdown, results_text
from bot.features.polls.service import PollService
from bot.features.polls.store import FEATURE, REPEAT
from bot.i18n import N_, NP_
from bot.intents import Attachment, DirectMessage, Intent, Message
from bot.recurrence import every_option, repeating_from, wall_instant
from bot.refs import MemberRef

# Options are separated by the first of these the list contains: a semicolon is on
# every phone's first page of symbols; | and new lines work too, and commas when no
# other separator is used ("Mon, Tue, Wed").
SEPARATORS = ("\n", ";", "|", ",")
END_OF_DAY = time(23, 59)


def polls_of(ctx: Context) -> PollService:
    assert isinstance(ctx.own, PollService), "a polls handler runs with the polls state"
    return ctx.own


def runs(ctx: Context, poll: Poll) -> bool:
    """The poll's creator and organizers run it: they close it and see every result."""
    return ctx.member.id == poll.created_by or ctx.may(Role.ORGANIZER)


def split_options(raw: str) -> list[str]:
    """The options a member typed, split at the first separator the text has."""
    raw = raw.strip()
    separator = next((s for s in SEPARATORS if s in raw), None)
    parts = raw.split(separator) if separator else [raw]
    return [" ".join(part.split()) for part in parts]


def check_options(options: list[str]) -> list[str]:
    """The options, or a kind, specific refusal: too few, too many, empty, too long or
    twice the same."""
    if len(options) > 1 and any(not o for o in options):
        if len([o for o in options if o]) >= MIN_OPTIONS and not options[-1] and all(options[:-1]):
            options = options[:-1]  # "Mon; Tue;": a separator at the end is no option
        else:
            raise CommandError(
                N_(
                    "One of the options is empty (two separators in a row?). Please write "
                    "each option between semicolons, like “Mon; Tue; Wed”."
                ),
                option="options",
            )
    options = [o for o in options if o]
    if len(options) < MIN_OPTIONS:
        raise CommandError(
            N_(
                "A poll needs at least 2 options, and I found only one: “{option}”. "
                "Separate them with semicolons or commas, like “Mon; Tue; Wed”."
            ),
            {"option": options[0] if options else ""},
            "options",
        )
    if len(options) > MAX_OPTIONS:
        raise CommandError(
            N_("A poll can have at most {most} options, and this one has {n}."),
            {"most": str(MAX_OPTIONS), "n": str(len(options))},
            "options",
        )
    seen: dict[str, str] = {}
    for option in options:
        if len(option) > MAX_OPTION:
            raise CommandError(
                N_("An option can be at most {most} characters long; “{option}” has {n}."),
                {"most": str(MAX_OPTION), "option": option, "n": str(len(option))},
                "options",
            )
        key = fold(option)
        if key in seen:
            raise CommandError(
                N_("“{option}” is in the options twice. Each option needs to be different."),
                {"option": option},
                "options",
            )
        seen[key] = option
    return options


def _deadline(ctx: Context, args: Args) -> datetime | None:
    """When the poll closes: `closes` after now, or `close-on` (and `close-at`) in the
    community's time zone; None when it stays open until closed."""
    now = ctx.kernel.clock.now()
    after = args.duration("closes")
    day, at = args.date("close-on"), args.time("close-at")
    if after is not None and (day is not None or at is not None):
        raise CommandError(
            N_(
                "Please give either “{closes}” (like 3d) or a date and time with “{on}” and "
                "“{at}”, not both."
            ),
            {
                "closes": ctx.t.option_name("closes"),
                "on": ctx.t.option_name("close-on"),
                "at": ctx.t.option_name("close-at"),
            },
            "closes",
        )
    if after is not None:
        return now + after
    if day is None and at is None:
        return None
    zone = ctx.community.timezone
    local_today = now.astimezone(ZoneInfo(zone)).date()
    when = wall_instant(day or local_today, at or END_OF_DAY, zone)
    if when <= now:
        raise CommandError(
            N_("That closing time, {when}, has already passed. Please choose one in the future."),
            {"when": ctx.t.when(when, zone)},
            "close-on" if day is not None else "close-at",
        )
    return when


def _number_of(args: Args, name: str) -> int | None:
    value = args.values.get(name)
    return value if isinstance(value, int) else None


async def create(ctx: Context, args: Args) -> list[Intent]:
    service = polls_of(ctx)
    channel = args.channel("channel") or ctx.conversation.channel_only()
    if not ctx.may(Role.ORGANIZER) and await service.store.organizers_only(channel):
        raise CommandError(
            N_("In {channel}, only organizers create polls. You could ask one of them to run it."),
            {"channel": f"<#{channel.channel}>"},
        )
    question = " ".join((args.text("question") or "").split())
    if len(question) > MAX_QUESTION:
        raise CommandError(
            N_("A question can be at most {most} characters long; this one has {n}."),
            {"most": str(MAX_QUESTION), "n": str(len(question))},
            "question",
        )
    options = check_options(split_options(args.text("options") or ""))
    max_choices = _number_of(args, "max-choices") or 1
    if max_choices > len(options):
        raise CommandError(
            N_(
                "“{option}” is {n}, but the poll has only {count} options. Please choose "
                "{count} or fewer."
            ),
            {
                "option": ctx.t.option_name("max-choices"),
                "n": str(max_choices),
                "count": str(len(options)),
            },
            "max-choices",
        )
    closes_at = _deadline(ctx, args)
    now = ctx.kernel.clock.now()
    remind = args.duration("remind")
    remind_at = None
    if remind is not None:
        if closes_at is None:
            raise CommandError(
                N_(
                    "A reminder comes before the poll closes, so it needs a closing time: "
                    "add “{closes}”, like {closes}=3d."
                ),
                {"closes": ctx.t.option_name("closes")},
                "remind",
            )
        remind_at = closes_at - remind
        if remind_at <= now:
            raise CommandError(
                N_(
                    "The reminder would go out before the poll starts. Please choose a "
                    "shorter time before the close than the poll is open."
                ),
                option="remind",
            )
    if not await ctx.kernel.channels.can_post(channel):
        raise CommandError(
            N_(
                "I can't post in {channel} yet. Please invite me there, or let me send "
                "messages in it, then try again."
            ),
            {"channel": f"<#{channel.channel}>"},
            option="channel",
        )
    every = args.text("every")
    settings = {
        "question": question,
        "options": options,
        "anonymous": bool(args.values.get("anonymous")),
        "max_choices": max_choices,
        "visibility": args.text("results") or "live",
    }
    store = service.store
    async with ctx.kernel.engine.begin() as conn:
        series_id = None
        recurrence = None
        if every is not None:
            recurrence = repeating_from(ctx.kernel.clock.now(), ctx.community.timezone, every)
            template = {
                **settings,
                "open_for": (closes_at - now).total_seconds() if closes_at else None,
                "remind_before": remind.total_seconds() if remind else None,
            }
            series_id = await store.add_series(
                conn,
                {
                    "community_id": ctx.community.id,
                    "channel": channel.channel,
                    "template": json.dumps(template, ensure_ascii=False),
                    "created_by": ctx.member.id,
                    **recurrence.as_columns(),
                    "status": "active",
                    "created_at": now,
                },
            )
            following = recurrence.following(recurrence.start)
            await store.timers.set(conn, FEATURE, REPEAT, str(series_id), recurrence.due(following))
        poll = await store.insert(
            conn,
            channel,
            question=question,
            options=options,
            anonymous=bool(settings["anonymous"]),
            max_choices=max_choices,
            visibility=str(settings["visibility"]),
            created_by=ctx.member.id,
            closes_at=closes_at,
            remind_at=remind_at,
            series_id=series_id,
        )
        post = await service.card_post(conn, poll, ctx.community)
    store.timers.wake()
    done = ctx.t._(
        "Poll #{id} is posted in {channel}.", id=poll.id, channel=f"<#{channel.channel}>"
    )
    if recurrence is not None:
        done += " " + ctx.t._(
            "It is asked again {rhythm}; “poll stop {id}” ends that.",
            rhythm=recurrence.describe(ctx.t),
            id=poll.id,
        )
    return [post, ctx.reply(done)]


async def find(ctx: Context, args: Args) -> Poll:
    raw = args.values.get("id")
    poll = (
        await polls_of(ctx).store.get(raw, ctx.conversation)
        if isinstance(raw, int) and 0 < raw < 2**31
        else None
    )
    if poll is None:
        raise CommandError(
            N_("There's no poll #{id} here. “poll list” shows the open ones."),
            {"id": excerpt(str(raw), 20)},
            "id",
        )
    return poll


async def close(ctx: Context, args: Args) -> list[Intent]:
    poll = await find(ctx, args)
    if not runs(ctx, poll):
        raise CommandError(
            N_("Only the poll's creator or an organizer can close poll #{id}."),
            {"id": str(poll.id)},
        )
    if not poll.is_open:
        return [
            ctx.reply(ctx.t._("Poll #{id} is already closed. Nothing was changed.", id=poll.id))
        ]
    service = polls_of(ctx)
    async with ctx.kernel.engine.begin() as conn:
        intents = await service.close(conn, poll, ctx.community)
        staged = await ctx.kernel.outbox.stage(conn, intents)
    ctx.kernel.outbox.release(staged)
    return [ctx.reply(ctx.t._("Poll #{id} is closed, and its results are posted.", id=poll.id))]


async def results(ctx: Context, args: Args) -> list[Intent]:
    poll = await find(ctx, args)
    store = polls_of(ctx).store
    now = ctx.kernel.clock.now()
    async with ctx.kernel.engine.connect() as conn:
        voted = bool(await store.choices_of(conn, poll, store.voter_key(poll, ctx.member)))
        tally = await store.tally(conn, poll, names=True)
    seen = sees_results(poll, runs_it=runs(ctx, poll), voted=voted, now=now)
    # Not kept once delivered: what the results say to whom may tell whether they voted.
    said = (
        _hidden(ctx, poll) if seen == "none" else results_text(ctx.t, poll, tally, seen, names=True)
    )
    return [ctx.reply(Message(text=said, keep_copy=False))]


def _hidden(ctx: Context, poll: Poll) -> str:
    return {
        "after-vote": ctx.t._(
            "You'll see the results of poll #{id} once you have voted.", id=poll.id
        ),
        "after-close": ctx.t._("The results of poll #{id} are shown when it closes.", id=poll.id),
        "organizers": ctx.t._(
            "The results of poll #{id} are for the organizers and its creator.", id=poll.id
        ),
        "winner-only": ctx.t._(
            "Poll #{id} shows only its winning option, once it closes.", id=poll.id
        ),
    }.get(poll.visibility, "")


async def list_polls(ctx: Context, args: Args) -> list[Intent]:
    """The open polls, and recurring ones between two times (their last poll closed,
    the next not asked yet) with the number `poll stop` takes, so they can be stopped
    at any time, as `chat list` shows recurring chats."""
    channel = ctx.conversation.channel_only()
    store = polls_of(ctx).store
    found = await store.open_in(channel)
    waiting = await store.waiting_series(channel)
    if not found and not waiting:
        return [ctx.reply(ctx.t._("No poll is open here. “poll create” starts one."))]
    zone = ctx.timezone
    lines = [
        f"#{p.id} {p.question} · "
        + (
            ctx.t._("closes {when}", when=ctx.t.when(p.closes_at, zone))
            if p.closes_at
            else ctx.t._("open until closed")
        )
        + (" · " + ctx.t._("recurring") if p.series_id is not None else "")
        for p in found
    ]
    lines += [
        ctx.t._(
            "#{id} {question} · asked again {when}",
            id=latest,
            question=question,
            when=ctx.t.when(due_at, zone),
        )
        for question, latest, due_at in waiting
    ]
    footer = None
    if waiting or any(p.series_id is not None for p in found):
        footer = ctx.t._("“poll stop N” stops recurring poll #N from being asked again.")
    return [ctx.reply(Message(title=ctx.t._("Polls"), text="\n".join(lines), footer=footer))]


async def export(ctx: Context, args: Args) -> list[Intent]:
    poll = await find(ctx, args)
    store = polls_of(ctx).store
    runs_it = runs(ctx, poll)
    if not poll.anonymous and not runs_it:
        raise CommandError(
            N_(
                "Poll #{id} is a named poll, so its export lists who chose what: only its "
                "creator or an organizer can export it. “poll results {id}” shows what you "
                "may see."
            ),
            {"id": str(poll.id)},
        )
    now = ctx.kernel.clock.now()
    async with ctx.kernel.engine.connect() as conn:
        voted = bool(await store.choices_of(conn, poll, store.voter_key(poll, ctx.member)))
        tally = await store.tally(conn, poll, names=True)
    if sees_results(poll, runs_it=runs_it, voted=voted, now=now) != "all":
        return [ctx.reply(Message(text=_hidden(ctx, poll), keep_copy=False))]
    names = not poll.anonymous
    if names:  # display names for the minutes, not platform IDs
        people = ctx.kernel.directory.people
        shown: dict[str, str] = {}
        for voter in {v for chosen in tally.names for v in chosen}:
            ref = MemberRef(poll.where.platform, poll.where.community, voter)
            found = await people.find(ref)
            shown[voter] = found.name if found else voter
        tally = Tally(
            tally.counts, tally.voters, tuple(tuple(shown[v] for v in c) for c in tally.names)
        )
    return _export_file(ctx, poll, tally, names, args.text("format") or "csv")


def _export_file(ctx: Context, poll: Poll, tally: Tally, names: bool, kind: str) -> list[Intent]:
    """The export as a file by direct message, as `me export` and `digest export` send
    theirs: a CSV pasted into the reply box had to be copied out line by line before a
    spreadsheet could open it. A one-line reply says where it went."""
    t = ctx.t
    markdown = kind == "markdown"
    if markdown:
        body = export_markdown(t, poll, tally, names, ctx.timezone)
        about = t._("Poll #{id}, as a Markdown file for the minutes.", id=poll.id)
    else:
        body = export_csv(t, poll, tally, names)
        about = t._("Poll #{id}, as a CSV file any spreadsheet opens.", id=poll.id)
    name = f"poll-{poll.id}-{ctx.kernel.clock.now():%Y%m%d}.{'md' if markdown else 'csv'}"
    title = t._("Poll #{id} export", id=poll.id)
    data = (body.rstrip("\n") + "\n").encode()  # a text file ends with its last line's end
    file = Attachment(base64.b64encode(data).decode(), name, title)
    return [
        DirectMessage(
            member=ctx.member,
            message=Message(title=title, text=about, attachment=file, keep_copy=False),
            asked=True,
        ),
        ctx.reply(
            Message(
                t._("I've sent poll #{id}'s export to you in a direct message.", id=poll.id),
                keep_copy=False,
            )
        ),
    ]


async def stop(ctx: Context, args: Args) -> list[Intent]:
    poll = await find(ctx, args)
    if not runs(ctx, poll):
        raise CommandError(
            N_("Only the poll's creator or an organizer can stop poll #{id} repeating."),
            {"id": str(poll.id)},
        )
    store = polls_of(ctx).store
    if poll.series_id is None:
        return [ctx.reply(ctx.t._("Poll #{id} doesn't repeat. Nothing was changed.", id=poll.id))]
    await store.stop_series(poll.series_id)
    if poll.status != "open":  # stopped between two times, from `poll list`
        return [ctx.reply(ctx.t._("Poll #{id} won't be asked again.", id=poll.id))]
    return [
        ctx.reply(
            ctx.t._(
                "Poll #{id} won't be asked again. This one stays open until it closes.", id=poll.id
            )
        )
    ]


async def creators(ctx: Context, args: Args) -> list[Intent]:
    channel = args.channel("channel") or ctx.conversation.channel_only()
    only = args.text("allow") == "organizers"
    await polls_of(ctx).store.set_organizers_only(channel, only)
    where = f"<#{channel.channel}>"
    return [
        ctx.reply(
            ctx.t._("In {channel}, only organizers can create polls now.", channel=where)
            if only
            else ctx.t._("In {channel}, any member can create polls now.", channel=where)
        )
    ]


ID = Option(NP_("option", "id"), "int", N_("The poll's number, from “poll list”"), required=True)

CREATE_OPTIONS = (
    Option(
        NP_("option", "question"),
        "text",
        N_("The question, like “When shall we meet?”"),
        required=True,
        rest=True,
    ),
    Option(
        NP_("option", "options"),
        "text",
        N_("2 to 25 options, separated by semicolons: “Mon; Tue; Wed”"),
        required=True,
    ),
    Option(
        NP_("option", "max-choices"),
        "int",
        N_("How many options each person may choose (1 if left out)"),
        between=(1, MAX_OPTIONS),
    ),
    Option(NP_("option", "anonymous"), "bool", N_("Leave voters' names off (yes or no)")),
    Option(
        NP_("option", "results"),
        "choice",
        N_("Who sees the results, and when"),
        choices=(
            NP_("choice", "live"),
            NP_("choice", "after-vote"),
            NP_("choice", "after-close"),
            NP_("choice", "organizers"),
            NP_("choice", "winner-only"),
        ),
    ),
    Option(NP_("option", "closes"), "duration", N_("Close after this long, like 3d or 12h")),
    Option(NP_("option", "close-on"), "date", N_("Or close on this date, like 2026-10-05")),
    Option(
        NP_("option", "close-at"),
        "time",
        N_("At this time on that date (23:59 if left out), like 19:00"),
    ),
    Option(
        NP_("option", "remind"),
        "duration",
        N_("Remind those who haven't voted this long before it closes, like 1d"),
    ),
    every_option(N_("Ask it again every week, 2 or 3 weeks, or month")),
    Option(NP_("option", "channel"), "channel", N_("Where to post it (here if left out)")),
)

EXPORT_OPTIONS = (
    ID,
    Option(
        NP_("option", "format"),
        "choice",
        N_("csv or markdown (csv if left out)"),
        choices=(NP_("choice", "csv"), NP_("choice", "markdown")),
    ),
)
CREATORS_OPTIONS = (
    Option(
        NP_("option", "allow"),
        "choice",
        N_("everyone or organizers"),
        required=True,
        choices=(NP_("choice", "everyone"), NP_("choice", "organizers")),
    ),
    Option(NP_("option", "channel"), "channel", N_("The group (here if left out)")),
)

COMMANDS = (
    CommandSpec(
        "poll create",
        N_("Ask the group a question with options to vote on"),
        create,
        CREATE_OPTIONS,
        shares_content=True,
        left_out=N_(
            "As it is, the poll is named (not anonymous), takes one choice each, shows "
            "results live, stays open until it is closed, and is posted here. To change "
            "that, write it like “anonymous=yes closes=3d results=after-close”."
        ),
    ),
    CommandSpec("poll close", N_("Close a poll and post its results"), close, (ID,)),
    CommandSpec("poll results", N_("See a poll's results, as far as you may"), results, (ID,)),
    CommandSpec("poll list", N_("See the open polls of this group"), list_polls),
    CommandSpec(
        "poll export",
        N_("A poll's results as CSV or Markdown, for meeting minutes"),
        export,
        EXPORT_OPTIONS,
    ),
    CommandSpec("poll stop", N_("Stop a recurring poll from being asked again"), stop, (ID,)),
    *for_role(
        Role.ORGANIZER,
        CommandSpec(
            "poll creators",
            N_("Who may create polls in a group: everyone, or organizers only"),
            creators,
            CREATORS_OPTIONS,
        ),
    ),
)
