"""`hours set/show`, `away until/end`: liaisons say when they work and when they are
away, so what parents are promised counts only their working time. Anyone may read a
liaison's hours; times are shown in the reader's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.commands import Args, CommandError, CommandSpec, Option, for_role
from bot.context import Context
from bot.directory import Role
from bot.features.office_hours import store
from bot.features.office_hours.calendar import (
    Away,
    OfficeHours,
    is_open,
    next_close,
    next_open,
    zone,
)
from bot.features.office_hours.words import (
    describe_away,
    describe_hours,
    parse_days,
)
from bot.i18n import N_, NP_, Translator
from bot.intents import DirectMessage, Intent, Message
from bot.notify import reader
from bot.refs import MemberRef, mention

SHOWN_AWAY = 3  # periods of time away `hours show` lists; more is noise


def status(
    hours: OfficeHours, away: list[Away], now: datetime, t: Translator, timezone: str
) -> str:
    """Open now and until when, or when next: in the reader's zone."""
    if is_open(now, hours, away):
        closes = next_close(now, hours, away)
        assert closes is not None  # office hours always close
        return t._("Open now, until {when} ({zone}).", when=t.when(closes, timezone), zone=timezone)
    return t._(
        "Next open: {when} ({zone}).",
        when=t.when(next_open(now, hours, away), timezone),
        zone=timezone,
    )


async def hours_and_away(ctx: Context, member: MemberRef) -> tuple[OfficeHours | None, list[Away]]:
    now = ctx.kernel.clock.now()
    async with ctx.kernel.engine.connect() as conn:
        hours = await store.hours_of(conn, ctx.community.id, member.id)
        away = await store.away_of(conn, ctx.community.id, member.id, now=now)
    return hours, away


async def set_hours(ctx: Context, args: Args) -> list[Intent]:
    days = parse_days(args.text("days") or "", ctx.conversation, ctx.t)
    opens, closes = args.time("from"), args.time("to")
    assert opens is not None and closes is not None  # required: convert() saw to it
    if not opens < closes:
        raise CommandError(
            N_(
                "Your hours need to end after they start, and {to} isn't after {from_}. "
                "Office hours stay within one day, like {option_from}=08:00 {option_to}=15:30."
            ),
            {
                "to": closes.strftime("%H:%M"),
                "from_": opens.strftime("%H:%M"),
                "option_from": ctx.t.option_name("from"),
                "option_to": ctx.t.option_name("to"),
            },
            "to",
        )
    hours = OfficeHours(days, opens, closes, args.text("timezone") or ctx.timezone)
    now = ctx.kernel.clock.now()
    async with ctx.kernel.engine.begin() as conn:
        await store.set_hours(conn, ctx.community.id, ctx.member.id, hours, now)
        away = await store.away_of(conn, ctx.community.id, ctx.member.id, now=now)
    ctx.kernel.directory.changed(ctx.community.ref)  # after the commit: cached calendars
    lines = [
        ctx.t._("Saved. Your office hours: {hours}.", hours=describe_hours(hours, ctx.t)),
        status(hours, away, now, ctx.t, ctx.timezone),
    ]
    return [ctx.reply("\n".join(lines))]


async def show_hours(ctx: Context, args: Args) -> list[Intent]:
    member = args.member("member") or ctx.member
    mine = member == ctx.member
    hours, away = await hours_and_away(ctx, member)
    now = ctx.kernel.clock.now()
    unknown = hours is None and not away and not mine
    if unknown and await ctx.kernel.directory.people.find(member) is None:
        raise await ctx.not_found(member, "member", changing=False)
    if hours is None and not away and not await _answers_questions(ctx, member):
        # Only liaisons (and organizers) keep office hours: nothing to set or wait for.
        lines = [
            ctx.t._(
                "Office hours are kept by liaisons, so you have none. “hours show @name” "
                "shows a liaison's."
            )
            if mine
            else ctx.t._(
                "{who} isn't a liaison, so there are no office hours to show.",
                who=mention(member),
            )
        ]
    elif hours is None:
        lines = [
            ctx.t._(
                "You haven't set office hours yet. Set them with “hours set”, like "
                "“hours set mon-fri 08:00 15:30”, so the times parents are promised count "
                "only your working hours."
            )
            if mine
            else ctx.t._("{who} hasn't set office hours.", who=mention(member))
        ]
    else:
        described = describe_hours(hours, ctx.t)
        lines = [
            ctx.t._("Your office hours: {hours}.", hours=described)
            if mine
            else ctx.t._("Office hours of {who}: {hours}.", who=mention(member), hours=described),
            status(hours, away, now, ctx.t, ctx.timezone),
        ]
    lines += [describe_away(a, now, ctx.t, ctx.timezone) for a in away[:SHOWN_AWAY]]
    return [ctx.reply("\n".join(lines))]


async def _answers_questions(ctx: Context, member: MemberRef) -> bool:
    """Whether `member` is a liaison or an organizer: who may keep office hours."""
    roles = (
        ctx.roles if member == ctx.member else (await ctx.kernel.directory.profile(member)).roles
    )
    return bool(roles & {Role.LIAISON, Role.ORGANIZER})


def _day_starts(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(0), zone(timezone)).astimezone(UTC)


async def _check_backup(ctx: Context, backup: MemberRef) -> None:
    """A backup is another member who may answer questions: a liaison or an organizer."""
    option = ctx.t.option_name("backup")
    if backup == ctx.member:
        raise CommandError(
            N_("You can't be your own backup. Name another liaison, or leave “{option}” out."),
            {"option": option},
            "backup",
        )
    known = await ctx.kernel.directory.people.find(backup)
    if known is None:
        raise await ctx.not_found(backup, "backup")
    roles = (await ctx.kernel.directory.profile(backup)).roles
    if not known.is_admin and not roles & {Role.LIAISON, Role.ORGANIZER}:
        raise CommandError(
            N_(
                "{who} isn't a school liaison, so they can't answer questions for you. "
                "Name a liaison as your backup, or leave “{option}” out."
            ),
            {"who": mention(backup), "option": option},
            "backup",
        )


async def go_away(ctx: Context, args: Args) -> list[Intent]:
    back, leaving, backup = args.date("date"), args.date("from"), args.member("backup")
    assert back is not None  # required: convert() saw to it
    now = ctx.kernel.clock.now()
    hours, _ = await hours_and_away(ctx, ctx.member)
    # Days are the liaison's working days: read in their hours' zone when they set one.
    timezone = hours.timezone if hours else ctx.timezone
    today = now.astimezone(zone(timezone)).date()
    if back <= today:
        raise CommandError(
            N_(
                "{value} is today or already past. Give the day you're back, after today, "
                "like {example}."
            ),
            # The example is what to type (bot.commands.parse_date reads 2026-10-05).
            {"value": ctx.t.day(back), "example": (today + timedelta(days=7)).isoformat()},
            "date",
        )
    starts = now if leaving is None else max(now, _day_starts(leaving, timezone))
    until = _day_starts(back, timezone)
    if leaving is not None and leaving >= back:
        raise CommandError(
            N_(
                "You'd leave on {from_} and be back on {back}: the day you're back needs to "
                "come after the day you leave. Please check the dates."
            ),
            {"from_": ctx.t.day(leaving), "back": ctx.t.day(back)},
            "from",
        )
    if backup is not None:
        await _check_backup(ctx, backup)
    away = Away(starts, until, backup.id if backup else None)
    async with ctx.kernel.engine.begin() as conn:
        replaced = await store.add_away(conn, ctx.community.id, ctx.member.id, away, now)
    ctx.kernel.directory.changed(ctx.community.ref)
    values = {
        "starts": ctx.t._("now") if starts == now else ctx.t.when(starts, ctx.timezone),
        "until": ctx.t.when(until, ctx.timezone),
        "zone": ctx.timezone,
    }
    lines = [
        ctx.t._(
            "Saved: you're away from {starts} until {until} ({zone}), and {backup} is your backup.",
            backup=mention(backup),
            **values,
        )
        if backup
        else ctx.t._("Saved: you're away from {starts} until {until} ({zone}).", **values)
    ]
    lines += [
        ctx.t._(
            "It replaces what you had said for that time: away from {starts} until {until}.",
            starts=ctx.t.when(old.starts, ctx.timezone),
            until=ctx.t.when(old.until, ctx.timezone),
        )
        for old in replaced
    ]
    intents: list[Intent] = [ctx.reply("\n".join(lines))]
    if backup is not None:
        intents.append(await _tell_backup(ctx, backup, away))
    return intents


async def _tell_backup(ctx: Context, backup: MemberRef, away: Away | None) -> DirectMessage:
    """The backup hears it from the bot, in their language and zone."""
    directory = ctx.kernel.directory
    t = await reader(directory, backup, default=ctx.community.default_language)
    if away is None:
        text = t._("{who} is back, so you're no longer their backup.", who=mention(ctx.member))
    else:
        timezone = (await directory.profile(backup)).timezone or ctx.community.timezone
        text = t._(
            "{who} will be away from {starts} until {until} ({zone}) and named you as their "
            "backup. Thank you for standing in!",
            who=mention(ctx.member),
            starts=t.when(away.starts, timezone),
            until=t.when(away.until, timezone),
            zone=timezone,
        )
    return DirectMessage(member=backup, message=Message(text=text))


async def come_back(ctx: Context, args: Args) -> list[Intent]:
    now = ctx.kernel.clock.now()
    async with ctx.kernel.engine.begin() as conn:
        ended, planned = await store.end_away(conn, ctx.community.id, ctx.member.id, now)
    ctx.kernel.directory.changed(ctx.community.ref)
    if ended is not None:
        intents: list[Intent] = [ctx.reply(ctx.t._("Welcome back! Your time away has ended."))]
        if ended.backup:
            backup = MemberRef(ctx.member.platform, ctx.member.community, ended.backup)
            intents.append(await _tell_backup(ctx, backup, None))
        return intents
    if planned:
        periods = "; ".join(
            ctx.t._(
                "from {starts} until {until}",
                starts=ctx.t.when(a.starts, ctx.timezone),
                until=ctx.t.when(a.until, ctx.timezone),
            )
            for a in planned
        )
        return [
            ctx.reply(
                ctx.t.ngettext(
                    "You're not away now, so I called off the time away you had planned: "
                    "{periods} ({zone}).",
                    "You're not away now, so I called off the {n} times away you had "
                    "planned: {periods} ({zone}).",
                    len(planned),
                    periods=periods,
                    zone=ctx.timezone,
                )
            )
        ]
    return [ctx.reply(ctx.t._("You're not away, and no time away is planned, so nothing changed."))]


MEMBER = Option(
    NP_("option", "member"), "member", N_("Whose office hours, like @name (yours if left out)")
)

SET_OPTIONS = (
    Option(
        NP_("option", "days"),
        "str",
        N_("The days you work, like mon-fri or mon,wed,fri"),
        required=True,
    ),
    Option(NP_("option", "from"), "time", N_("When you start, like 08:00"), required=True),
    Option(NP_("option", "to"), "time", N_("When you finish, like 15:30"), required=True),
    Option(
        NP_("option", "timezone"),
        "timezone",
        N_("Your time zone (yours or the community's if left out)"),
    ),
)
AWAY_OPTIONS = (
    Option(
        NP_("option", "date"), "date", N_("The day you're back, like 2026-10-12"), required=True
    ),
    Option(
        NP_("option", "backup"), "member", N_("Another liaison who answers meanwhile, like @name")
    ),
    Option(NP_("option", "from"), "date", N_("The first day you're away (today if left out)")),
)

COMMANDS = (
    *for_role(
        Role.LIAISON,
        CommandSpec(
            "hours set",
            N_("Set your office hours, so promised answer times count only them"),
            set_hours,
            SET_OPTIONS,
        ),
    ),
    CommandSpec(
        "hours show", N_("See a liaison's office hours and time away"), show_hours, (MEMBER,)
    ),
    *for_role(
        Role.LIAISON,
        CommandSpec(
            "away until",
            N_("Say you're away until a day, and who stands in for you"),
            go_away,
            AWAY_OPTIONS,
        ),
        CommandSpec("away end", N_("Say you're back before the day you gave"), come_back),
    ),
)
