"""`prompt schedule/list/pause/resume/skip-next/post-now/cancel`: organizers put a
series on a group's rhythm (weekly, every N weeks, monthly) and steer it. Times are
shown in the reader's zone."""

from __future__ import annotations

from datetime import date, time

from babel.dates import get_day_names

from bot.commands import Args, CommandError, CommandSpec, Handler, Option
from bot.context import Context
from bot.directory import Role
from bot.features import Feature
from bot.features.prompts.notices import KIND as NOTICES
from bot.features.prompts.notices import notices_due
from bot.features.prompts.occurrences import schedules_due
from bot.features.prompts.scheduler import Outlook, Schedule
from bot.features.prompts.schedules import KIND
from bot.features.prompts.series import SERIES, series_named
from bot.features.prompts.state import prompts_of
from bot.i18n import N_, NP_, WEEKDAY_CODES
from bot.intents import Intent, Message
from bot.recurrence import EVERY_WEEKS, LAST, Recurrence, every_option
from bot.timers import Timed

ID = Option(
    NP_("option", "id"), "int", N_("The schedule's number, from “prompt list”"), required=True
)


def _weekday_name(ctx: Context, weekday: int) -> str:
    return str(get_day_names("wide", locale=ctx.t.language)[weekday])


# The rhythms `every` offers, as weeks between posts; 0 is monthly.
_MONTH_WEEKS = {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "last": LAST}


def _recurrence(ctx: Context, args: Args, at: time, timezone: str, start: date) -> Recurrence:
    """The rhythm asked for; `week-of-month` alone means monthly, and monthly alone means
    the first weekday of the month."""
    weekday = WEEKDAY_CODES.index(args.text("weekday") or "mon")
    every = args.text("every")
    position = args.text("week-of-month")
    if position is not None and every not in (None, "month"):
        raise CommandError(
            N_(
                "“{option}” picks which {weekday} of the month, so it goes with "
                "{every}={month}. Leave it out, or use {every}={month}."
            ),
            {
                "option": ctx.t.option_name("week-of-month"),
                "weekday": _weekday_name(ctx, weekday),
                "every": ctx.t.option_name("every"),
                "month": ctx.t.choice("month"),
            },
            "week-of-month",
        )
    if every == "month" or position is not None:
        return Recurrence(weekday, at, timezone, start, month_week=_MONTH_WEEKS[position or "1st"])
    return Recurrence(weekday, at, timezone, start, every_weeks=EVERY_WEEKS[every or "week"])


def describe_schedule(ctx: Context, schedule: Schedule, outlook: Outlook) -> str:
    """One line per schedule: its real counts, and the next prompt in the reader's zone."""
    series = prompts_of(ctx).library.get(schedule.series_id, ctx.t.language)
    title = series.title if series else ctx.t._("Our own prompts")
    if schedule.status == "active" and outlook.next_post is not None:
        status = ctx.t._("next: {when}", when=ctx.t.when(outlook.next_post, ctx.timezone))
    else:
        status = {
            "paused": ctx.t._("paused"),
            "cancelled": ctx.t._("cancelled"),
            "broken": ctx.t._("stopped: its series is no longer in the library"),
        }.get(schedule.status, ctx.t._("finished"))
    values = {
        "id": schedule.id,
        "title": title,
        "channel": f"<#{schedule.channel.channel}>",
        "zone": schedule.timezone,
        "posted": outlook.posted,
        "count": outlook.total,
        "status": status,
    }
    if not schedule.recurrence.weekly:
        return ctx.t._(
            "#{id} {title} in {channel}: {rhythm} ({zone}), {posted} of {count} posted, {status}",
            rhythm=schedule.recurrence.describe(ctx.t),
            **values,
        )
    return ctx.t._(
        "#{id} {title} in {channel}: {weekday} {time} ({zone}), "
        "{posted} of {count} posted, {status}",
        weekday=_weekday_name(ctx, schedule.weekday),
        time=schedule.at.strftime("%H:%M"),
        **values,
    )


async def describe_schedules(ctx: Context, found: list[Schedule]) -> list[str]:
    outlooks = await prompts_of(ctx).scheduler.outlooks(found)
    return [describe_schedule(ctx, s, outlooks[s.id]) for s in found]


async def schedule(ctx: Context, args: Args) -> list[Intent]:
    await prompts_of(ctx).idea_notices.organizer_seen(ctx)
    series = await series_named(ctx, args)
    at = args.time("time") or time(19)  # convert() guarantees it; mypy can't know
    timezone = args.text("timezone") or ctx.community.timezone
    start = args.date("start") or ctx.kernel.clock.now().date()
    end = args.date("end")
    if end is not None and end < start:
        raise CommandError(
            N_("The end date {end} comes before the start date {start}. Please check them."),
            {"end": ctx.t.day(end), "start": ctx.t.day(start)},
            "end",
        )
    recurrence = _recurrence(ctx, args, at, timezone, start)
    weekday = recurrence.weekday
    skips = args.dates("skip")
    first = recurrence.next_slot(ctx.kernel.clock.now(), start)
    if end is not None and first > end:  # no weekday left at all, breaks or not
        raise CommandError(
            N_(
                "The first {weekday} this schedule could post on is {first}, after its end "
                "date {end}, so it would never post. Please check the dates."
            ),
            {
                "weekday": _weekday_name(ctx, weekday),
                "first": ctx.t.day(first),
                "end": ctx.t.day(end),
            },
            option="end",
        )
    opening = recurrence.first_free(first, skips, end)
    if opening is None:
        raise CommandError(
            N_(
                "No {weekday} between {start} and {end} is free of break weeks, so this "
                "schedule would never post. Please check the dates."
            ),
            {
                "weekday": _weekday_name(ctx, weekday),
                "start": ctx.t.day(max(start, ctx.kernel.clock.now().date())),
                "end": ctx.t.day(end) if end else "",
            },
        )
    channel = args.channel("channel") or ctx.conversation.channel_only()
    if not await ctx.kernel.channels.can_post(channel):
        raise CommandError(
            N_(
                "I can't post in {channel} yet. Please invite me there, or let me send "
                "messages in it, then try again."
            ),
            {"channel": f"<#{channel.channel}>"},
            option="channel",
        )
    # A prompt never repeats in a group: say now what this schedule can still post.
    had = await prompts_of(ctx).scheduler.posted_in(channel, series.id)
    left = [p for p in series.prompts if p.id not in had]
    if not left:
        raise CommandError(
            N_(
                "Every prompt of “{title}” has already been posted in {channel}, and a prompt "
                "never repeats in a group. Please choose another series."
            ),
            {"title": series.title, "channel": f"<#{channel.channel}>"},
            "series",
        )
    after_break = args.text("after-break") or "shift"
    if after_break == "skip" and len(left) <= opening[1]:
        raise CommandError(
            N_(
                "The break weeks before the first free {weekday} would drop every prompt left "
                "(after-break=skip), so this schedule would never post. Try after-break=shift, "
                "or check the dates."
            ),
            {"weekday": _weekday_name(ctx, weekday)},
        )
    twins = [
        s
        for s in await prompts_of(ctx).scheduler.in_community(ctx.conversation)
        if s.channel == channel and s.series_id == series.id and s.status in ("active", "paused")
    ]
    created = await prompts_of(ctx).scheduler.create(
        channel=channel,
        series_id=series.id,
        weekday=weekday,
        at=at,
        timezone=timezone,
        start=start,
        end=end,
        skips=skips,
        after_break=after_break,
        created_by=ctx.member,
        every_weeks=recurrence.every_weeks,
        month_week=recurrence.month_week,
    )
    outlook = (await prompts_of(ctx).scheduler.outlooks([created]))[created.id]
    values = {
        "title": series.title,
        "channel": f"<#{channel.channel}>",
        "zone": timezone,
        "when": ctx.t.when(outlook.next_post, ctx.timezone) if outlook.next_post else "—",
        "id": created.id,
    }
    lines = [
        ctx.t._(
            "Scheduled: “{title}” in {channel}, {weekday}s at {time} ({zone}). The first "
            "prompt goes out {when}. It is schedule #{id}.",
            weekday=_weekday_name(ctx, created.weekday),
            time=at.strftime("%H:%M"),
            **values,
        )
        if recurrence.weekly
        else ctx.t._(
            "Scheduled: “{title}” in {channel}, {rhythm} ({zone}). The first prompt goes out "
            "{when}. It is schedule #{id}.",
            rhythm=recurrence.describe(ctx.t),
            **values,
        )
    ]
    if had:
        lines.append(
            ctx.t._(
                "{channel} has already had {had} of its {total} prompts, and none repeats, "
                "so this schedule posts the other {left}.",
                channel=f"<#{channel.channel}>",
                had=len(series.prompts) - len(left),
                total=len(series.prompts),
                left=len(left),
            )
        )
    for twin in twins:
        lines.append(
            ctx.t._(
                "Note: schedule #{other} already posts this series in {channel}. The two "
                "share it, so each prompt still goes out once, only sooner. If you meant to "
                "move it to a new day or time, cancel the old one with “prompt cancel {other}”.",
                other=twin.id,
                channel=f"<#{channel.channel}>",
            )
        )
    return [ctx.reply("\n".join(lines))]


async def _find(ctx: Context, args: Args) -> Schedule:
    raw = args.values.get("id")
    found = (
        await prompts_of(ctx).scheduler.get(int(raw), ctx.conversation)
        if isinstance(raw, int) and 0 < raw < 2**31
        else None
    )
    if found is None:
        raise CommandError(
            N_("There's no schedule #{id} here. “prompt list” shows them."),
            {"id": str(raw)[:20]},
            "id",
        )
    return found


async def list_schedules(ctx: Context, args: Args) -> list[Intent]:
    await prompts_of(ctx).idea_notices.organizer_seen(ctx)
    found = await prompts_of(ctx).scheduler.in_community(ctx.conversation)
    if not found:
        return [ctx.reply(ctx.t._("No series is scheduled yet. “prompt schedule” sets one up."))]
    replies = await prompts_of(ctx).discussions.reply_counts([s.id for s in found])
    lines = [
        line + " · " + ctx.t.ngettext("{n} reply", "{n} replies", replies.get(s.id, 0))
        for s, line in zip(found, await describe_schedules(ctx, found), strict=True)
    ]
    return [ctx.reply(Message(title=ctx.t._("Scheduled series"), text="\n".join(lines)))]


async def _steered(ctx: Context, message: str, schedule: Schedule) -> list[Intent]:
    """What changed, then how the schedule stands now."""
    [line] = await describe_schedules(ctx, [schedule])
    return [ctx.reply(message + "\n" + line)]


# Which states each steering command makes sense in; the others are explained.
_RUNNING = ("active", "paused")


def _refusal(ctx: Context, schedule: Schedule, verb: str) -> str | None:
    """Why `verb` makes no sense for this schedule now, kindly; None when it does."""
    channel = f"<#{schedule.channel.channel}>"
    status = schedule.status
    if verb == "pause" and status == "paused":
        return ctx.t._(
            "Schedule #{id} is already paused. “prompt resume {id}” starts it again.",
            id=schedule.id,
        )
    if verb == "resume" and status == "active":
        return ctx.t._(
            "Schedule #{id} isn't paused: it is running. Nothing was changed.", id=schedule.id
        )
    if status in _RUNNING:
        return None
    if verb == "cancel":
        return (
            ctx.t._("Schedule #{id} is already cancelled. Nothing was changed.", id=schedule.id)
            if status == "cancelled"
            else ctx.t._(
                "Schedule #{id} has already finished, so there's nothing to cancel.",
                id=schedule.id,
            )
        )
    if status == "cancelled":
        return ctx.t._(
            "Schedule #{id} was cancelled, and a cancelled schedule stays stopped. To post "
            "prompts in {channel} again, set up a new one with “prompt schedule”; prompts "
            "the group has already had won't repeat.",
            id=schedule.id,
            channel=channel,
        )
    if status == "broken":
        return ctx.t._(
            "Schedule #{id} has stopped because its series is no longer in the library. "
            "Please choose another series with “prompt schedule”.",
            id=schedule.id,
        )
    if schedule.end is None:  # no end date: it ran out of prompts (more may be added since)
        return ctx.t._(
            "Schedule #{id} has finished: it posted every prompt its series had left. To "
            "post more in {channel}, set up a new one with “prompt schedule”; prompts the "
            "group has already had won't repeat.",
            id=schedule.id,
            channel=channel,
        )
    return ctx.t._(
        "Schedule #{id} has finished: every prompt it could post before its end has gone "
        "out. To post more in {channel}, set up a new one with “prompt schedule”; prompts "
        "the group has already had won't repeat.",
        id=schedule.id,
        channel=channel,
    )


async def pause(ctx: Context, args: Args) -> list[Intent]:
    found = await _find(ctx, args)
    if why := _refusal(ctx, found, "pause"):
        return [ctx.reply(why)]
    updated = await prompts_of(ctx).scheduler.set_status(found, "paused")
    return await _steered(ctx, ctx.t._("Paused. No prompts go out until you resume it."), updated)


async def resume(ctx: Context, args: Args) -> list[Intent]:
    found = await _find(ctx, args)
    if why := _refusal(ctx, found, "resume"):
        return [ctx.reply(why)]
    updated = await prompts_of(ctx).scheduler.set_status(found, "active")
    if updated.status == "finished":
        return await _steered(
            ctx,
            ctx.t._(
                "Its end date passed while it was paused, so there's no week left to post "
                "in: schedule #{id} is finished now.",
                id=updated.id,
            ),
            updated,
        )
    return await _steered(ctx, ctx.t._("Resumed, with the next prompt in the series."), updated)


async def cancel(ctx: Context, args: Args) -> list[Intent]:
    found = await _find(ctx, args)
    if why := _refusal(ctx, found, "cancel"):
        return [ctx.reply(why)]
    updated = await prompts_of(ctx).scheduler.set_status(found, "cancelled")
    return await _steered(ctx, ctx.t._("Cancelled. What was already posted stays."), updated)


async def skip_next(ctx: Context, args: Args) -> list[Intent]:
    found = await _find(ctx, args)
    if why := _refusal(ctx, found, "skip-next"):
        return [ctx.reply(why)]
    skipped = await prompts_of(ctx).scheduler.skip_next(found)
    updated = await prompts_of(ctx).scheduler.get(found.id)
    assert updated is not None
    if skipped is None or updated.status == "finished":
        return await _steered(
            ctx,
            ctx.t._(
                "That was its last week before the end date, so nothing more will be posted: "
                "schedule #{id} is finished now.",
                id=found.id,
            ),
            updated,
        )
    day = ctx.t.when(found.recurrence.due(skipped), ctx.timezone)
    return await _steered(
        ctx,
        ctx.t._("Skipped {day}; the series moves one week later.", day=day)
        if found.recurrence.weekly
        else ctx.t._("Skipped {day}; the series moves to its next date.", day=day),
        updated,
    )


async def post_now(ctx: Context, args: Args) -> list[Intent]:
    found = await _find(ctx, args)
    if why := _refusal(ctx, found, "post-now"):
        return [ctx.reply(why)]
    week = await prompts_of(ctx).scheduler.post_now(found)
    if week is None:
        return [
            ctx.reply(
                ctx.t._(
                    "Every prompt of this series has already been posted in {channel}, and a "
                    "prompt never repeats in a group, so schedule #{id} is finished.",
                    channel=f"<#{found.channel.channel}>",
                    id=found.id,
                )
            )
        ]
    return [ctx.reply(ctx.t._("Posting week {n} of the series now.", n=week))]


# Other ways to type a week of the month, in any language: digits, Spanish ordinals as
# written (1.º, 1º, 1.ª, 1ª) and the words.
_ORDINAL_ALIASES = (
    *(
        (alias, choice)
        for n, choice, words in (
            (1, "1st", ("first", "primer", "primero", "primera")),
            (2, "2nd", ("second", "segundo", "segunda")),
            (3, "3rd", ("third", "tercer", "tercero", "tercera")),
            (4, "4th", ("fourth", "cuarto", "cuarta")),
        )
        for alias in (str(n), f"{n}.º", f"{n}º", f"{n}.ª", f"{n}ª", *words)
    ),
    ("-1", "last"),
    ("última", "last"),
)


def _spec(
    path: str, description: str, handler: Handler, options: tuple[Option, ...] = (ID,)
) -> CommandSpec:
    return CommandSpec(
        path=path, description=description, options=options, role=Role.ORGANIZER, handler=handler
    )


FEATURE = Feature(
    name="prompts",
    commands=(
        _spec(
            "prompt schedule",
            N_("Post a series of prompts in a channel, weekly or on another rhythm"),
            schedule,
            (
                SERIES,
                Option(
                    NP_("option", "channel"),
                    "channel",
                    N_("Where to post, like #parents"),
                    required=True,
                ),
                Option(
                    NP_("option", "weekday"), "weekday", N_("The day of the week"), required=True
                ),
                Option(NP_("option", "time"), "time", N_("The time, like 19:00"), required=True),
                Option(
                    NP_("option", "timezone"),
                    "timezone",
                    N_("The time zone (the community's if left out)"),
                ),
                Option(
                    NP_("option", "start"), "date", N_("First date it may post, like 2026-09-07")
                ),
                Option(NP_("option", "end"), "date", N_("Last date it may post")),
                Option(
                    NP_("option", "skip"),
                    "dates",
                    N_("Break dates to skip, like 2026-12-21,2026-12-28"),
                ),
                Option(
                    NP_("option", "after-break"),
                    "choice",
                    N_("After a break: shift the series, or skip those prompts"),
                    choices=(NP_("choice", "shift"), NP_("choice", "skip")),
                ),
                every_option(
                    N_("How often: every week (the default), every 2 or 3 weeks, or monthly")
                ),
                Option(
                    NP_("option", "week-of-month"),
                    "choice",
                    N_("For a monthly series: which weekday of the month, 1st to 4th or last"),
                    choices=(
                        NP_("choice", "1st"),
                        NP_("choice", "2nd"),
                        NP_("choice", "3rd"),
                        NP_("choice", "4th"),
                        NP_("choice", "last"),
                    ),
                    aliases=_ORDINAL_ALIASES,
                    asked_if=("every", "month"),
                ),
            ),
        ),
        _spec("prompt list", N_("See the scheduled series"), list_schedules, ()),
        _spec("prompt pause", N_("Pause a schedule"), pause),
        _spec("prompt resume", N_("Resume a paused schedule"), resume),
        _spec("prompt skip-next", N_("Skip the next prompt of a schedule"), skip_next),
        _spec("prompt post-now", N_("Post a schedule's next prompt now"), post_now),
        _spec("prompt cancel", N_("Cancel a schedule"), cancel),
    ),  # Labels are what the console says when `:next` jumps to one.
    timers={
        KIND: Timed(schedules_due, N_("a scheduled prompt")),
        NOTICES: Timed(notices_due, N_("organizers' message about waiting prompt ideas")),
    },
)
