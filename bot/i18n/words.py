"""Words members type, marked here so each language's catalog carries them: command
options' names (`pgettext("option", ...)`) and choices' values (`pgettext("choice", ...)`).

`Translator.option_name` and `Translator.choice` show them, in help's syntax lines and
forms, so a Spanish reader reads `help [tema]` and `rol: enlace`. Weekday choices come
from Babel's day names instead. A test fails when a command's option lacks a name here.
"""

from bot.i18n import NP_

# Command roots members may type in their own language too (`ayuda`, `preguntar`,
# `encuesta`): a translation may list several words, split by commas. Accepted by
# `bot.commands.CommandRegistry.find` as a command's first word and by `help` as a topic
# (`ayuda encuesta`); help and messages still show the English word. Every root is
# here: a test fails when a command's root is not.
COMMAND_WORDS = (
    NP_("command", "help"),
    NP_("command", "ask"),
    NP_("command", "setup"),
    NP_("command", "role"),
    NP_("command", "series"),
    NP_("command", "prompt"),
    NP_("command", "me"),
    NP_("command", "poll"),
    NP_("command", "route"),
    NP_("command", "queue"),
    NP_("command", "faq"),
    NP_("command", "hours"),
    NP_("command", "away"),
    NP_("command", "chat"),
    NP_("command", "digest"),
    NP_("command", "retention"),
)

OPTION_NAMES = (
    NP_("option", "topic"),
    NP_("option", "timezone"),
    NP_("option", "languages"),
    NP_("option", "queue"),
    NP_("option", "group"),
    NP_("option", "member"),
    NP_("option", "role"),
    NP_("option", "grade"),
    NP_("option", "theme"),
    NP_("option", "series"),
    NP_("option", "channel"),
    NP_("option", "weekday"),
    NP_("option", "time"),
    NP_("option", "start"),
    NP_("option", "end"),
    NP_("option", "skip"),
    NP_("option", "after-break"),
    NP_("option", "every"),
    NP_("option", "week-of-month"),
    NP_("option", "id"),
    NP_("option", "text"),
    NP_("option", "anonymous"),
    # Questions to liaisons (bot.features.questions).
    NP_("option", "language"),
    NP_("option", "liaison"),
    NP_("option", "backup"),
    NP_("option", "reply-within"),
    NP_("option", "which"),
    NP_("option", "as-team"),
    NP_("option", "note"),
    NP_("option", "reason"),
    NP_("option", "propose-faq"),
    NP_("option", "named"),
    NP_("option", "escalate-to"),
    # Office hours and time away (bot.features.office_hours).
    NP_("option", "days"),
    NP_("option", "from"),
    NP_("option", "to"),
    NP_("option", "date"),
    NP_("option", "backup"),
    # Live chats (bot.features.chats).
    NP_("option", "questions"),
    NP_("option", "at"),
    NP_("option", "interval"),
    NP_("option", "intro"),
    NP_("option", "wrap-up"),
    NP_("option", "missed"),
    NP_("option", "until"),
    NP_("option", "minutes"),
    NP_("option", "question"),
)

CHOICES = (
    # Questions' topics, queue views and reasons to close (bot.features.questions).
    NP_("choice", "general"),
    NP_("choice", "attendance"),
    NP_("choice", "special-needs"),
    NP_("choice", "health"),
    NP_("choice", "transport"),
    NP_("choice", "behaviour"),
    NP_("choice", "events"),
    NP_("choice", "any"),
    NP_("choice", "all"),
    NP_("choice", "mine"),
    NP_("choice", "unclaimed"),
    NP_("choice", "overdue"),
    NP_("choice", "answered"),
    NP_("choice", "duplicate"),
    NP_("choice", "referred"),
    NP_("choice", "no-reply"),
    NP_("choice", "liaison"),
    NP_("choice", "organizer"),
    NP_("choice", "shift"),
    NP_("choice", "skip"),
    NP_("choice", "post"),  # a live chat's question due while the bot was down
    # What ends quiet hours or a pause (`me settings quiet=off`); English words always work.
    NP_("choice", "off"),
    # How often a series posts (`every`), and which weekday of the month (`week-of-month`).
    NP_("choice", "week"),
    NP_("choice", "2 weeks"),
    NP_("choice", "3 weeks"),
    NP_("choice", "month"),
    NP_("choice", "1st"),
    NP_("choice", "2nd"),
    NP_("choice", "3rd"),
    NP_("choice", "4th"),
    NP_("choice", "last"),
    # Themes of the prompt library (bot.features.prompts.library.Theme).
    NP_("choice", "parenting"),
    NP_("choice", "communicating"),
    NP_("choice", "volunteering"),
    NP_("choice", "learning-at-home"),
    NP_("choice", "decision-making"),
    NP_("choice", "collaborating-with-community"),
    NP_("choice", "reading"),
    NP_("choice", "homework"),
    NP_("choice", "screen-time"),
    NP_("choice", "sleep"),
    NP_("choice", "bullying-prevention"),
    NP_("choice", "transitions"),
    NP_("choice", "special-educational-needs"),
    NP_("choice", "partnership"),
    NP_("choice", "student-voice"),
)
