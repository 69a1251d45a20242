"""The real discord.py client against a local fake gateway and REST API."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

import pytest

from adapters.discord.adapter import DEFER_AFTER
from adapters.discord.fake import FORUM, LIAISONS, button_press, modal_submit, slash_command
from bot.events import Event
from bot.intents import Intent, Message, Post
from bot.refs import ConversationRef
from bot.testing import run_until
from tests.adapters.discord.conftest import DANA, LEE, MARIA, SAM, DiscordRig

EPHEMERAL = 64
CALLBACK = "POST /interactions/"


def option(name: str, value: object, kind: int = 3) -> dict[str, object]:
    return {"name": name, "type": kind, "value": value}


def sub(name: str, *options: dict[str, object]) -> dict[str, object]:
    return {"name": name, "type": 1, "options": list(options)}


async def test_help_is_answered_privately_through_the_interaction(discord_bot: DiscordRig) -> None:
    fake = discord_bot.fake
    payload = slash_command("help", user_id=LEE, username="lee")
    await fake.dispatch("INTERACTION_CREATE", payload)
    [callback] = await fake.wait_for(1, CALLBACK)
    assert callback.path == f"/interactions/{payload['id']}/{payload['token']}/callback"
    assert callback.query == {"with_response": "1"}
    assert callback.body["type"] == 4  # a message, sent as the interaction's response
    assert callback.body["data"]["flags"] == EPHEMERAL
    assert callback.body["data"]["embeds"][0]["title"] == "Homeroom help"
    assert callback.body["data"]["allowed_mentions"] == {"parse": [], "users": []}


async def test_setup_and_role_make_exactly_these_rest_calls(discord_bot: DiscordRig) -> None:
    fake = discord_bot.fake
    fake.calls.clear()
    setup = slash_command(
        "setup",
        [option("timezone", "America/Chicago"), option("queue", LIAISONS, 7)],
        user_id=DANA,
        admin=True,
    )
    await fake.dispatch("INTERACTION_CREATE", setup)
    await fake.wait_for(2)
    grant = slash_command(
        "role",
        [sub("grant", option("member", SAM, 6), option("role", "liaison"))],
        user_id=DANA,
        admin=True,
    )
    await fake.dispatch("INTERACTION_CREATE", grant)
    await fake.wait_for(6)
    routes = sorted(f"{c.method} {c.path.split('/')[1]}" for c in fake.calls)
    assert routes == [
        "GET guilds",  # is Sam a member of the server? (a role is never granted to no one)
        "POST channels",  # the liaison queue's welcome
        "POST channels",  # the new liaison's welcome, in their DM
        "POST interactions",  # setup's summary, to Dana only
        "POST interactions",  # "Done: ... is now a liaison", to Dana only
        "POST users",  # opening the DM
    ]
    [queue_welcome] = [c for c in fake.calls if c.path == f"/channels/{LIAISONS}/messages"]
    assert "liaisons' channel" in queue_welcome.body["content"]
    done = next(c for c in fake.calls if c.path.startswith(f"/interactions/{grant['id']}"))
    assert done.body["data"]["content"] == f"Done: <@{SAM}> is now a liaison."
    assert done.body["data"]["allowed_mentions"]["users"] == []  # named, never pinged


async def test_a_spanish_client_gets_spanish(discord_bot: DiscordRig) -> None:
    await discord_bot.fake.dispatch(
        "INTERACTION_CREATE", slash_command("help", user_id=MARIA, locale="es-ES")
    )
    [callback] = await discord_bot.fake.wait_for(1, CALLBACK)
    assert callback.body["data"]["embeds"][0]["title"] == "Ayuda de Homeroom"


async def test_missing_options_open_a_modal_whose_answers_run_the_command(
    discord_bot: DiscordRig,
) -> None:
    fake = discord_bot.fake
    await fake.dispatch(
        "INTERACTION_CREATE", slash_command("role", [sub("grant")], user_id=DANA, admin=True)
    )
    [opened] = await fake.wait_for(1, CALLBACK)
    assert opened.body["type"] == 9  # MODAL, as the interaction's first response
    modal = opened.body["data"]
    assert modal["custom_id"] == "form|command:role grant"
    assert [row["components"][0]["custom_id"] for row in modal["components"]] == ["member", "role"]
    submitted = modal_submit(
        modal["custom_id"], {"member": f"<@{SAM}>", "role": "organizer"}, user_id=DANA, admin=True
    )
    await fake.dispatch("INTERACTION_CREATE", submitted)
    replies = await fake.wait_for(2, CALLBACK)
    assert replies[1].body["data"]["content"] == f"Done: <@{SAM}> is now an organizer."


async def test_a_button_press_is_served_from_its_custom_id(discord_bot: DiscordRig) -> None:
    await discord_bot.fake.dispatch(
        "INTERACTION_CREATE", button_press("help.topic|role", user_id=DANA, admin=True)
    )
    [callback] = await discord_bot.fake.wait_for(1, CALLBACK)
    assert callback.body["data"]["embeds"][0]["title"] == "Help: role"


async def test_a_button_still_works_after_a_restart(
    rigs: Callable[[], Awaitable[DiscordRig]],
) -> None:
    first = await rigs()
    await first.fake.dispatch("INTERACTION_CREATE", slash_command("help", user_id=LEE))
    [card] = await first.fake.wait_for(1, CALLBACK)  # a parent's help: one message
    buttons = card.body["data"]["components"][0]["components"]
    poll_button = next(b for b in buttons if b["label"] == "poll")
    await first.adapter.stop()
    await first.app.stop()

    second = await rigs()  # a new process on the same database: nothing kept in memory
    second.fake.calls.clear()
    await second.fake.dispatch(
        "INTERACTION_CREATE", button_press(poll_button["custom_id"], user_id=LEE)
    )
    [callback] = await second.fake.wait_for(1, CALLBACK)
    assert callback.body["data"]["embeds"][0]["title"] == "Help: poll"


async def test_commands_are_registered_once_not_on_every_start(
    rigs: Callable[[], Awaitable[DiscordRig]],
) -> None:
    first = await rigs()
    [synced] = await first.fake.wait_for(1, "PUT /applications/")
    assert sorted(c["name"] for c in synced.body) == [
        "Ask a liaison about this",  # message context-menu commands
        "File as answer to Q...",
        "ask",
        "away",
        "chat",
        "digest",
        "faq",
        "help",
        "hours",
        "me",
        "poll",
        "prompt",
        "queue",
        "retention",
        "role",
        "route",
        "series",
        "setup",
    ]
    role = next(c for c in synced.body if c["name"] == "role")
    assert role["default_member_permissions"] == str(1 << 5)  # hidden from non-organizers
    retention = next(c for c in synced.body if c["name"] == "retention")
    assert retention["default_member_permissions"] == str(1 << 5)
    assert [o["name"] for o in role["options"]] == ["grant", "revoke", "list"]
    await first.adapter.stop()
    await first.app.stop()
    await rigs()
    assert [c for c in first.fake.calls if c.method == "PUT"] == [synced]


async def test_malformed_payloads_are_logged_and_skipped(
    discord_bot: DiscordRig, caplog: pytest.LogCaptureFixture
) -> None:
    fake = discord_bot.fake
    broken = slash_command("help", user_id=LEE)
    del broken["data"]["name"]
    with caplog.at_level(logging.WARNING):
        await fake.dispatch("INTERACTION_CREATE", broken)
        await fake.dispatch("MESSAGE_CREATE", {"id": "1", "unexpected": True})
        [sorry] = await fake.wait_for(1, CALLBACK)
    assert (
        sorry.body["data"]["content"]
        == "Sorry, I couldn't do that just now. Please try again in a moment."
    )
    await fake.dispatch("INTERACTION_CREATE", slash_command("help", user_id=LEE))
    await fake.wait_for(2, CALLBACK)  # still connected and serving
    assert "event=discord_bad_payload kind=MESSAGE_CREATE" in caplog.text
    assert fake.identifies == 1  # the bad payload did not cost a new session


async def test_an_interaction_nobody_can_serve_still_gets_a_kind_answer(
    discord_bot: DiscordRig,
) -> None:
    await discord_bot.fake.dispatch(
        "INTERACTION_CREATE", button_press("retired.action|7", user_id=LEE)
    )
    [callback] = await discord_bot.fake.wait_for(1, CALLBACK)
    assert (
        callback.body["data"]["content"] == "That button is no longer in use. Nothing was changed."
    )


async def test_posts_never_ping_everyone_and_forums_get_a_post(discord_bot: DiscordRig) -> None:
    adapter = discord_bot.adapter
    parents = ConversationRef("discord", "1", "1300000000000000001")
    await adapter.deliver(Post(to=parents, message=Message(text="Hi @everyone and @here")))
    forum = ConversationRef("discord", "1", FORUM)
    await adapter.deliver(
        Post(to=forum, message=Message(text="This week: screens and sleep", title="Week 3"))
    )
    posted, threaded = await discord_bot.fake.wait_for(2, "POST /channels/")
    assert posted.body["allowed_mentions"]["parse"] == []
    assert threaded.path == f"/channels/{FORUM}/threads"
    assert threaded.body["name"] == "Week 3"


async def test_time_zones_autocomplete(discord_bot: DiscordRig) -> None:
    data = {
        "id": "1",
        "name": "setup",
        "type": 1,
        "options": [{"name": "timezone", "type": 3, "value": "madr", "focused": True}],
    }
    from adapters.discord.fake import interaction

    await discord_bot.fake.dispatch(
        "INTERACTION_CREATE", interaction(4, data, user_id=DANA, admin=True)
    )
    [callback] = await discord_bot.fake.wait_for(1, CALLBACK)
    assert callback.body["type"] == 8
    assert callback.body["data"]["choices"] == [{"name": "Europe/Madrid", "value": "Europe/Madrid"}]


async def test_a_dropped_connection_resumes_instead_of_identifying_again(
    discord_bot: DiscordRig,
) -> None:
    fake = discord_bot.fake
    await fake.drop_connections(code=4000)
    await fake.wait_for_resume()
    assert (fake.identifies, fake.resumes) == (1, 1)
    await fake.dispatch("INTERACTION_CREATE", slash_command("help", user_id=LEE))
    await fake.wait_for(1, CALLBACK)  # and serving on the resumed session


async def test_a_429_is_waited_out_by_the_outbox_and_the_post_sent_once(
    discord_bot: DiscordRig,
) -> None:
    fake, app = discord_bot.fake, discord_bot.app
    # Short enough that discord.py would wait it out itself, with a real sleep.
    limited = {"message": "You are being rate limited.", "retry_after": 12.5, "global": False}
    fake.fail_next("POST /channels/", 429, limited, {"Via": "1.1 google", "Retry-After": "13"})
    parents = ConversationRef("discord", "1", "1300000000000000001")
    app.outbox.submit([Post(to=parents, message=Message(text="Week 2 is up"))])
    await run_until(app)
    posts = [c for c in fake.calls if c.path == "/channels/1300000000000000001/messages"]
    assert len(posts) == 2  # refused once, then sent exactly once ...
    assert app.clock.monotonic() == 12.5  # ... by Homeroom's outbox, after exactly 12.5 s
    assert await _statuses(app) == [("sent", 1)]


async def test_a_global_429_pauses_every_channel_not_one(discord_bot: DiscordRig) -> None:
    fake, app = discord_bot.fake, discord_bot.app
    limited = {"message": "You are being rate limited.", "retry_after": 90.0, "global": True}
    headers = {"Via": "1.1 google", "Retry-After": "90", "X-RateLimit-Global": "true"}
    fake.fail_next("POST /channels/1300000000000000001/", 429, limited, headers)
    parents = ConversationRef("discord", "1", "1300000000000000001")
    app.outbox.submit([Post(to=parents, message=Message(text="first"))])
    await run_until(app, fake.wait_for(1, "POST /channels/"))
    other = ConversationRef("discord", "1", LIAISONS)
    app.outbox.submit([Post(to=other, message=Message(text="elsewhere"))])
    await run_until(app)
    sent = [c for c in fake.calls if c.method == "POST" and c.path.startswith("/channels/")]
    assert [c.body["content"] for c in sent] == ["first", "first", "elsewhere"]
    assert app.clock.monotonic() == pytest.approx(90.0 + 1 / 45)  # both waited the 90 s


# Each sign Discord gives that a 429 holds every route, alone; and a route's own 429.
GLOBAL_SIGNS = {
    "body": ({"global": True}, {"Via": "1.1 google"}),
    "global-header": ({}, {"Via": "1.1 google", "X-RateLimit-Global": "true"}),
    "scope-header": ({}, {"Via": "1.1 google", "X-RateLimit-Scope": "global"}),
    "cloudflare-ban": ({}, {}),  # no Via: Cloudflare itself refused, every request waits
}


@pytest.mark.parametrize("sign", sorted(GLOBAL_SIGNS))
async def test_each_sign_of_a_global_429_alone_pauses_every_channel(
    discord_bot: DiscordRig, sign: str
) -> None:
    fake, app = discord_bot.fake, discord_bot.app
    extra_body, headers = GLOBAL_SIGNS[sign]
    limited = {"message": "You are being rate limited.", "retry_after": 60.0, **extra_body}
    fake.fail_next("POST /channels/1300000000000000001/", 429, limited, headers)
    app.outbox.submit(
        [
            Post(
                to=ConversationRef("discord", "1", "1300000000000000001"),
                message=Message(text="first"),
            )
        ]
    )
    await run_until(app, fake.wait_for(1, "POST /channels/"))
    other = ConversationRef("discord", "1", LIAISONS)
    app.outbox.submit([Post(to=other, message=Message(text="elsewhere"))])
    await run_until(app)
    sent = [c for c in fake.calls if c.method == "POST" and c.path.startswith("/channels/")]
    assert [c.body["content"] for c in sent] == ["first", "first", "elsewhere"]
    assert app.clock.monotonic() == pytest.approx(60.0 + 1 / 45)


async def test_a_routes_own_429_holds_only_that_channel(discord_bot: DiscordRig) -> None:
    fake, app = discord_bot.fake, discord_bot.app
    limited = {"message": "You are being rate limited.", "retry_after": 60.0, "global": False}
    headers = {"Via": "1.1 google", "X-RateLimit-Scope": "user"}
    fake.fail_next("POST /channels/1300000000000000001/", 429, limited, headers)
    app.outbox.submit(
        [
            Post(
                to=ConversationRef("discord", "1", "1300000000000000001"),
                message=Message(text="first"),
            )
        ]
    )
    await run_until(app, fake.wait_for(1, "POST /channels/"))
    other = ConversationRef("discord", "1", LIAISONS)
    app.outbox.submit([Post(to=other, message=Message(text="elsewhere"))])
    await run_until(app)
    sent = [c for c in fake.calls if c.method == "POST" and c.path.startswith("/channels/")]
    assert [c.body["content"] for c in sent] == ["first", "elsewhere", "first"]
    assert app.clock.monotonic() == 60.0


@pytest.mark.parametrize(
    ("header", "seconds"), [("30", 30.0), ("1.5", 1.5), (None, 1.0), ("soon", 1.0)]
)
async def test_a_429_without_retry_after_in_its_body_waits_its_header_whole(
    discord_bot: DiscordRig, header: str | None, seconds: float
) -> None:
    """ "30" is 30 s, never the 3 s of its first character; missing or garbage is 1 s."""
    fake, app = discord_bot.fake, discord_bot.app
    headers = {"Via": "1.1 google"} | ({} if header is None else {"Retry-After": header})
    fake.fail_next("POST /channels/", 429, {"message": "slow down", "global": False}, headers)
    parents = ConversationRef("discord", "1", "1300000000000000001")
    app.outbox.submit([Post(to=parents, message=Message(text="Week 2 is up"))])
    await run_until(app)
    posts = [c for c in fake.calls if c.path == "/channels/1300000000000000001/messages"]
    assert len(posts) == 2  # refused once, then sent once ...
    assert app.clock.monotonic() == seconds  # ... after exactly the header's wait
    assert await _statuses(app) == [("sent", 1)]


async def _statuses(app: object) -> list[tuple[str, int]]:
    from sqlalchemy import select

    from bot.storage.tables import outbox

    async with app.db.engine.connect() as conn:  # type: ignore[attr-defined]
        rows = await conn.execute(select(outbox.c.status, outbox.c.attempts))
        return [tuple(r) for r in rows]  # type: ignore[misc]


async def test_a_handler_slower_than_the_deferral_still_answers(
    discord_bot: DiscordRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, app = discord_bot.fake, discord_bot.app
    clock = app.clock
    working, finish = asyncio.Event(), asyncio.Event()
    dispatch = app.core.dispatch

    async def slow(event: Event, **how: bool) -> list[Intent]:
        working.set()
        await finish.wait()  # the handler takes as long as the test says
        return await dispatch(event, **how)

    monkeypatch.setattr(app.core, "dispatch", slow)
    started = clock.monotonic()
    await fake.dispatch("INTERACTION_CREATE", slash_command("help", user_id=LEE))
    await asyncio.wait_for(working.wait(), 10)
    clock.advance(DEFER_AFTER - 0.001)  # type: ignore[attr-defined]
    assert clock.next_deadline() == started + DEFER_AFTER  # type: ignore[attr-defined]
    assert [c for c in fake.calls if c.path.startswith("/interactions/")] == []
    clock.advance(0.001)  # type: ignore[attr-defined]
    [deferred] = await fake.wait_for(1, CALLBACK)  # answered within Discord's 3 s
    assert deferred.body["type"] == 5  # "thinking": the member sees it is coming
    assert deferred.body["data"]["flags"] == EPHEMERAL
    finish.set()
    [answer] = await fake.wait_for(1, "POST /webhooks/")
    assert answer.body["embeds"][0]["title"] == "Homeroom help"
    assert len([c for c in fake.calls if c.path.startswith("/interactions/")]) == 1


async def test_when_the_core_has_nothing_to_say_the_member_still_gets_an_answer(
    discord_bot: DiscordRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, app = discord_bot.fake, discord_bot.app

    async def silent(event: Event, **how: bool) -> list[Intent]:
        return []

    monkeypatch.setattr(app.core, "dispatch", silent)
    await fake.dispatch("INTERACTION_CREATE", slash_command("help", user_id=LEE))
    [sorry] = await fake.wait_for(1, CALLBACK)
    assert sorry.body["type"] == 4 and sorry.body["data"]["flags"] == EPHEMERAL
    assert sorry.body["data"]["content"] == (
        "Sorry, I couldn't do that just now. Please try again in a moment."
    )
    await fake.dispatch("INTERACTION_CREATE", button_press("help.topic", user_id=LEE))
    _, pressed = await fake.wait_for(2, CALLBACK)
    assert pressed.body["type"] == 6  # a button: acknowledged quietly, never "failed"


async def test_the_bot_knows_which_channels_it_can_post_in(discord_bot: DiscordRig) -> None:
    assert await discord_bot.adapter.can_post("1300000000000000001")  # #parents, in the server
    assert not await discord_bot.adapter.can_post("1399999999999999999")  # not a channel it can see


async def test_a_role_welcome_is_in_the_language_the_member_uses_on_discord(
    discord_bot: DiscordRig,
) -> None:
    fake = discord_bot.fake
    await fake.dispatch("INTERACTION_CREATE", slash_command("help", user_id=MARIA, locale="es-ES"))
    await fake.wait_for(1, CALLBACK)
    grant = slash_command(
        "role",
        [sub("grant", option("member", MARIA, 6), option("role", "liaison"))],
        user_id=DANA,
        admin=True,
    )
    await fake.dispatch("INTERACTION_CREATE", grant)
    [welcome] = await fake.wait_for(1, "POST /channels/")
    assert welcome.body["content"].startswith("¡Bienvenido/a!")


async def test_a_role_for_someone_not_in_the_server_is_refused(discord_bot: DiscordRig) -> None:
    fake = discord_bot.fake
    fake.missing_members.add(SAM)  # Sam left the server
    grant = slash_command(
        "role",
        [sub("grant", option("member", SAM, 6), option("role", "liaison"))],
        user_id=DANA,
        admin=True,
    )
    await fake.dispatch("INTERACTION_CREATE", grant)
    [refused] = await fake.wait_for(1, CALLBACK)
    assert refused.body["data"]["content"].startswith(f"I can't find @{SAM} in this community")
    await discord_bot.app.outbox.idle()
    assert [c for c in fake.calls if c.path.startswith("/channels/")] == []  # no welcome


async def test_no_message_of_any_kind_can_ping_everyone(discord_bot: DiscordRig) -> None:
    from tests.contract.test_deliverers import every_intent

    fake = discord_bot.fake
    fake.calls.clear()
    pings = "@everyone @here <@&1> hello"
    intents = [
        replace(intent, message=replace(intent.message, text=pings, footer=pings))
        if hasattr(intent, "message")
        else intent
        for intent in every_intent("discord", "1", "1300000000000000001", LEE)
    ]
    for intent in intents:
        await discord_bot.adapter.deliver(intent)
    carrying = [
        c
        for c in fake.calls
        if isinstance(c.body, dict) and ("content" in c.body or "embeds" in c.body)
    ]
    # Two posts, the private answer and the form (by DM: no interaction to answer), the
    # DM, and the edit: each of the six calls that carry text.
    assert [(c.method, c.path.rsplit("/", 2)[-2:]) for c in carrying] == [
        ("POST", ["1300000000000000001", "messages"]),
        ("POST", ["1300000000000000001", "messages"]),
        ("POST", ["1500000000000000014", "messages"]),
        ("POST", ["1500000000000000014", "messages"]),
        ("PATCH", ["messages", "1401"]),
        ("POST", ["1500000000000000014", "messages"]),
    ]
    for call in carrying:
        assert call.body["allowed_mentions"]["parse"] == [], call.path


async def test_an_faq_entry_becomes_a_forum_post_titled_by_its_question(
    discord_bot: DiscordRig,
) -> None:
    fake = discord_bot.fake
    channel = slash_command(
        "faq", [sub("channel", option("channel", FORUM, 7))], user_id=DANA, admin=True
    )
    await fake.dispatch("INTERACTION_CREATE", channel)
    await fake.wait_for(1, CALLBACK)
    fake.calls.clear()
    question = "When does kindergarten enrollment open?"
    add = slash_command(
        "faq",
        [sub("add", option("question", question), option("answer", "On March 1."))],
        user_id=DANA,
        admin=True,
    )
    await fake.dispatch("INTERACTION_CREATE", add)
    [threaded] = await fake.wait_for(1, f"POST /channels/{FORUM}/threads")
    assert threaded.body["name"] == question
    assert threaded.body["message"]["embeds"][0]["description"] == "On March 1."
