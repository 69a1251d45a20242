"""A scheduled prompt as the group reads it: one post in each of the group's languages,
numbered in its series, opening the thread its replies go to.

Apart from the timer handler so that post-now and the weekly slot render the very same
post, and so the words can change without touching the claim.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.features.prompts.discussions import discussion_key
from bot.features.prompts.library import Library, SeriesModel
from bot.features.prompts.schedules import Schedule
from bot.i18n import N_, Translator
from bot.intents import Message, Post
from bot.render import in_languages


def prompt_post(
    library: Library,
    schedule: Schedule,
    series: SeriesModel,
    index: int,
    languages: Sequence[str],
) -> Post:
    """The prompt in each of the group's languages, opening one thread for the replies."""

    def version(t: Translator) -> Message:
        localized = library.get(series.id, t.language) or series
        prompt = localized.prompts[index]
        # "Week 3 of 6" would misname the third prompt of a monthly series.
        numbered = N_("{series} · week {n} of {total}")
        if not schedule.recurrence.weekly:
            numbered = N_("{series} · prompt {n} of {total}")
        return Message(
            title=t._(numbered, series=localized.title, n=index + 1, total=len(localized.prompts)),
            text=prompt.text + (f"\n\n{prompt.follow_up}" if prompt.follow_up else ""),
            footer=t._("Reply in this thread to join the conversation. Every voice is welcome."),
        )

    return Post(
        to=schedule.channel,
        message=in_languages(languages, version),
        opens_thread=True,
        tag=discussion_key(schedule.id, series.id, series.prompts[index].id),
    )
