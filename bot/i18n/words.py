"""Words members type, marked here so each language's catalog carries them: command
options' names (`pgettext("option", ...)`) and choices' values (`pgettext("choice", ...)`).

`Translator.option_name` and `Translator.choice` show them, in help's syntax lines and
forms, so a Spanish reader reads `help [tema]` and `rol: enlace`. Weekday choices come
from Babel's day names instead. A test fails when a command's option lacks a name here.
"""

from bot.i18n import pN_

OPTION_NAMES = (
    pN_("option", "topic"),
    pN_("option", "timezone"),
    pN_("option", "languages"),
    pN_("option", "queue"),
    pN_("option", "group"),
    pN_("option", "member"),
    pN_("option", "role"),
    pN_("option", "grade"),
    pN_("option", "theme"),
    pN_("option", "series"),
    pN_("option", "channel"),
    pN_("option", "weekday"),
    pN_("option", "time"),
    pN_("option", "start"),
    pN_("option", "end"),
    pN_("option", "skip"),
    pN_("option", "after-break"),
    pN_("option", "id"),
    pN_("option", "text"),
    pN_("option", "anonymous"),
)

CHOICES = (
    pN_("choice", "liaison"),
    pN_("choice", "organizer"),
    pN_("choice", "shift"),
    pN_("choice", "skip"),
    # Themes of the prompt library (bot.features.prompts.library.Theme).
    pN_("choice", "parenting"),
    pN_("choice", "communicating"),
    pN_("choice", "volunteering"),
    pN_("choice", "learning-at-home"),
    pN_("choice", "decision-making"),
    pN_("choice", "collaborating-with-community"),
    pN_("choice", "reading"),
    pN_("choice", "homework"),
    pN_("choice", "screen-time"),
    pN_("choice", "sleep"),
    pN_("choice", "bullying-prevention"),
    pN_("choice", "transitions"),
    pN_("choice", "special-educational-needs"),
    pN_("choice", "partnership"),
    pN_("choice", "student-voice"),
)
