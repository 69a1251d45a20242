"""School liaisons' office hours and time away, and the working-time calendar that
turns them into honest answer-by promises.

`calendar` is pure (no I/O): `add_working_time`, `working_time_between`, `is_open`,
`next_open` over `OfficeHours` and `Away`. `store` keeps them (`hours_of`, `away_of`,
read inside a caller's transaction). The commands (`hours set/show`, `away until/end`)
and the App Home line are declared in `build`. Importing this package loads nothing
but the calendar, so the questions feature can use it cheaply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.office_hours.calendar import (
    Away,
    OfficeHours,
    add_working_time,
    is_open,
    next_open,
    working_time_between,
)

if TYPE_CHECKING:
    from bot.context import Context
    from bot.features import Feature
    from bot.kernel import Kernel

__all__ = [
    "Away",
    "OfficeHours",
    "add_working_time",
    "build",
    "is_open",
    "next_open",
    "working_time_between",
]


async def home(ctx: Context) -> str | None:
    """For a liaison (or anyone who set hours): their hours and time away."""
    from bot.directory import Role
    from bot.features.office_hours.commands import SHOWN_AWAY, hours_and_away, status
    from bot.features.office_hours.words import describe_away, describe_hours

    hours, away = await hours_and_away(ctx, ctx.member)
    if hours is None and not away and Role.LIAISON not in ctx.roles:
        return None
    now = ctx.kernel.clock.now()
    if hours is None:
        lines = [ctx.t._("Your office hours: not set yet. “hours set” sets them.")]
    else:
        lines = [
            ctx.t._("Your office hours: {hours}.", hours=describe_hours(hours, ctx.t)),
            status(hours, away, now, ctx.t, ctx.timezone),
        ]
    lines += [describe_away(a, now, ctx.t, ctx.timezone) for a in away[:SHOWN_AWAY]]
    return "\n".join(lines)


def build(kernel: Kernel) -> Feature:
    """The feature: its commands, App Home line, tables and privacy hooks."""
    from bot.features import Feature
    from bot.features.office_hours import store
    from bot.features.office_hours.commands import COMMANDS

    return Feature(
        name="office_hours",
        commands=COMMANDS,
        home=home,
        tables=(store.office_hours, store.away_periods),
        privacy=store.PRIVACY,
    )
