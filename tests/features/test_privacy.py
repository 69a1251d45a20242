"""Every feature exports and deletes its own members' data, and every column that holds
a member's ID or words is covered by some feature's hooks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

from bot.features import shared_metadata
from bot.features.prompts.suggestions import ACCEPT
from bot.intents import Post
from bot.privacy import delete_member, export_member, member_columns, uncovered
from bot.storage.tables import (
    community_prompts,
    dialogues,
    members,
    metadata,
    pending_choices,
)
from bot.testing import Person, TestBot, declared_features

MEMBER_COLUMNS = {
    ("community_prompts", "author_id"),
    ("community_prompts", "text"),
    ("dialogues", "answers"),
    ("dialogues", "user_id"),
    ("faq_entries", "created_by"),
    ("faq_proposals", "asker_id"),
    ("faq_proposals", "proposed_by"),
    ("discussion_reactions", "user_id"),
    ("faq_entries", "created_by"),
    ("faq_proposals", "asker_id"),
    ("faq_proposals", "proposed_by"),
    ("discussion_replies", "text"),
    ("discussion_replies", "user_id"),
    ("idea_notices", "user_id"),
    ("member_locales", "user_id"),
    ("member_roles", "granted_by"),
    ("member_roles", "user_id"),
    ("members", "user_id"),
    ("pending_choices", "user_id"),
    ("question_blocks", "blocked_by"),
    ("question_liaisons", "user_id"),
    ("question_notes", "author_id"),
    ("question_notes", "text"),
    ("question_routes", "backup_id"),
    ("question_routes", "created_by"),
    ("question_routes", "escalate_to"),
    ("question_routes", "liaison_id"),
    ("questions", "asker_id"),
    ("questions", "backup_id"),
    ("questions", "liaison_id"),
    ("questions", "text"),
    ("schedules", "created_by"),
    ("office_hours", "member"),
    ("away_periods", "member"),
    ("away_periods", "backup"),
    ("poll_ballots", "voter"),
    ("poll_series", "created_by"),
    ("poll_series", "template"),
    ("polls", "created_by"),
    ("polls", "options"),
    ("polls", "question"),
    ("chat_answers", "author_id"),
    ("chat_answers", "text"),
    ("chat_questions", "text"),
    ("chat_series", "created_by"),
    ("chat_series", "template"),
    ("chats", "created_by"),
    ("chats", "intro"),
    ("chats", "wrap_up"),
    ("digests", "created_by"),
    ("digest_items", "author_id"),
    ("digest_items", "text"),
}

shared_metadata()  # every default feature's tables on the shared metadata


def test_every_member_column_is_covered_by_a_features_hooks() -> None:
    assert member_columns(metadata.tables.values()) == MEMBER_COLUMNS
    assert uncovered(declared_features(), metadata) == set()


def test_a_removed_hook_leaves_its_columns_uncovered() -> None:
    features = declared_features()
    without = [replace(f, privacy=None) if f.name == "prompts" else f for f in features]
    assert uncovered(without, metadata) == {
        ("community_prompts", "author_id"),
        ("community_prompts", "text"),
        ("discussion_reactions", "user_id"),
        ("discussion_replies", "text"),
        ("discussion_replies", "user_id"),
        ("idea_notices", "user_id"),
        ("schedules", "created_by"),
    }
    without = [replace(f, privacy=None) if f.name == "conversation" else f for f in features]
    assert uncovered(without, metadata) == {
        ("dialogues", "answers"),
        ("dialogues", "user_id"),
        ("pending_choices", "user_id"),
    }


def test_an_undeclared_member_column_is_caught_by_its_name() -> None:
    extra = MetaData()
    Table(
        "ballots",
        extra,
        Column("id", Integer, primary_key=True),
        Column("voter", String(64)),
        Column("requested_by", String(64)),
        Column("closed_by_rule", String(8), info={"member": False}),  # declared: not one
    )
    found = uncovered(declared_features(), extra)
    assert found == {("ballots", "voter"), ("ballots", "requested_by")}


SCHEDULE = (
    "/homeroom prompt schedule series=moving-up channel=#parents weekday=mon time=19:00 "
    "timezone=America/New_York"
)


async def everything_of_wren(bot: TestBot) -> None:
    """Wren: an organizer who grants a role, suggests ideas (one accepted), schedules a
    series, replies and reacts in its discussion, turns notices off, has a platform
    language, chose preferences, and is in the middle of a form and a choice; makes a
    poll and votes in it, and votes in an anonymous poll."""
    bot.people["wren"] = Person("wren", locale="fr")
    await bot.say("dana", "/homeroom role grant @wren organizer")
    await bot.say("wren", "/homeroom role grant @sam liaison")
    await bot.say("wren", "/homeroom prompt suggest What made you laugh this week?")
    await bot.say("wren", "/homeroom prompt suggest Which book do they reread?")
    await bot.press("dana", ACCEPT, "1")
    await bot.say("wren", "/homeroom prompt notices dm=no")
    await bot.say("wren", SCHEDULE)
    await bot.say("wren", "/homeroom prompt post-now 1")
    await bot.say("wren", '/homeroom poll create Snacks? options="fruit; cake"')
    await bot.press("wren", "polls.vote", "1:1")  # a named vote: wren's data
    await bot.say("dana", '/homeroom poll create Rides? options="yes; no" anonymous=yes')
    await bot.press("wren", "polls.vote", "2:0")  # an anonymous one: nobody's
    root = next(
        f"m{i + 1}"
        for i, x in enumerate(bot.adapter.sent)
        if isinstance(x, Post) and x.opens_thread
    )
    await bot.say("wren", "We read under a blanket fort.", thread=root)
    await bot.say("lee", "Same here!", thread=root)
    await bot.react("wren", root, "👍")
    # Office hours, a planned time away, and standing in as Sam's backup.
    await bot.say("wren", "/homeroom hours set mon-fri 08:00 15:30 timezone=America/Chicago")
    await bot.say("wren", "/homeroom away until 2026-09-21 from=2026-09-14")
    await bot.say("sam", "/homeroom away until 2026-09-10 backup=@wren")
    await bot.invoke("wren", "faq add", question="When does school start?", answer="At 8:15.")
    # A live chat wren runs in #family, where wren and lee answer.
    chat = '/homeroom chat start questions="Mornings?; Evenings?" intro="Hi all"'
    await bot.say("wren", chat, channel="family")
    await bot.say("wren", "A1: Music in the car", channel="family")
    await bot.say("lee", "A1: A calm breakfast", channel="family")
    await bot.app.directory.flush()
    now = bot.app.clock.now()
    async with bot.app.db.engine.begin() as conn:
        [cid] = (await conn.execute(select(community_prompts.c.community_id).limit(1))).one()
        await conn.execute(
            insert(members).values(
                community_id=cid, user_id="wren", language="es", timezone=None, created_at=now
            )
        )
        place = {"community_id": cid, "channel": "parents"}
        await conn.execute(
            insert(dialogues).values(
                **place, user_id="wren", form="{}", answers='{"text": "half"}', created_at=now
            )
        )
        await conn.execute(
            insert(pending_choices).values(**place, user_id="wren", buttons="[]", created_at=now)
        )


def holding(state: dict[str, list[tuple[object, ...]]], who: str) -> dict[str, int]:
    """Rows, by table, with a value that is `who` or mentions them."""
    found = {
        table: sum(1 for row in rows if any(who in str(value) for value in row))
        for table, rows in state.items()
    }
    return {table: n for table, n in found.items() if n}


async def test_a_members_data_is_exported_then_deleted_from_every_table(bot: TestBot) -> None:
    await everything_of_wren(bot)
    wren = bot.member("wren")
    everything = await bot.state(skip=())
    assert holding(everything, "wren") == {
        "community_prompts": 2,
        "dialogues": 1,
        "discussion_reactions": 1,
        "discussion_replies": 1,
        "faq_entries": 1,
        "idea_notices": 1,
        "member_locales": 1,
        "member_roles": 2,
        "members": 1,
        "outbox": 18,
        "pending_choices": 1,
        "office_hours": 1,
        "away_periods": 2,
        "poll_ballots": 1,
        "polls": 1,
        "schedules": 1,
        "chat_answers": 1,
        "chats": 1,
    }
    async with bot.app.db.engine.begin() as conn:
        exported = await export_member(conn, bot.app.features, wren)
    at = bot.app.clock.now()  # the fake clock has not moved: every row is from now
    assert exported == {
        "chats": {
            "chat_answers": [{"at": at, "chat_id": 1, "number": 1, "text": "Music in the car"}],
            "chat_questions": [
                {"chat_id": 1, "number": 1, "text": "Mornings?"},
                {"chat_id": 1, "number": 2, "text": "Evenings?"},
            ],
            "chat_series": [],
            "chats": [
                {"channel": "family", "id": 1, "intro": "Hi all", "starts_at": at, "wrap_up": None}
            ],
        },
        "conversation": {
            "dialogues": [{"answers": '{"text": "half"}', "channel": "parents", "form": "{}"}],
            "pending_choices": [{"buttons": "[]", "channel": "parents"}],
        },
        "faq": {
            "faq_entries_written": [
                {"created_at": at, "id": 1, "question": "When does school start?"}
            ],
            "faq_proposals_made": [],
            "faq_questions_asked": [],
        },
        "members": {
            "member_locales": [{"locale": "fr"}],
            "member_roles": [{"granted_at": at, "role": "organizer"}],
            "member_roles_granted": [{"granted_at": at, "role": "liaison"}],
            "members": [
                {
                    "created_at": at,
                    "digest_credit": None,
                    "dm_off": 0,
                    "language": "es",
                    "paused_until": None,
                    "quiet_hours": None,
                    "timezone": None,
                }
            ],
        },
        "digests": {"digest_items": [], "digests": []},
        "polls": {
            "poll_ballots": [{"choice": "cake", "poll_id": 1}],
            "poll_series": [],
            "polls": [
                {
                    "channel": "parents",
                    "created_at": at,
                    "id": 1,
                    "options": '["fruit", "cake"]',
                    "question": "Snacks?",
                }
            ],
        },
        "office_hours": {
            "office_hours": [
                {
                    "days": "0,1,2,3,4",
                    "opens": "08:00",
                    "closes": "15:30",
                    "timezone": "America/Chicago",
                    "updated_at": at,
                }
            ],
            # Days are read in the zone of wren's hours: midnight in Chicago.
            "away_periods": [
                {
                    "starts": datetime(2026, 9, 14, 5, tzinfo=UTC),
                    "until": datetime(2026, 9, 21, 5, tzinfo=UTC),
                    "backup": None,
                }
            ],
            # When wren stands in, not for whom: that is Sam's record.
            "away_periods_as_backup": [{"starts": at, "until": datetime(2026, 9, 10, tzinfo=UTC)}],
        },
        "prompts": {
            "community_prompts": [
                {
                    "author_language": "en",
                    "created_at": at,
                    "status": "accepted",
                    "text": "What made you laugh this week?",
                },
                {
                    "author_language": "en",
                    "created_at": at,
                    "status": "pending",
                    "text": "Which book do they reread?",
                },
            ],
            "discussion_reactions": [{"discussion_id": 1, "emoji": "👍"}],
            "discussion_replies": [
                {"at": at, "discussion_id": 1, "text": "We read under a blanket fort."}
            ],
            "idea_notices": [{"dm_off": 1, "last_sent_at": at}],
            "schedules": [
                {"channel": "parents", "created_at": at, "id": 1, "series_id": "moving-up"}
            ],
        },
        # wren asked nothing (tests/features/questions/test_privacy_of_questions.py asks)
        "questions": {
            "question_liaisons": [],
            "question_notes": [],
            "question_routes": [],
            "question_routes_escalating_to_you": [],
            "questions": [],
        },
    }
    async with bot.app.db.engine.begin() as conn:
        changed = await delete_member(conn, bot.app.features, wren)
    # 2 (conversation) + 4 (members: prefs, locale, role, and the role granted to sam
    # loses its giver) + 6 (prompts: the idea not taken goes, the accepted prompt stays
    # without its author, notices, the schedule without its maker, reply, reaction)
    # + 3 (office hours: the hours, the time away, and Sam's time away loses its backup)
    # + 2 (polls: the named vote goes, the poll stays without its maker)
    # + 1 (faq: the entry wren wrote stays, the group's, without its writer)
    # + 2 (chats: wren's answer goes, the chat stays without its starter)
    assert changed == 20
    after = await bot.state(skip=())
    kept = [("What made you laugh this week?",)]
    assert [r[2:3] for r in after["community_prompts"]] == kept  # the group's prompt stays
    assert [r[-1] for r in after["schedules"]] == [None]  # month_week: the row stays
    assert [(r[1], r[3]) for r in after["member_roles"]] == [("sam", None)]
    assert [r[3] for r in after["discussion_replies"]] == ["Same here!"]  # lee's words stay
    # Sam is still away; only who stood in is gone.
    assert [(r[2], r[5]) for r in after["away_periods"]] == [("sam", None)]
    assert [r[1] for r in after["poll_ballots"]] == [
        bot.app.kernel.anonymity.token("poll", "2", wren)
    ]  # the anonymous vote still counts; nothing ties it to wren
    assert [r[2] for r in after["faq_entries"]] == ["When does school start?"]
    assert [(r[5], r[6]) for r in after["chat_answers"]] == [("lee", "A calm breakfast")]
    # Delivery bookkeeping (the messages sent to wren) goes with the housekeeping that
    # purges every sent row after two days; nothing else keeps wren's ID.
    bot.app.clock.advance(timedelta(days=2, seconds=1).total_seconds())  # type: ignore[attr-defined]
    await bot.app.tidy()
    assert holding(await bot.state(skip=()), "wren") == {}
