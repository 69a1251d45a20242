"""`series list` and `series preview`: organizers browse the prompt library before
scheduling a series, in their own language."""

from __future__ import annotations

from typing import get_args

from bot.commands import Args, CommandError, CommandSpec, Option, fold
from bot.context import Context
from bot.directory import Role
from bot.features import Feature
from bot.features.prompts.library import GradeBand, SeriesModel, Theme
from bot.features.prompts.own import OWN_SERIES
from bot.features.prompts.state import prompts_of
from bot.i18n import N_, NP_, Translator
from bot.intents import Choice, Intent, Message
from bot.render import italic

GRADES = tuple(get_args(GradeBand))
THEMES = tuple(get_args(Theme))
THEME_LABELS = {
    "parenting": N_("parenting"),
    "communicating": N_("communicating"),
    "volunteering": N_("volunteering"),
    "learning-at-home": N_("learning at home"),
    "decision-making": N_("decision making"),
    "collaborating-with-community": N_("collaborating with the community"),
    "reading": N_("reading"),
    "homework": N_("homework"),
    "screen-time": N_("screen time"),
    "sleep": N_("sleep"),
    "bullying-prevention": N_("bullying prevention"),
    "transitions": N_("moving between grades"),
    "special-educational-needs": N_("special educational needs"),
    "partnership": N_("partnering with the school"),
    "student-voice": N_("student voice"),
}


def describe(t: Translator, series: SeriesModel) -> str:
    themes = ", ".join(t._(THEME_LABELS[theme]) for theme in series.themes)
    return t.ngettext(
        "grades {band} · {themes} · {n} prompt",
        "grades {band} · {themes} · {n} prompts",
        len(series.prompts),
        band=series.grade_band.upper(),
        themes=themes,
    )


async def series_named(ctx: Context, args: Args) -> SeriesModel:
    """The series the `series` option names: from the library, or the group's own
    (`our-prompts`), in the reader's language. A CommandError lists those that exist."""
    wanted = (args.text("series") or "").lower()
    if wanted == OWN_SERIES:
        found = await prompts_of(ctx).own_prompts.series(ctx.community.id, ctx.t.language)
    else:
        found = prompts_of(ctx).library.get(wanted, ctx.t.language)
    if found is None:
        raise CommandError(
            N_("I don't know the series “{value}”. These exist: {choices}."),
            {"value": wanted, "choices": ", ".join(prompts_of(ctx).library.ids())},
            "series",
        )
    return found


async def complete_series(ctx: Context, typed: str) -> list[Choice]:
    """Series whose ID or title (in the reader's language) contains what was typed: the
    group's own first, where it has some, then the library's."""
    wanted = fold(typed.strip())
    own = await prompts_of(ctx).own_prompts.series(ctx.community.id, ctx.t.language)
    found = [*([own] if own else []), *prompts_of(ctx).library.in_locale(ctx.t.language)]
    return [
        Choice(s.id, f"{s.title} ({s.id})")
        for s in found
        if wanted in fold(s.id) or wanted in fold(s.title)
    ]


SERIES = Option(
    NP_("option", "series"),
    "str",
    N_("The series, like homework-without-tears"),
    required=True,
    complete=complete_series,
)


async def list_series(ctx: Context, args: Args) -> list[Intent]:
    grade, theme = args.text("grade"), args.text("theme")
    own = await prompts_of(ctx).own_prompts.series(ctx.community.id, ctx.t.language)
    found = [
        s
        for s in [*([own] if own else []), *prompts_of(ctx).library.in_locale(ctx.t.language)]
        if (grade is None or s.grade_band == grade) and (theme is None or theme in s.themes)
    ]
    if not found:
        return [
            ctx.reply(ctx.t._("No series match those filters yet. Try “series list” with none."))
        ]
    lines = [f"• *{s.title}* (`{s.id}`): {describe(ctx.t, s)}\n  {s.summary}" for s in found]
    return [
        ctx.reply(
            Message(
                title=ctx.t._("Prompt series"),
                text="\n".join(lines),
                footer=ctx.t._("See every prompt with “series preview <series>”."),
            )
        )
    ]


async def preview(ctx: Context, args: Args) -> list[Intent]:
    series = await series_named(ctx, args)
    weeks = "\n".join(
        f"{week}. {prompt.text}" + ("\n   " + italic(prompt.follow_up) if prompt.follow_up else "")
        for week, prompt in enumerate(series.prompts, 1)
    )
    return [
        ctx.reply(
            Message(
                title=series.title,
                text=f"{series.summary}\n{describe(ctx.t, series)}\n\n{weeks}",
                footer=ctx.t._("One prompt a week, in this order."),
            )
        )
    ]


FEATURE = Feature(
    name="series",
    commands=(
        CommandSpec(
            path="series list",
            description=N_("Browse the prompt series you can schedule"),
            options=(
                Option(
                    NP_("option", "grade"), "choice", N_("Only this grade band"), choices=GRADES
                ),
                Option(NP_("option", "theme"), "choice", N_("Only this theme"), choices=THEMES),
            ),
            role=Role.ORGANIZER,
            handler=list_series,
        ),
        CommandSpec(
            path="series preview",
            description=N_("Read every prompt of a series"),
            options=(SERIES,),
            role=Role.ORGANIZER,
            handler=preview,
        ),
    ),
)
