"""When a direct message the bot starts may reach a member: the one place that honours
`me settings dm=no`, `quiet=21:00-07:00` and `pause-until=<date>`.

The outbox asks just before it hands such a DM to the platform, so a setting applies at
once to everything already queued, on every adapter. A DM the member asked for (the
answer to their command, their question's answer, their export: `in_reply_to` or
`asked`) is never held. Held DMs wait in the outbox as pending rows with their
`next_attempt_at` at the end of the quiet hours, so a restart keeps them waiting.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.directory import Directory, MemberProfile
from bot.intents import DirectMessage, Intent

QUIET = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")

# What the gate says of a DM: send it now (None), never ("drop"), or at that time.
Verdict = datetime | Literal["drop"] | None


def unasked(intent: Intent) -> bool:
    """A direct message the bot starts on its own (a reminder, a notice)."""
    return isinstance(intent, DirectMessage) and intent.in_reply_to is None and not intent.asked


def parse_quiet(text: str) -> tuple[time, time] | None:
    """`21:00-07:00` as (start, end); None when it is not that shape or is empty."""
    found = QUIET.match(text.strip())
    if found is None:
        return None
    h1, m1, h2, m2 = (int(g) for g in found.groups())
    start, end = time(h1, m1), time(h2, m2)
    return None if start == end else (start, end)


def quiet_until(now: datetime, quiet: str | None, zone: ZoneInfo) -> datetime | None:
    """When the quiet hours `now` falls in end (aware), or None when it is not in them.
    Hours that wrap midnight (21:00-07:00) end the next morning."""
    span = parse_quiet(quiet) if quiet else None
    if span is None:
        return None
    start, end = span
    local = now.astimezone(zone)
    at = local.time().replace(tzinfo=None)
    if start < end:
        inside, day = start <= at < end, local.date()
    else:
        inside = at >= start or at < end
        day = local.date() + timedelta(days=1) if at >= start else local.date()
    if not inside:
        return None
    return datetime.combine(day, end, tzinfo=zone)


def paused(now: datetime, until: str | None, zone: ZoneInfo) -> bool:
    """Whether `now` is before the day the member's pause ends (in their zone)."""
    if not until:
        return False
    try:
        last = date.fromisoformat(until)
    except ValueError:
        return False
    return now.astimezone(zone).date() < last


def verdict(profile: MemberProfile, zone: ZoneInfo, now: datetime) -> Verdict:
    """What to do with an unasked DM to the member of `profile`, at `now`."""
    if profile.dm_off or paused(now, profile.paused_until, zone):
        return "drop"
    return quiet_until(now, profile.quiet_hours, zone)


class DmGate:
    """Reads members' settings through the directory's cache (one read a member a
    minute at most), so a burst of reminders costs no extra queries."""

    def __init__(self, directory: Directory) -> None:
        self._directory = directory

    async def __call__(self, intent: DirectMessage, now: datetime) -> Verdict:
        profile = await self._directory.profile(intent.member)
        if not (profile.dm_off or profile.quiet_hours or profile.paused_until):
            return None
        zone = profile.timezone
        if zone is None:
            zone = (await self._directory.community(intent.member.community_ref)).timezone
        return verdict(profile, ZoneInfo(zone), now)
