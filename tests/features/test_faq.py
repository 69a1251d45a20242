"""The FAQ: a liaison proposes an entry, the asker (named or anonymous) consents or not,
only consent publishes it; organizers manage entries. Runs on both databases."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select, text

from bot.events import ComponentSubmitted
from bot.features.faq.api import AGREE, DECLINE, propose_entry
from bot.features.faq.tables import faq_entries, faq_proposals
from bot.intents import DirectMessage, Ephemeral, Intent, OpenForm, Post
from bot.privacy import delete_member, export_member
from bot.refs import CommunityRef, MemberRef
from bot.storage.tables import metadata
from bot.testing import COMMUNITY, PLATFORM, TestBot

pytestmark = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)

QUESTION = "When does kindergarten enrollment open?"
ANSWER = "Enrollment opens on March 1 at the front office and online."
ONLY_ASKER = (
    "Only the person who asked this question can decide whether it goes in the FAQ, so I "
    "can't take your answer on it. Nothing was changed."
)
ONLY_ORGANIZERS = (
    "Only organizers can do that. If you help run this group, an organizer can give you the "
    "role with “role grant”."
)


async def community_id(bot: TestBot) -> int:
    return (await bot.app.directory.community(CommunityRef(PLATFORM, COMMUNITY))).id


async def propose(
    bot: TestBot, asker: MemberRef | None, sealed: str | None = None, language: str = "en"
) -> list[Intent]:
    """sam, a liaison, proposes an entry from a question he closed; what was delivered."""
    cid = await community_id(bot)
    async with bot.app.db.engine.begin() as conn:
        intents = await propose_entry(
            bot.app.kernel,
            conn,
            community_id=cid,
            question_id=7,
            question=QUESTION,
            answer=ANSWER,
            topic="Enrollment",
            grade="K",
            language=language,
            asker=asker,
            asker_sealed=sealed,
            proposed_by=bot.member("sam"),
        )
    before = len(bot.adapter.sent)
    bot.app.outbox.submit(intents)
    await bot.settle()
    return bot.adapter.sent[before:]


def split(intents: list[Intent]) -> tuple[Ephemeral, Post | None, DirectMessage]:
    """The answer to the asker, the post (if any) and the word to the liaison: private
    answers and posts go in separate lanes, so their order is not fixed."""
    [thanks] = [i for i in intents if isinstance(i, Ephemeral)]
    posts = [i for i in intents if isinstance(i, Post)]
    [told] = [i for i in intents if isinstance(i, DirectMessage)]
    assert len(intents) == 2 + len(posts) and len(posts) <= 1
    return thanks, posts[0] if posts else None, told


def buttons(intent: Intent) -> list[tuple[str, str, str]]:
    assert isinstance(intent, DirectMessage)
    return [(b.label, b.action_id, b.value) for b in intent.message.buttons]


async def setup_community(bot: TestBot) -> None:
    await bot.say("dana", "/role grant @sam liaison")
    [done] = await bot.say("dana", "/faq channel #faq")
    assert bot.texts([done]) == [
        "Published FAQ entries will be posted in <#faq> (a forum post each, where it is a forum)."
    ]


async def test_a_named_asker_agrees_and_the_entry_is_published(bot: TestBot) -> None:
    await setup_community(bot)
    [ask] = await propose(bot, bot.member("lee"))
    assert isinstance(ask, DirectMessage) and ask.member == bot.member("lee")
    assert ask.message.title == "May we share your question in the FAQ?"
    assert ask.message.fields == (("Question", QUESTION), ("Answer", ANSWER))
    assert buttons(ask) == [("Agree", AGREE, "1"), ("No thanks", DECLINE, "1")]
    [searched] = await bot.say("maria", "/faq search enrollment idioma=en")
    assert (
        "I found nothing" in bot.texts([searched])[0] or "No encontré" in bot.texts([searched])[0]
    )
    thanks, post, told = split(await bot.press("lee", AGREE, "1", channel="dm-lee"))
    assert thanks.member == bot.member("lee")
    assert bot.texts([thanks]) == [
        "Thank you for sharing! Your question is now in the FAQ, without your name."
    ]
    assert isinstance(post, Post) and post.to.channel == "faq"
    assert (post.message.title, post.message.text, post.message.footer) == (
        QUESTION,
        ANSWER,
        "Topic: enrollment · Grade: k",
    )
    assert told.member == bot.member("sam")
    assert bot.texts([told]) == [
        f"Good news: the person who asked agreed. FAQ entry #1 “{QUESTION}” is published in "
        "<#faq> and found by “faq search”."
    ]
    [hit] = await bot.say("lee", "/faq search kindergarten")
    assert [name for name, _ in hit.message.fields] == [f"#1 {QUESTION}"]  # type: ignore[union-attr]
    async with bot.app.db.engine.connect() as conn:
        entry = (await conn.execute(select(faq_entries))).one()
        proposal = (await conn.execute(select(faq_proposals))).one()
    assert (entry.question_id, entry.created_by, entry.channel_id, entry.message_id) == (
        7,
        "sam",
        "faq",
        f"m{bot.adapter.sent.index(post) + 1}",  # the receipt noted where the post landed
    )
    assert (proposal.status, proposal.entry_id, proposal.asker_id) == ("agreed", 1, "lee")
    [again] = await bot.press("lee", AGREE, "1", channel="dm-lee")
    assert bot.texts([again]) == ["You already answered this one. Thank you!"]


async def test_no_thanks_publishes_nothing_and_tells_the_liaison_kindly(bot: TestBot) -> None:
    await setup_community(bot)
    [ask] = await propose(bot, bot.member("maria"))
    assert ask.message.title == "¿Podemos compartir su pregunta en las preguntas frecuentes?"  # type: ignore[union-attr]
    thanks, post, told = split(await bot.press("maria", DECLINE, "1", channel="dm-maria"))
    assert post is None
    assert bot.texts([thanks]) == ["Gracias por decírnoslo. No se compartirá nada."]
    assert told.member == bot.member("sam")
    assert bot.texts([told]) == [
        f"The person who asked would rather not share “{QUESTION}” in the FAQ, so nothing "
        "was published. Thank you for asking them."
    ]
    async with bot.app.db.engine.connect() as conn:
        assert (await conn.execute(select(faq_entries))).all() == []
        status = (await conn.execute(select(faq_proposals.c.status))).scalar_one()
    assert status == "declined"
    [none] = await bot.say("lee", "/faq search kindergarten")
    assert "I found nothing" in bot.texts([none])[0]


async def test_someone_else_cannot_consent_for_the_asker(bot: TestBot) -> None:
    await setup_community(bot)
    await propose(bot, bot.member("maria"))
    before = await bot.state()
    for who in ("lee", "sam", "dana"):
        [refused] = await bot.press(who, AGREE, "1", channel=f"dm-{who}")
        assert bot.texts([refused]) == [ONLY_ASKER]
    [refused] = await bot.press("lee", AGREE, "99", channel="dm-lee")  # no such proposal
    assert bot.texts([refused]) == [ONLY_ASKER]
    assert await bot.state() == before


async def test_an_anonymous_asker_consents_and_is_never_named(
    bot: TestBot, caplog: pytest.LogCaptureFixture
) -> None:
    await setup_community(bot)
    sealed = bot.app.kernel.anonymity.seal(bot.member("maria"))
    with caplog.at_level(logging.DEBUG):
        [ask] = await propose(bot, None, sealed)
        assert isinstance(ask, DirectMessage) and ask.member == bot.member("maria")
        assert not ask.message.keep_copy  # its stored copy would say who asked
        [refused] = await bot.press("lee", AGREE, "1", channel="dm-lee")
        assert bot.texts([refused]) == [ONLY_ASKER]
        thanks, post, _ = split(await bot.press("maria", AGREE, "1", channel="dm-maria"))
    assert bot.texts([thanks]) == [
        "¡Gracias por compartir! Su pregunta ya está en las preguntas frecuentes, sin su nombre."
    ]
    assert post is not None and post.to.channel == "faq"
    # Nothing anyone else received names her, and nothing stored does (but the language
    # her platform reports, noted from any event she sends, which says nothing of this).
    to_others = [i for i in bot.adapter.sent if getattr(i, "member", None) != bot.member("maria")]
    assert not any("maria" in repr(i) for i in to_others)
    state = await bot.state(skip=("member_locales",))
    assert [table for table, rows in state.items() if "maria" in repr(rows)] == []
    async with bot.app.db.engine.connect() as conn:
        proposal = (await conn.execute(select(faq_proposals))).one()
        outbox = (await conn.execute(text("SELECT payload FROM outbox"))).scalars().all()
    assert proposal.asker_id is None and len(proposal.asker_token) == 32
    assert proposal.asker_token == bot.app.kernel.anonymity.token(
        "faq-consent", "1", bot.member("maria")
    )
    assert not any("maria" in payload for payload in outbox)
    ours = [r.getMessage() for r in caplog.records if r.name.startswith(("bot", "adapters"))]
    assert not any("maria" in line for line in ours)


async def test_an_anonymous_asker_who_cannot_be_reached_is_explained(bot: TestBot) -> None:
    from bot.commands import CommandError

    with pytest.raises(CommandError) as refused:
        await propose(bot, None, "not-a-sealed-address")
    assert refused.value.message.startswith("I can't reach the person who asked any more")
    async with bot.app.db.engine.connect() as conn:
        assert (await conn.execute(select(faq_proposals))).all() == []


async def test_organizer_commands_are_refused_to_parents_and_liaisons(bot: TestBot) -> None:
    await bot.say("dana", "/role grant @sam liaison")
    await bot.invoke("dana", "faq add", question=QUESTION, answer=ANSWER)
    before = await bot.state()
    for who in ("lee", "sam"):
        for command in (
            f"/faq add question=“{QUESTION}” {ANSWER}",
            "/faq edit 1 question=Changed?",
            "/faq remove 1",
            "/faq list",
            "/faq channel #general",
        ):
            [refused] = await bot.say(who, command)
            assert bot.texts([refused]) == [ONLY_ORGANIZERS], command
    assert await bot.state() == before


async def test_faq_add_without_words_opens_a_form(bot: TestBot) -> None:
    [form] = await bot.say("dana", "/faq add")
    assert isinstance(form, OpenForm) and form.form.form_id == "command:faq add"
    assert [(f.name, f.required) for f in form.form.fields] == [
        ("question", True),
        ("answer", True),
        ("topic", False),
        ("grade", False),
        ("language", False),
    ]
    [done] = await bot.submit(
        "dana", "command:faq add", question=QUESTION, answer=ANSWER, topic="", grade="K"
    )
    assert bot.texts([done]) == [
        f"Added FAQ entry #1 “{QUESTION}”; “faq search” finds it. No FAQ channel is set, so "
        "it was not posted: “faq channel” chooses one."
    ]


async def test_edit_opens_a_form_with_the_entry_and_saves_it(bot: TestBot) -> None:
    await bot.invoke("dana", "faq add", question=QUESTION, answer=ANSWER, topic="enrollment")
    [form] = await bot.say("dana", "/faq edit 1")
    assert isinstance(form, OpenForm)
    assert [(f.name, f.default) for f in form.form.fields] == [
        ("id", "1"),
        ("question", QUESTION),
        ("answer", ANSWER),
        ("topic", "enrollment"),
        ("grade", None),
        ("language", "en"),
    ]
    [done] = await bot.say("dana", "/faq edit 1 grade=K")
    assert bot.texts([done]) == [
        "Changed FAQ entry #1; “faq search” finds the new words now. Its post in the FAQ "
        "channel, if it has one, stays as it was."
    ]
    [missing] = await bot.say("dana", "/faq edit 5 grade=K")
    assert bot.texts([missing]) == [
        "There's no FAQ entry #5 in this community. “faq list” shows them with numbers."
    ]


async def test_list_is_paged(bot: TestBot) -> None:
    [empty] = await bot.say("dana", "/faq list")
    assert bot.texts([empty])[0].startswith("The FAQ has no entries yet.")
    for n in range(1, 13):
        await bot.invoke("dana", "faq add", question=f"Question {n}?", answer="Yes.", topic="t")
    [first] = await bot.say("dana", "/faq list")
    lines = bot.texts([first])[0].split("\n")
    assert lines[0] == "*FAQ entries (12)*"
    assert lines[1:3] == ["#12 [en] Question 12? (Topic: t)", "#11 [en] Question 11? (Topic: t)"]
    assert len(lines) == 12 and lines[-1] == "_Page 1 of 2. “faq list page=2” shows the next._"
    [second] = await bot.say("dana", "/faq list page=2")
    assert bot.texts([second])[0].split("\n")[1:] == [
        "#2 [en] Question 2? (Topic: t)",
        "#1 [en] Question 1? (Topic: t)",
        "_Page 2 of 2._",
    ]
    [beyond] = await bot.say("dana", "/faq list page=3")
    assert bot.texts([beyond]) == ["The FAQ has 2 pages; please choose one of them."]
    [zero] = await bot.say("dana", "/faq list page=0")
    assert bot.texts([zero]) == ["“page” needs a number from 1 to 99999, and 0 isn't."]
    await bot.say("dana", "/faq remove 1")
    await bot.say("dana", "/faq remove 2")
    [beyond] = await bot.say("dana", "/faq list page=2")
    assert bot.texts([beyond]) == ["The FAQ has one page so far: “faq list” shows it."]


async def test_the_faq_channel_is_never_the_liaisons_channel(bot: TestBot) -> None:
    await bot.say("dana", "/setup queue=#liaisons")
    [refused] = await bot.say("dana", "/faq channel #liaisons")
    assert bot.texts([refused]) == [
        "<#liaisons> is the liaisons' private channel, so parents could not read the FAQ "
        "there. Please choose a channel the parents read."
    ]


async def test_a_members_faq_data_is_exported_and_deleted(bot: TestBot) -> None:
    await setup_community(bot)
    await propose(bot, bot.member("lee"))
    await bot.press("lee", AGREE, "1", channel="dm-lee")
    await propose(bot, bot.member("lee"))  # a second one, still waiting
    features = bot.app.features
    lee, sam = bot.member("lee"), bot.member("sam")
    async with bot.app.db.engine.begin() as conn:
        mine = (await export_member(conn, features, lee))["faq"]
        assert [(r["question"], r["status"]) for r in mine["faq_questions_asked"]] == [
            (QUESTION, "agreed"),
            (QUESTION, "waiting"),
        ]
        assert len((await export_member(conn, features, sam))["faq"]["faq_entries_written"]) == 1
        await delete_member(conn, features, lee)
        await delete_member(conn, features, sam)
        left = (await conn.execute(select(faq_proposals.c.status, faq_proposals.c.asker_id))).all()
        entry = (await conn.execute(select(faq_entries.c.created_by))).scalar_one()
    assert [tuple(r) for r in left] == [("agreed", None)]  # the waiting one is gone
    assert entry is None
    assert "faq_entries" in metadata.tables


async def test_help_explains_the_faq(bot: TestBot) -> None:
    [help_lee] = await bot.say("lee", "/help faq")
    assert bot.texts([help_lee])[0].split("\n")[:2] == [
        "*Help: faq*",
        "• faq search <words> [topic] [grade] [language] — Search the group's FAQ",
    ]
    [help_dana] = await bot.say("dana", "/help faq")
    assert "• faq add <question> <answer>" in bot.texts([help_dana])[0]


async def test_consent_pressed_in_a_dm_with_no_community_counts(bot: TestBot) -> None:
    """Discord's DMs carry no server: the press is read in the proposal's community, so
    the asker (named or anonymous) is known and the entry is posted there."""

    def pressed(who: str, proposal: str) -> ComponentSubmitted:
        return ComponentSubmitted(**bot.outside(who), action_id=AGREE, value=proposal)

    await setup_community(bot)
    await propose(bot, bot.member("lee"))
    sealed = bot.app.kernel.anonymity.seal(bot.member("maria"))
    await propose(bot, None, sealed)
    [refused] = await bot.send(pressed("lee", "2"))  # not lee's question
    assert bot.texts([refused]) == [ONLY_ASKER]
    for who, proposal in (("lee", "1"), ("maria", "2")):
        thanks, post, told = split(await bot.send(pressed(who, proposal)))
        assert post is not None and (post.to.community, post.to.channel) == (COMMUNITY, "faq")
        assert told.member == bot.member("sam") and thanks.member.id == who
    async with bot.app.db.engine.connect() as conn:
        statuses = (await conn.execute(select(faq_proposals.c.status))).scalars().all()
    assert statuses == ["agreed", "agreed"]
