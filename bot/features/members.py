"""What the bot keeps about members themselves: their chosen language and time zone,
whether and when they take direct messages the bot starts (quiet hours, a pause), how
digests credit what they write, the language their platform reports, and their roles.
`me settings` is its command; it declares the export and delete hooks for the
directory's tables."""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.commands import (
    Args,
    CommandError,
    CommandSpec,
    Option,
    fold,
    parse_languages,
    parse_time,
    unsupported_language,
)
from bot.context import Context, reader_language
from bot.dm_gate import parse_quiet
from bot.features import Feature, Privacy
from bot.i18n import N_, NP_, Translator, translator
from bot.intents import Intent
from bot.kernel import Kernel
from bot.refs import MemberRef
from bot.settings import SUPPORTED_LANGUAGES
from bot.storage.members import Exported, by_member, rows
from bot.storage.tables import member_locales, member_roles, members
from bot.storage.upsert import insert_ignoring_duplicates

OFF_WORDS = frozenset({"off", "no", "none", "-", "no.", "apagado", "ninguno"})


def _is_off(value: str, t: Translator) -> bool:
    """`off`, or the reader's word for it (bot.i18n.words: `choice` "off")."""
    word = fold(value.strip())
    return word in OFF_WORDS or word == fold(t.choice("off"))


async def allows_dm(conn: AsyncConnection, member: MemberRef) -> bool:
    """Whether the bot may start a direct message with the member (yes unless they said no)."""
    off = (await conn.execute(select(members.c.dm_off).where(by_member(members, member)))).scalar()
    return not off


async def digest_credit(conn: AsyncConnection, member: MemberRef) -> str | None:
    """How the member asked digests to credit them ("name", "initials", "none"), or
    None when they have not said (bot.features.digests.credit reads it for many)."""
    found = await conn.execute(select(members.c.digest_credit).where(by_member(members, member)))
    return found.scalar()


_CREDITS = {
    "name": N_(
        "Digests credit what you write with your name. You can choose “initials” or “none”."
    ),
    "initials": N_(
        "Digests credit what you write with your initials only. You can choose “name” or “none”."
    ),
    "none": N_("Digests leave your name off what you write. You can choose “name” or “initials”."),
}


def _twelve_hour_quiet(value: str) -> tuple[time, time] | None:
    """`9pm-7am` (any times `parse_time` reads, such as 7pm), as a start and an end."""
    start, dash, end = value.partition("-")
    try:
        span = (parse_time(start), parse_time(end)) if dash else None
    except CommandError:
        return None
    return span if span and span[0] != span[1] else None


def _quiet(value: str, t: Translator) -> str | None:
    """`21:00-07:00` as stored, or None for `off`; a CommandError for anything else."""
    if _is_off(value, t):
        return None
    span = parse_quiet(value) or _twelve_hour_quiet(value)
    if span is None:
        raise CommandError(
            N_(
                "Quiet hours are a start and an end, like “quiet=21:00-07:00” (or "
                "“quiet=off”). Nothing was changed."
            )
        )
    return f"{span[0]:%H:%M}-{span[1]:%H:%M}"


def _language(value: str, t: Translator) -> str | None:
    """A language Homeroom speaks, as stored; None for `off` (the member's app's own
    language again); the languages check's own refusal for any other word, or for more
    than one language."""
    if _is_off(value, t):
        return None
    codes = parse_languages(value)
    if len(codes) > 1:
        raise unsupported_language(value)
    return codes[0]


def _one_language_or_off(value: str) -> None:
    """The language option's check, in any reader's words: `off` (or its word in a
    language we speak) or one language we speak; `_language`'s refusal otherwise. It
    also tells the parser that a word like `es` after another option's value is this
    option's (`quiet=22:00-07:00 es`)."""
    if any(_is_off(value, translator(language)) for language in SUPPORTED_LANGUAGES):
        return
    _language(value, translator("en"))


def _pause(value: str, today: date, t: Translator) -> str | None:
    """A date after today as stored, or None for `off`; a CommandError otherwise."""
    if _is_off(value, t):
        return None
    try:
        until = date.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(
            N_(
                "Pause until a date, like “pause-until=2026-12-01” (or “pause-until=off”). "
                "Nothing was changed."
            )
        ) from None
    if until <= today:
        raise CommandError(
            N_("{date} has already come. Pick a later date. Nothing was changed."),
            {"date": t.day(until)},
        )
    return until.isoformat()


async def settings(ctx: Context, args: Args) -> list[Intent]:
    """`me settings [language=es] [dm=yes/no] [credit-in-digests=...]
    [quiet=21:00-07:00] [pause-until=<date>]`: with no option, the member's settings as
    they are. What changes applies at once to every DM the bot starts, already queued or
    not, on every adapter (bot.dm_gate reads it as it sends); a language chosen here
    comes before the one the member's app reports, in every answer."""
    member = ctx.member
    changes: dict[str, object] = {}
    if (language := args.text("language")) is not None:
        changes["language"] = _language(language, ctx.t)
    if "dm" in args:
        changes["dm_off"] = 0 if args.values.get("dm") else 1
    if (credit := args.text("credit-in-digests")) is not None:
        changes["digest_credit"] = credit
    if (quiet := args.text("quiet")) is not None:
        changes["quiet_hours"] = _quiet(quiet, ctx.t)
    if (pause := args.text("pause-until")) is not None:
        today = ctx.kernel.clock.now().astimezone(ZoneInfo(ctx.timezone)).date()
        changes["paused_until"] = _pause(pause, today, ctx.t)
    if changes.keys() & {"quiet_hours", "paused_until"} and ctx.profile.timezone is None:
        # Their hours and dates are read in the zone they see now; the platform's zone
        # (Slack's) is known only from their own requests, so it is kept for the DMs.
        changes["timezone"] = ctx.timezone
    if changes:
        async with ctx.kernel.engine.begin() as conn:
            row = {
                "community_id": ctx.community.id,
                "user_id": member.id,
                "created_at": ctx.kernel.clock.now(),
            }
            await insert_ignoring_duplicates(conn, members, [row])
            await conn.execute(update(members).where(by_member(members, member)).values(changes))
        ctx.kernel.directory.forget(member)
    profile = await ctx.kernel.directory.profile(member)
    async with ctx.kernel.engine.connect() as conn:
        credited = await digest_credit(conn, member)
    t = translator(reader_language(profile, ctx.actor, ctx.community))  # maybe just chosen
    lines = [
        t._(
            "I answer you in {language}. “me settings language=off” follows your app's "
            "language instead.",
            language=t.language_name(t.language),
        )
        if profile.language
        else t._(
            "I answer you in {language}. “me settings language=en” or “language=es” "
            "chooses one for you.",
            language=t.language_name(t.language),
        ),
        t._(
            "I won't start direct messages with you (reminders, notices); answers to "
            "what you ask still reach you. “me settings dm=yes” turns them back on."
        )
        if profile.dm_off
        else t._(
            "I may send you direct messages (reminders, notices). “me settings dm=no” stops them."
        ),
    ]
    if profile.quiet_hours:
        start, end = profile.quiet_hours.split("-")
        lines.append(
            t._(
                "Quiet hours: {start} to {end} ({zone}). Reminders due then wait until {end}.",
                start=start,
                end=end,
                zone=ctx.timezone,
            )
        )
    if profile.paused_until:
        lines.append(
            t._(
                "Paused until {date}: no reminders or notices before then. "
                "“me settings pause-until=off” ends the pause.",
                date=t.day(date.fromisoformat(profile.paused_until)),
            )
        )
    if credited in _CREDITS:
        lines.append(t._(_CREDITS[credited]))
    return [ctx.reply("\n".join(lines))]


async def export_member(conn: AsyncConnection, member: MemberRef) -> Exported:
    prefs = await conn.execute(
        select(
            members.c.language,
            members.c.timezone,
            members.c.dm_off,
            members.c.digest_credit,
            members.c.quiet_hours,
            members.c.paused_until,
            members.c.created_at,
        ).where(by_member(members, member))
    )
    locale = await conn.execute(
        select(member_locales.c.locale).where(by_member(member_locales, member))
    )
    roles = await conn.execute(
        select(member_roles.c.role, member_roles.c.granted_at)
        .where(by_member(member_roles, member))
        .order_by(member_roles.c.role)
    )
    # Roles they gave others: which role and when, not to whom (that is the other's data).
    granted = await conn.execute(
        select(member_roles.c.role, member_roles.c.granted_at)
        .where(by_member(member_roles, member, "granted_by"))
        .order_by(member_roles.c.granted_at)
    )
    return {
        "members": rows(prefs),
        "member_locales": rows(locale),
        "member_roles": rows(roles),
        "member_roles_granted": rows(granted),
    }


async def delete_member(conn: AsyncConnection, member: MemberRef) -> int:
    """Their preferences and roles go; a role they gave someone stays, without the giver."""
    gone = 0
    for table in (members, member_locales, member_roles):
        gone += (await conn.execute(delete(table).where(by_member(table, member)))).rowcount
    gone += (
        await conn.execute(
            update(member_roles)
            .where(by_member(member_roles, member, "granted_by"))
            .values(granted_by=None)
        )
    ).rowcount
    return gone


def build(kernel: Kernel) -> Feature:
    return Feature(
        name="members",
        commands=(
            CommandSpec(
                path="me settings",
                description=N_("See or change your settings"),
                options=(
                    Option(
                        NP_("option", "language"),
                        "str",
                        N_("The language I answer you in: en or es (or off: your app's)"),
                        check=_one_language_or_off,
                    ),
                    Option(
                        NP_("option", "dm"),
                        "bool",
                        N_("Whether I may send you direct messages, like reminders (yes or no)"),
                    ),
                    Option(
                        NP_("option", "credit-in-digests"),
                        "choice",
                        N_("How digests credit what you write: name, initials or none"),
                        choices=(
                            NP_("choice", "name"),
                            NP_("choice", "initials"),
                            NP_("choice", "none"),
                        ),
                    ),
                    Option(
                        NP_("option", "quiet"),
                        "str",
                        N_("Hours without reminders, in your time zone, like 21:00-07:00 (or off)"),
                    ),
                    Option(
                        NP_("option", "pause-until"),
                        "str",
                        N_("No reminders or notices until this date, like 2026-12-01 (or off)"),
                    ),
                ),
                handler=settings,
            ),
        ),
        tables=(members, member_locales, member_roles),
        privacy=Privacy(
            covers=(
                ("members", "user_id"),
                ("member_locales", "user_id"),
                ("member_roles", "user_id"),
                ("member_roles", "granted_by"),
            ),
            export=export_member,
            delete=delete_member,
        ),
    )
