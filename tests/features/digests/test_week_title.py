"""A week's digest is titled by its days in each reader's language ("7–13 September /
7–13 de septiembre"), written when it is read: its row keeps the dates, never one
language's words, and every place the title shows (the draft's note, `digest list`,
the posted digest, the Markdown and HTML archive) says it the same way."""

from __future__ import annotations

import base64

from sqlalchemy import select

from bot.features.digests.tables import digests
from bot.i18n import translator
from bot.intents import DirectMessage, Post
from bot.testing import TestBot
from tests.features.digests.helpers import prompt_thread


async def _week_draft(bot: TestBot) -> list[str]:
    await bot.say("dana", "/homeroom setup languages=en,es")
    await prompt_thread(bot)  # Monday 7 September 2026
    return bot.texts(await bot.say("dana", "/digest build source=week date=2026-09-09"))


async def test_a_weeks_title_is_its_days_in_each_language(bot: TestBot) -> None:
    [note] = await _week_draft(bot)
    assert note.startswith("Draft digest #1, “7–13 September”, is ready: 3 answers")
    async with bot.app.db.engine.connect() as conn:
        assert (await conn.execute(select(digests.c.title))).scalar_one() == (
            "2026-09-07/2026-09-13"
        )
    assert bot.texts(await bot.say("dana", "/digest show")) == [
        "*Draft digests*\n#1 7–13 September · <#parents>"
    ]
    posted = [i for i in await bot.say("dana", "/digest publish 1") if isinstance(i, Post)]
    assert bot.texts(posted)[0].split("\n")[0] == (
        "📝 *Digest: 7–13 September / Resumen: 7–13 de septiembre*"
    )
    for kind, heading in (
        ("markdown", "## Digest: 7–13 September / Resumen: 7–13 de septiembre"),
        ("html", "<h2>Digest: 7–13 September / Resumen: 7–13 de septiembre</h2>"),
    ):
        sent = await bot.say("dana", f"/digest export format={kind}")
        [dm] = [i for i in sent if isinstance(i, DirectMessage)]
        assert dm.message.attachment is not None
        page = base64.b64decode(dm.message.attachment.data_base64).decode()
        assert heading in page.split("\n")
        assert "2026-09-07" not in page


async def test_a_spanish_organizer_reads_the_weeks_days_in_spanish(bot: TestBot) -> None:
    await _week_draft(bot)
    bot.people["maria"].is_admin = True
    assert bot.texts(await bot.say("maria", "/digest show")) == [
        "*Borradores de resúmenes*\n#1 7–13 de septiembre · <#parents>"
    ]


def test_a_span_of_days_reads_as_each_language_writes_it() -> None:
    """Across months, across years, and a year away (which says its year)."""
    from datetime import date

    today = date(2026, 9, 14)
    en, es = translator("en"), translator("es")
    spans = [
        (date(2026, 9, 7), date(2026, 9, 13)),
        (date(2026, 8, 31), date(2026, 9, 6)),
        (date(2026, 12, 28), date(2027, 1, 3)),
        (date(2027, 9, 6), date(2027, 9, 12)),
    ]
    assert [en.days(a, b, today) for a, b in spans] == [
        "7–13 September",
        "31 August – 6 September",
        "28 December 2026 – 3 January 2027",
        "6–12 September 2027",
    ]
    assert [es.days(a, b, today) for a, b in spans] == [
        "7–13 de septiembre",
        "31 de agosto – 6 de septiembre",
        "28 de diciembre de 2026 – 3 de enero de 2027",
        "6–12 de septiembre de 2027",
    ]


async def test_a_week_drafted_before_the_title_kept_dates_reads_the_same(bot: TestBot) -> None:
    """A draft written as "2026-09-07 – 2026-09-13" (before): read as its days too."""
    await _week_draft(bot)
    async with bot.app.db.engine.begin() as conn:
        await conn.execute(digests.update().values(title="2026-09-07 – 2026-09-13"))
    assert bot.texts(await bot.say("dana", "/digest show")) == [
        "*Draft digests*\n#1 7–13 September · <#parents>"
    ]
