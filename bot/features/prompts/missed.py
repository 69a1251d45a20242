"""Telling organizers that a prompt could not go out on time (the bot was down too
long), in each organizer's language.

A missed prompt is kept for the next date, so nothing needs doing; the message says so,
because an organizer who is not told would wonder why the group went quiet.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.directory import Directory
from bot.features.prompts.library import SeriesModel
from bot.features.prompts.schedules import Schedule
from bot.i18n import N_, Translator
from bot.intents import Intent
from bot.notify import tell_organizers
from bot.storage.tables import schedules


async def tell_missed(
    conn: AsyncConnection,
    directory: Directory,
    schedule: Schedule,
    series: SeriesModel,
    language: str,
) -> list[Intent]:
    """A direct message to each organizer (or, with none yet, to whoever scheduled it)."""
    message = (
        N_(
            "I couldn't post this week's “{series}” prompt in {channel} on time ({when}), so "
            "I kept it for next week. Nothing else needs doing."
        )
        if schedule.recurrence.weekly
        else N_(
            "I couldn't post the “{series}” prompt in {channel} on time ({when}), so I kept "
            "it for its next date. Nothing else needs doing."
        )
    )

    def missed(t: Translator) -> str:
        return t._(
            message,
            series=series.title,
            channel=f"<#{schedule.channel.channel}>",
            when=t.when(schedule.next_due, schedule.timezone),
        )

    created_by = (
        await conn.execute(select(schedules.c.created_by).where(schedules.c.id == schedule.id))
    ).scalar_one()
    # No organizer role granted yet: whoever scheduled it hears about it.
    return await tell_organizers(
        directory,
        schedule.channel.community_ref,
        language,
        missed,
        fallback=[str(created_by)],
    )
