"""`prompt schedule/list/pause/resume/skip-next/post-now/cancel`: organizers put a
series on a group's weekly slot and steer it. Times are shown in the reader's zone."""

from __future__ import annotations

from datetime import time

from babel.dates import get_day_names

from bot.commands import Args, CommandError, CommandSpec, Handler, Option
from bot.context import Context
from bot.directory import Role
from bot.features import Feature
from bot.features.prompts.scheduler import Schedule
from bot.features.prompts.series import series_named
from bot.features.prompts.timing import WEEKDAYS
from bot.i18n import N_, NP_
from bot.intents import Intent, Message

ID = Option(
    NP_("option", "id"), "int", N_("The schedule's number, from “prompt list”"), required=True
)


def _weekday_name(ctx: Context, weekday: int) -> str:
    return str(get_day_names("wide", locale=ctx.t.language)[weekday])


def describe_schedule(ctx: Context, schedule: Schedule) -> str:
    """One line per schedule, with its next prompt in the reader's own time zone."""
    series = ctx.services.library.get(schedule.series_id, ctx.t.language)
    title = series.title if series else ctx.t._("Our own prompts")
    count = len(series.prompts) if series else schedule.next_index
    status = {
        "active": ctx.t._("next: {when}", when=ctx.t.when(schedule.next_due, ctx.timezone)),
        "paused": ctx.t._("paused"),
        "cancelled": ctx.t._("cancelled"),
        "finished": ctx.t._("finished"),
    }.get(schedule.status, schedule.status)
    return ctx.t._(
        "#{id} {title} in {channel}: {weekday} {time} ({zone}), "
        "{posted} of {count} posted, {status}",
        id=schedule.id,
        title=title,
        channel=f"<#{schedule.channel.channel}>",
        weekday=_weekday_name(ctx, schedule.weekday),
        time=schedule.at.strftime("%H:%M"),
        zone=schedule.timezone,
        posted=schedule.next_index,
        count=count,
        status=status,
    )


async def schedule(ctx: Context, args: Args) -> list[Intent]:
    series = await series_named(ctx, args)
    at = args.time("time") or time(19)  # convert() guarantees it; mypy can't know
    timezone = args.text("timezone") or ctx.community.timezone
    start = args.date("start") or ctx.services.clock.now().date()
    end = args.date("end")
    if end is not None and end < start:
        raise CommandError(
            N_("The end date {end} comes before the start date {start}. Please check them."),
            {"end": end.isoformat(), "start": start.isoformat()},
        )
    channel = args.channel("channel") or ctx.conversation.channel_only()
    if not await ctx.services.channels.can_post(channel):
        raise CommandError(
            N_(
                "I can't post in {channel} yet. Please invite me there, or let me send "
                "messages in it, then try again."
            ),
            {"channel": f"<#{channel.channel}>"},
        )
    created = await ctx.services.scheduler.create(
        community_id=ctx.community.id,
        channel=channel,
        series_id=series.id,
        weekday=WEEKDAYS.index(args.text("weekday") or "mon"),
        at=at,
        timezone=timezone,
        start=start,
        end=end,
        skips=args.dates("skip"),
        after_break=args.text("after-break") or "shift",
        created_by=ctx.member,
    )
    text = ctx.t._(
        "Scheduled: “{title}” in {channel}, {weekday}s at {time} ({zone}). The first prompt "
        "goes out {when}. It is schedule #{id}.",
        title=series.title,
        channel=f"<#{channel.channel}>",
        weekday=_weekday_name(ctx, created.weekday),
        time=at.strftime("%H:%M"),
        zone=timezone,
        when=ctx.t.when(created.next_due, ctx.timezone),
        id=created.id,
    )
    return [ctx.reply(text)]


async def _find(ctx: Context, args: Args) -> Schedule:
    raw = args.values.get("id")
    found = (
        await ctx.services.scheduler.get(int(raw), ctx.conversation)
        if isinstance(raw, int)
        else None
    )
    if found is None:
        raise CommandError(
            N_("There's no schedule #{id} here. “prompt list” shows them."), {"id": str(raw)}
        )
    return found


async def list_schedules(ctx: Context, args: Args) -> list[Intent]:
    found = await ctx.services.scheduler.in_community(ctx.conversation)
    if not found:
        return [ctx.reply(ctx.t._("No series is scheduled yet. “prompt schedule” sets one up."))]
    replies = await ctx.services.discussions.reply_counts([s.id for s in found])
    lines = [
        describe_schedule(ctx, s)
        + " · "
        + ctx.t.ngettext("{n} reply", "{n} replies", replies.get(s.id, 0))
        for s in found
    ]
    return [ctx.reply(Message(title=ctx.t._("Scheduled series"), text="\n".join(lines)))]


def _steered(ctx: Context, message: str, schedule: Schedule) -> list[Intent]:
    """What changed, then how the schedule stands now."""
    return [ctx.reply(ctx.t._(message) + "\n" + describe_schedule(ctx, schedule))]


def _set_status(status: str, message: str) -> Handler:
    """A handler that moves a schedule to `status` (pause, resume, cancel)."""

    async def handler(ctx: Context, args: Args) -> list[Intent]:
        updated = await ctx.services.scheduler.set_status(await _find(ctx, args), status)
        return _steered(ctx, message, updated)

    return handler


pause = _set_status("paused", N_("Paused. No prompts go out until you resume it."))
resume = _set_status("active", N_("Resumed, with the next prompt in the series."))
cancel = _set_status("cancelled", N_("Cancelled. What was already posted stays."))


async def skip_next(ctx: Context, args: Args) -> list[Intent]:
    updated = await ctx.services.scheduler.skip_next(await _find(ctx, args))
    return _steered(ctx, N_("Skipped this week; the series moves one week later."), updated)


async def post_now(ctx: Context, args: Args) -> list[Intent]:
    found = await _find(ctx, args)
    if not await ctx.services.scheduler.post_now(found):
        return [ctx.reply(ctx.t._("Every prompt of this series has been posted already."))]
    return [ctx.reply(ctx.t._("Posting the next prompt now."))]


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
            N_("Post a series of prompts in a channel, one a week"),
            schedule,
            (
                Option(
                    NP_("option", "series"),
                    "str",
                    N_("The series, like homework-without-tears"),
                    required=True,
                ),
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
                    N_("Break weeks to skip, like 2026-12-21,2026-12-28"),
                ),
                Option(
                    NP_("option", "after-break"),
                    "choice",
                    N_("After a break: shift the series, or skip those prompts"),
                    choices=(NP_("choice", "shift"), NP_("choice", "skip")),
                ),
            ),
        ),
        _spec("prompt list", N_("See the scheduled series"), list_schedules, ()),
        _spec("prompt pause", N_("Pause a schedule"), pause),
        _spec("prompt resume", N_("Resume a paused schedule"), resume),
        _spec("prompt skip-next", N_("Skip the next week of a schedule"), skip_next),
        _spec("prompt post-now", N_("Post a schedule's next prompt now"), post_now),
        _spec("prompt cancel", N_("Cancel a schedule"), cancel),
    ),
)
