"""`chat start/next/extend/end/list`: organizers run a live chat in a group. Times are
typed and shown in the community's zone, and each reader can see them in their own."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.commands import Args, CommandError, CommandSpec, Option, fold, for_role, parse_duration
from bot.context import Context
from bot.directory import Role
from bot.features.chats import store
from bot.features.chats.state import chats_of
from bot.features.chats.store import FEATURE, REPEAT, STEP, Chat, occurrence, recurrence_of
from bot.features.chats.timed import ANNOUNCE_AHEAD
from bot.i18n import N_, NP_, translator
from bot.intents import Intent, Message
from bot.recurrence import every_option, repeating_from, wall_instant
from bot.refs import ConversationRef

MAX_QUESTIONS = 20
MAX_QUESTION = 500
DEFAULT_INTERVAL = timedelta(minutes=10)
MAX_INTERVAL = timedelta(hours=2)
DEFAULT_EXTEND = timedelta(minutes=5)
_SEPARATORS = ("\n", ";", "|")
_NOW = ("now", "ahora")


def split_questions(raw: str) -> list[str]:
    """The questions typed, split at the first separator the text has (a question
    may hold commas)."""
    separator = next((s for s in _SEPARATORS if s in raw), None)
    parts = raw.split(separator) if separator else [raw]
    return [" ".join(p.split()) for p in parts if p.strip()]


async def _questions(ctx: Context, raw: str) -> tuple[str, list[str]]:
    """The chat's title and questions: a series' prompts, or the questions typed."""
    found = await chats_of(ctx).series(raw.strip().lower(), ctx)
    if found is not None:
        return found
    questions = split_questions(raw)
    if not questions:
        raise CommandError(
            N_(
                "A chat needs at least one question. Type them separated by semicolons, "
                "like “What helps mornings?; How do you plan the week?”, or name a series."
            ),
            option="questions",
        )
    if len(questions) > MAX_QUESTIONS:
        raise CommandError(
            N_("A chat can have at most {most} questions, and this one has {n}."),
            {"most": str(MAX_QUESTIONS), "n": str(len(questions))},
            "questions",
        )
    for question in questions:
        if len(question) > MAX_QUESTION:
            raise CommandError(
                N_("A question can be at most {most} characters long; this one has {n}."),
                {"most": str(MAX_QUESTION), "n": str(len(question))},
                "questions",
            )
    return "", questions


_AT = re.compile(
    r"(?:(?P<day>\d{4}-\d{2}-\d{2})|(?P<weekday>[^\W\d_]+\.?))?[ T]*"
    r"(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?"
)
_WIDTHS: tuple[Literal["wide", "abbreviated"], ...] = ("wide", "abbreviated")
_UNREADABLE = N_(
    "I can't read “{value}” as a start time. Use “now”, a time like 19:00, a weekday and "
    "time like “tue 20:00”, or a date and time like 2026-12-01 19:00."
)


def _weekday(ctx: Context, word: str) -> int | None:
    """Monday (0) to Sunday (6) from a day's name or its short form, in English or the
    reader's language ("tue", "Tuesday", "martes", "mar")."""
    wanted = fold(word).rstrip(".")
    for language in dict.fromkeys(("en", ctx.t.language)):
        t = translator(language)
        for day in range(7):
            for width in _WIDTHS:
                if fold(t.weekday(day, width)).rstrip(".") == wanted:
                    return day
    return None


def _start(ctx: Context, raw: str | None) -> datetime | None:
    """When the chat starts: None for now, else an instant from "19:00" (today), "tue
    20:00" (the next Tuesday, today included if the time is to come) or "2026-12-01
    19:00", in the community's zone; never in the past."""
    if raw is None or raw.strip().lower() in _NOW:
        return None
    match = _AT.fullmatch(raw.strip())
    if match is None or int(match["hour"]) > 23 or int(match["minute"] or 0) > 59:
        raise CommandError(_UNREADABLE, {"value": raw}, "at")
    zone = ctx.community.timezone
    now = ctx.kernel.clock.now()
    today = now.astimezone(ZoneInfo(zone)).date()
    at = time(int(match["hour"]), int(match["minute"] or 0))
    if match["weekday"]:
        weekday = _weekday(ctx, match["weekday"])
        if weekday is None:
            raise CommandError(_UNREADABLE, {"value": raw}, "at")
        day = today + timedelta(days=(weekday - today.weekday()) % 7)
        if wall_instant(day, at, zone) <= now:
            day += timedelta(days=7)
        return wall_instant(day, at, zone)
    try:
        day = date.fromisoformat(match["day"]) if match["day"] else today
    except ValueError:
        raise CommandError(_UNREADABLE, {"value": raw}, "at") from None
    when = wall_instant(day, at, zone)
    if when <= now:
        raise CommandError(
            N_(
                "That start time, {when}, has already passed. Please choose a time to come, "
                "or “now”."
            ),
            {"when": ctx.t.when(when, zone)},
            "at",
        )
    return when


def _interval(raw: str | None) -> timedelta:
    """Minutes between questions: "10", "10m", "15 minutes"; more than none, at most two
    hours."""
    if raw is None:
        return DEFAULT_INTERVAL
    text = raw.strip()
    try:
        length = (
            timedelta(minutes=int(text)) if text.isdigit() else parse_duration(text, "interval")
        )
    except CommandError:
        length = timedelta(0)
    if length < timedelta(minutes=1):
        raise CommandError(
            N_(
                "The interval between questions needs to be at least one minute, like "
                "interval=10 (minutes). “{value}” isn't."
            ),
            {"value": raw},
            "interval",
        )
    if length > MAX_INTERVAL:
        raise CommandError(
            N_("The interval between questions can be at most two hours; “{value}” is longer."),
            {"value": raw},
            "interval",
        )
    return length


async def _can_post(ctx: Context, channel: ConversationRef) -> None:
    if not await ctx.kernel.channels.can_post(channel):
        raise CommandError(
            N_(
                "I can't post in {channel} yet. Please invite me there, or let me send "
                "messages in it, then try again."
            ),
            {"channel": f"<#{channel.channel}>"},
            option="channel",
        )


async def start(ctx: Context, args: Args) -> list[Intent]:
    chats = chats_of(ctx)
    channel = args.channel("channel") or ctx.conversation.channel_only()
    title, questions = await _questions(ctx, args.text("questions") or "")
    starts_at = _start(ctx, args.text("at"))
    interval = _interval(args.text("interval"))
    until = args.date("until")
    every = args.text("every")
    if until is not None and every is None:
        raise CommandError(
            N_(
                "“{until}” is the last date a recurring chat may take place, so it goes with "
                "“{every}”, like {every}=week."
            ),
            {"until": ctx.t.option_name("until"), "every": ctx.t.option_name("every")},
            "until",
        )
    now = ctx.kernel.clock.now()
    first = starts_at or now
    if until is not None and first.astimezone(ZoneInfo(ctx.community.timezone)).date() > until:
        raise CommandError(
            N_("The last date {until} comes before the chat's first day. Please check them."),
            {"until": ctx.t.day(until)},
            "until",
        )
    await _can_post(ctx, channel)
    async with ctx.kernel.engine.connect() as conn:
        running = await store.in_channel(conn, channel, ("running",))
    if running and starts_at is None:
        raise CommandError(
            N_(
                "A live chat is already running in {channel}. “chat end” ends it; then you "
                "can start another."
            ),
            {"channel": f"<#{channel.channel}>"},
        )
    template = {
        "title": title,
        "questions": questions,
        "intro": args.text("intro"),
        "wrap_up": args.text("wrap-up"),
        "interval_s": int(interval.total_seconds()),
        "missed": args.text("missed") or "post",
    }
    intents: list[Intent] = []
    async with ctx.kernel.engine.begin() as conn:
        series_id = None
        recurrence = None
        if every is not None:
            recurrence = repeating_from(first, ctx.community.timezone, every)
            series_id = await store.add_series(
                conn,
                {
                    "community_id": ctx.community.id,
                    "channel": channel.channel,
                    "template": json.dumps(template, ensure_ascii=False),
                    "created_by": ctx.member.id,
                    **recurrence.as_columns(),
                    "end_date": until.isoformat() if until else None,
                    "status": "active",
                    "created_at": now,
                },
            )
            following = recurrence.following(recurrence.start)
            if until is None or following <= until:
                announce_at = max(now, recurrence.due(following) - ANNOUNCE_AHEAD)
                await ctx.kernel.timers.set(conn, FEATURE, REPEAT, str(series_id), announce_at)
        chat = await chats.create(conn, channel, template, ctx.member.id, first, now, series_id)
        if starts_at is None:
            intents += await chats.service.step(conn, chat, now)
        else:
            intents.append(await chats.service.announce(chat, questions))
            await ctx.kernel.timers.set(conn, FEATURE, STEP, str(chat.id), first)
        staged = await ctx.kernel.outbox.stage(conn, intents)
    ctx.kernel.outbox.release(staged)
    ctx.kernel.timers.wake()
    where = f"<#{channel.channel}>"
    done = (
        ctx.t.ngettext(
            "Chat #{id} has started in {channel} with one question.",
            "Chat #{id} has started in {channel} with {n} questions.",
            len(questions),
            id=chat.id,
            channel=where,
        )
        if starts_at is None
        else ctx.t.ngettext(
            "Chat #{id} with one question is announced in {channel} and starts {when}.",
            "Chat #{id} with {n} questions is announced in {channel} and starts {when}.",
            len(questions),
            id=chat.id,
            channel=where,
            when=ctx.t.when(first, ctx.timezone),
        )
    )
    if recurrence is not None:
        done += " " + ctx.t._("It takes place again {rhythm}.", rhythm=recurrence.describe(ctx.t))
        if until is not None:
            done += " " + ctx.t._("The last time is on or before {day}.", day=ctx.t.day(until))
    return [ctx.reply(done)]


async def _running(ctx: Context, args: Args) -> Chat:
    channel = args.channel("channel") or ctx.conversation.channel_only()
    async with ctx.kernel.engine.connect() as conn:
        running = await store.in_channel(conn, channel, ("running",))
    if not running:
        raise CommandError(
            N_(
                "No live chat is running in {channel} right now. “chat start” starts one, "
                "and “chat list” shows those to come."
            ),
            {"channel": f"<#{channel.channel}>"},
        )
    return running[0]


async def next_question(ctx: Context, args: Args) -> list[Intent]:
    chat = await _running(ctx, args)
    now = ctx.kernel.clock.now()
    async with ctx.kernel.engine.begin() as conn:
        intents = await chats_of(ctx).service.step(conn, chat, now)
        staged = await ctx.kernel.outbox.stage(conn, intents)
    ctx.kernel.outbox.release(staged)
    ctx.kernel.timers.wake()
    if not intents:  # the timer (or another moderator) moved it on at this very moment
        return [ctx.reply(ctx.t._("Chat #{id} has just moved on by itself.", id=chat.id))]
    if chat.posted >= chat.total:
        return [
            ctx.reply(ctx.t._("That was the last question, so chat #{id} has ended.", id=chat.id))
        ]
    return [ctx.reply(ctx.t._("Q{n} of chat #{id} is posted.", n=chat.posted + 1, id=chat.id))]


async def extend(ctx: Context, args: Args) -> list[Intent]:
    chat = await _running(ctx, args)
    raw = args.values.get("minutes")  # 1 to 120 (the option's `between`)
    more = timedelta(minutes=raw) if isinstance(raw, int) else DEFAULT_EXTEND
    now = ctx.kernel.clock.now()
    next_at = max(chat.next_at or now, now) + more
    async with ctx.kernel.engine.begin() as conn:
        await store.save(conn, chat.id, next_at=next_at)
        await ctx.kernel.timers.set(conn, FEATURE, STEP, str(chat.id), next_at)
    ctx.kernel.timers.wake()
    said = (
        N_("Chat #{id} ends {when}.")
        if chat.posted >= chat.total
        else N_("The next question of chat #{id} comes {when}.")
    )
    return [ctx.reply(ctx.t._(said, id=chat.id, when=ctx.t.when(next_at, ctx.timezone)))]


async def end(ctx: Context, args: Args) -> list[Intent]:
    chat = await _running(ctx, args)
    now = ctx.kernel.clock.now()
    async with ctx.kernel.engine.begin() as conn:
        intents = await chats_of(ctx).service.end(conn, chat, now)
        staged = await ctx.kernel.outbox.stage(conn, intents)
    ctx.kernel.outbox.release(staged)
    return [ctx.reply(ctx.t._("Chat #{id} has ended. Thank you for moderating!", id=chat.id))]


async def cancel_series(ctx: Context, raw: object) -> list[Intent]:
    """`chat cancel series=N`: a recurring chat stopped at any time, between its dates
    too (when no chat of it is planned yet, so no chat number could be given)."""
    async with ctx.kernel.engine.begin() as conn:
        series = None
        if isinstance(raw, int) and 0 < raw < 2**31:
            series = await store.series_in(conn, raw, ctx.conversation)
        if series is None:
            raise CommandError(
                N_("There's no recurring chat {series} here. “chat list” shows those to come."),
                {"series": str(raw)[:20]},
                "series",
            )
        where = ConversationRef(
            ctx.conversation.platform, ctx.conversation.community, series.channel
        )
        stopped = await chats_of(ctx).service.stop_series(conn, series, where)
        if stopped is None:
            raise CommandError(
                N_("Recurring chat {series} has no chat to come. Nothing was changed."),
                {"series": str(series.id)},
            )
        staged = await ctx.kernel.outbox.stage(conn, stopped.intents)
    ctx.kernel.outbox.release(staged)
    said = (
        ctx.t._(
            "Recurring chat {series} is stopped: none of its chats to come will take place.",
            series=series.id,
        )
        if stopped.upcoming is None
        else ctx.t.ngettext(
            "Recurring chat {series} is stopped: its one chat to come is called off.",
            "Recurring chat {series} is stopped: its {n} chats to come are called off.",
            stopped.upcoming,
            series=series.id,
        )
    )
    if stopped.intents:
        said += " " + ctx.t._("The group is told.")
    last = stopped.last_held
    if last is None:
        said += " " + ctx.t._("None of its chats had taken place yet.")
    elif last.status == "running":
        said += " " + ctx.t._("Chat #{id}, running now, ends as planned.", id=last.id)
    else:
        said += " " + ctx.t._(
            "The last one held was chat #{id}, {when}.",
            id=last.id,
            when=ctx.t.when(last.starts_at, ctx.timezone),
        )
    return [ctx.reply(said)]


async def cancel(ctx: Context, args: Args) -> list[Intent]:
    raw = args.values.get("id")
    if "series" in args.values:
        if raw is not None:
            raise CommandError(
                N_("Please give a chat's number or “{series}”, not both."),
                {"series": f"{ctx.t.option_name('series')}="},
                "series",
            )
        return await cancel_series(ctx, args.values["series"])
    if raw is None:
        raise CommandError(
            N_(
                "Which chat? Give its number, or “{series}” and a number for a recurring "
                "chat; “chat list” shows both."
            ),
            {"series": f"{ctx.t.option_name('series')}="},
            "id",
        )
    chat = None
    if isinstance(raw, int) and 0 < raw < 2**31:
        async with ctx.kernel.engine.connect() as conn:
            chat = await store.get(conn, raw, ctx.conversation)
    if chat is None:
        raise CommandError(
            N_("There's no chat #{id} here. “chat list” shows those to come."),
            {"id": str(raw)[:20]},
            "id",
        )
    if chat.status == "running":
        raise CommandError(
            N_("Chat #{id} is running now; “chat end” ends it."), {"id": str(chat.id)}
        )
    now = ctx.kernel.clock.now()
    async with ctx.kernel.engine.begin() as conn:
        intents = await chats_of(ctx).service.cancel(conn, chat, now)
        staged = await ctx.kernel.outbox.stage(conn, intents or [])
    ctx.kernel.outbox.release(staged)
    if intents is None:
        raise CommandError(
            N_("Chat #{id} is already over. Nothing was changed."), {"id": str(chat.id)}
        )
    said = ctx.t._("Chat #{id} is called off, and the group is told.", id=chat.id)
    if chat.series_id is not None:
        said += " " + ctx.t._("It won't take place again.")
    return [ctx.reply(said)]


async def list_chats(ctx: Context, args: Args) -> list[Intent]:
    """Chats running or planned, and recurring chats between two occurrences (whose next
    row is made only a day ahead) with the date of the next, in time order."""
    async with ctx.kernel.engine.connect() as conn:
        found = await store.in_community(conn, ctx.conversation, ("scheduled", "running"))
        between = await store.repeating_between(conn, ctx.conversation)
    if not found and not between:
        # Only organizers may start one, so only they are pointed at "chat start".
        none = (
            N_("No live chat is running or planned. “chat start” starts one.")
            if ctx.may(Role.ORGANIZER)
            else N_("No live chat is running or planned.")
        )
        return [ctx.reply(ctx.t._(none))]
    lines: list[tuple[datetime, str]] = []
    repeating = bool(between)
    for chat in found:
        where = f"<#{chat.where.channel}>"
        if chat.status == "running":
            line = ctx.t._(
                "#{id} in {channel}: running, {posted} of {total} questions posted",
                id=chat.id,
                channel=where,
                posted=chat.posted,
                total=chat.total,
            )
        else:
            line = ctx.t._(
                "#{id} in {channel}: starts {when}, {total} questions",
                id=chat.id,
                channel=where,
                when=ctx.t.when(chat.starts_at, ctx.timezone),
                total=chat.total,
            )
        if chat.series_id is not None:
            line += " " + ctx.t._("(recurring chat {series})", series=chat.series_id)
            repeating = True
        lines.append((chat.starts_at, line))
    for series, announce_at in between:
        recurrence = recurrence_of(series)
        starts_at = recurrence.due(occurrence(recurrence, announce_at))
        line = ctx.t._(
            "Recurring chat {series} in {channel}, {rhythm}: next {when}, {total} questions",
            series=series.id,
            channel=f"<#{series.channel}>",
            rhythm=recurrence.describe(ctx.t),
            when=ctx.t.when(starts_at, ctx.timezone),
            total=len(json.loads(series.template)["questions"]),
        )
        lines.append((starts_at, line))
    lines.sort(key=lambda pair: pair[0])
    text = "\n".join(line for _, line in lines)
    footer = None
    if repeating:
        footer = ctx.t._(
            "“chat cancel {series}N” stops recurring chat N for good.",
            series=f"{ctx.t.option_name('series')}=",
        )
    return [ctx.reply(Message(title=ctx.t._("Live chats"), text=text, footer=footer))]


async def show_time(ctx: Context, value: str) -> list[Intent]:
    """The announcement's button: the chat's start in the reader's own zone."""
    chat_id = int(value) if value.isdigit() and len(value) < 10 else 0
    async with ctx.kernel.engine.connect() as conn:
        chat = await store.get(conn, chat_id, ctx.conversation)
    if chat is None:
        raise CommandError(N_("That chat is no longer planned. Nothing was changed."))
    return [
        ctx.reply(
            ctx.t._(
                "Chat #{id} starts {when} in your time ({zone}).",
                id=chat.id,
                when=ctx.t.when(chat.starts_at, ctx.timezone),
                zone=ctx.timezone,
            )
        )
    ]


CHANNEL = Option(NP_("option", "channel"), "channel", N_("The group's channel (here if left out)"))

START_OPTIONS = (
    Option(
        NP_("option", "questions"),
        "text",
        N_("A series, or the questions separated by semicolons: “What helps mornings?; …”"),
        required=True,
    ),
    CHANNEL,
    Option(
        NP_("option", "at"),
        "str",
        N_("When it starts: now, 19:00, tue 20:00, or 2026-12-01 19:00"),
    ),
    Option(NP_("option", "interval"), "str", N_("Minutes between questions (10 if left out)")),
    Option(NP_("option", "intro"), "text", N_("A few words to open the chat")),
    Option(NP_("option", "wrap-up"), "text", N_("A few words to close the chat")),
    Option(
        NP_("option", "missed"),
        "choice",
        N_("A question due while I was offline: post it late, or skip it"),
        choices=(NP_("choice", "post"), NP_("choice", "skip")),
    ),
    every_option(N_("Hold it again every week, 2 or 3 weeks, or month")),
    Option(NP_("option", "until"), "date", N_("The last date it may take place, like 2027-03-26")),
)

COMMANDS = (
    *for_role(
        Role.ORGANIZER,
        CommandSpec(
            path="chat start",
            description=N_("Run a live chat: questions posted on time, answers collected"),
            options=START_OPTIONS,
            handler=start,
            shares_content=True,
        ),
        CommandSpec(
            path="chat next",
            description=N_("Post the live chat's next question now"),
            options=(CHANNEL,),
            handler=next_question,
            shares_content=True,
        ),
        CommandSpec(
            path="chat extend",
            description=N_("Give the live chat's current question more time"),
            options=(
                Option(
                    NP_("option", "minutes"),
                    "int",
                    N_("How many minutes more (5 if left out)"),
                    between=(1, int(MAX_INTERVAL.total_seconds() // 60)),
                ),
                CHANNEL,
            ),
            handler=extend,
        ),
        CommandSpec(
            path="chat end",
            description=N_("End the live chat now"),
            options=(CHANNEL,),
            handler=end,
            shares_content=True,
        ),
        CommandSpec(
            path="chat cancel",
            description=N_("Call off a planned live chat, or stop a recurring one for good"),
            options=(
                Option(NP_("option", "id"), "int", N_("The chat's number, from “chat list”")),
                Option(
                    NP_("option", "series"),
                    "int",
                    N_("A recurring chat's number, from “chat list”: stops all its chats to come"),
                ),
            ),
            handler=cancel,
            shares_content=True,
        ),
    ),
    CommandSpec(
        path="chat list",
        description=N_("See the live chats running or planned"),
        handler=list_chats,
    ),
)
