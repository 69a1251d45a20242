"""The Slack adapter end to end: signed requests in, exact Web API calls out."""

import json
import logging
import time
from urllib.parse import urlencode

import aiohttp
import pytest

from adapters.slack.fake import (
    block_action,
    event_callback,
    message_shortcut,
    slash,
    view_submission,
)
from bot.intents import Message, Post
from bot.refs import ConversationRef
from bot.testing import run_until
from tests.adapters.slack.conftest import SlackRig
from tests.conftest import DANA, LEE, MARIA, SAM


async def test_help_from_a_signed_slash_command_answers_privately(slack: SlackRig) -> None:
    started = time.perf_counter()
    status, body = await slack.client.command(slash("help", user=LEE, respond_to=slack.fake.url))
    assert (status, body) == (200, "")
    assert time.perf_counter() - started < 3  # acknowledged well inside Slack's 3 seconds
    [call] = await slack.fake.wait_for(1)
    assert call.method == "response_url"
    assert call.params["response_type"] == "ephemeral"
    assert call.params["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Homeroom help", "emoji": True},
    }
    assert call.params["text"].startswith("*Homeroom help*")


async def test_setup_and_role_grant_make_exactly_these_calls(slack: SlackRig) -> None:
    fake = slack.fake
    await slack.client.command(
        slash(
            "setup timezone=America/Chicago languages=en,es queue=<#C0LIAISONS|liaisons>",
            user=DANA,
            respond_to=fake.url,
        )
    )
    await fake.wait_for(2)
    await slack.client.command(
        slash("role grant <@U0SAM|sam> liaison", user=DANA, respond_to=fake.url)
    )
    await fake.wait_for(5)
    # Different lanes (a private reply, a DM) may interleave; within a lane order holds.
    assert sorted(fake.methods()) == sorted(
        [
            "response_url",
            "chat.postMessage",
            "response_url",
            "conversations.open",
            "chat.postMessage",
        ]
    )
    summary, granted = [c for c in fake.calls if c.method == "response_url"]
    queue_post, welcome = [c for c in fake.calls if c.method == "chat.postMessage"]
    [opened] = [c for c in fake.calls if c.method == "conversations.open"]
    assert "America/Chicago" in summary.params["text"]
    assert queue_post.params["channel"] == "C0LIAISONS"
    assert "liaisons' channel" in queue_post.params["text"]
    assert "canal de quienes son enlaces" in queue_post.params["text"]  # en,es: both
    assert granted.params["text"] == "Done: <@U0SAM> is now a liaison."
    assert opened.params["users"] == SAM
    assert welcome.params["channel"] == "DU0SAM"
    assert "made you a school liaison" in welcome.params["text"]


async def test_a_spanish_speaking_member_gets_spanish(slack: SlackRig) -> None:
    await slack.client.command(slash("help", user=MARIA, respond_to=slack.fake.url))
    [call] = await slack.fake.wait_for(1)
    assert call.params["text"].startswith("*Ayuda de Homeroom*")


async def test_missing_options_open_a_modal_and_its_answers_run_the_command(
    slack: SlackRig,
) -> None:
    fake = slack.fake
    await slack.client.command(slash("role grant", user=DANA, respond_to=fake.url))
    [opened] = await fake.wait_for(1, "views.open")
    view = (
        json.loads(opened.params["view"])
        if isinstance(opened.params["view"], str)
        else opened.params["view"]
    )
    assert view["type"] == "modal"
    assert [b["element"]["type"] for b in view["blocks"]] == ["users_select", "static_select"]
    values = {
        "member": {"value": {"type": "users_select", "selected_user": SAM}},
        "role": {"value": {"type": "static_select", "selected_option": {"value": "organizer"}}},
    }
    status, _ = await slack.client.interaction(
        view_submission("command:role grant", values, user=DANA)
    )
    assert status == 200
    [reply] = await fake.wait_for(1, "chat.postEphemeral")
    assert reply.params["text"] == "Done: <@U0SAM> is now an organizer."
    assert reply.params["user"] == DANA


async def test_a_button_press_works_from_its_ids_alone(slack: SlackRig) -> None:
    fake = slack.fake
    status, _ = await slack.client.interaction(
        block_action("help.topic#2", "role", user=DANA, respond_to=fake.url)
    )
    assert status == 200
    [call] = await fake.wait_for(1)
    assert call.params["text"].startswith("*Help: role*")


async def test_bad_or_stale_signatures_get_401_and_change_nothing(slack: SlackRig) -> None:
    good = slack.client
    forged = type(good)(good.app_url, "not-the-secret")
    assert (await forged.command(slash("role grant <@U0LEE> organizer", user=DANA)))[0] == 401
    body = "token=x&text=help"
    stale = good.sign(body, timestamp=int(time.time()) - 600)
    status, _ = await good.post(body, "application/x-www-form-urlencoded", stale)
    assert status == 401
    assert slack.fake.calls == []


async def test_malformed_payloads_get_400_and_a_log_line(
    slack: SlackRig, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        status, _ = await slack.client.post(
            "payload=%7Bnot-json", "application/x-www-form-urlencoded"
        )
        assert status == 400
        status, _ = await slack.client.post("", "application/json")
        assert status == 400
    assert "event=slack_bad_request" in caplog.text
    status, _ = await slack.client.command(slash("help", user=LEE, respond_to=slack.fake.url))
    assert status == 200  # and the app still serves


async def test_an_event_delivered_four_times_has_one_effect(slack: SlackRig) -> None:
    event = event_callback(
        {"type": "app_home_opened", "user": SAM, "channel": "DSAM", "tab": "home"},
        event_id="Ev0REPLAY",
    )
    for retry in (None, 1, 2, 3):
        assert (await slack.client.event(event, retry=retry))[0] == 200
    await slack.fake.wait_for(1, "views.publish")
    await slack.client.command(slash("help", user=LEE, respond_to=slack.fake.url))
    await slack.fake.wait_for(1, "response_url")  # later work has been done ...
    assert slack.fake.methods().count("views.publish") == 1  # ... and the replay had one effect


async def test_the_bots_own_and_other_bots_messages_are_ignored(slack: SlackRig) -> None:
    for event in (
        {"type": "message", "channel": "C0PARENTS", "user": "UBOT", "text": "1", "ts": "2.1"},
        {"type": "message", "channel": "C0PARENTS", "bot_id": "B2", "text": "1", "ts": "2.2"},
        {"type": "message", "subtype": "message_changed", "channel": "C0PARENTS", "ts": "2.3"},
    ):
        assert (await slack.client.event(event_callback(event)))[0] == 200
    await slack.client.command(slash("help", user=LEE, respond_to=slack.fake.url))
    await slack.fake.wait_for(1)
    assert slack.fake.methods() == ["response_url"]


async def test_a_burst_of_429s_delays_without_losing_or_doubling(slack: SlackRig) -> None:
    fake, app = slack.fake, slack.adapter.homeroom
    for _ in range(3):
        fake.fail_next(
            "chat.postMessage", 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "2"}
        )
    # Each command once the one before was refused: sends that start together (their
    # in-flight marks share one commit) would all be refused at once instead.
    await slack.client.command(slash("setup queue=<#C0LIAISONS>", user=DANA, respond_to=fake.url))
    await run_until(app, fake.wait_for(1, "chat.postMessage"))
    await slack.client.command(slash("role grant <@U0SAM> liaison", user=DANA, respond_to=fake.url))
    await run_until(app, fake.wait_for(2, "chat.postMessage"))
    await slack.client.command(
        slash("role grant <@U0LEE> organizer", user=DANA, respond_to=fake.url)
    )
    posts = await run_until(app, fake.wait_for(6, "chat.postMessage"))  # 3 refused + 3 sent
    assert posts is not None
    delivered = [p.params["channel"] for p in posts[3:]]
    assert sorted(delivered) == ["C0LIAISONS", "DU0LEE", "DU0SAM"]
    await run_until(app)
    # A 429 holds the whole workspace for exactly its 2 s, so the three refusals come
    # at 0, 2 and 4 s; then one goes at once (6 s) and the next two at 20 a second.
    assert app.clock.monotonic() == pytest.approx(6.1)
    assert len(fake.calls) == 3 + 6 + 2  # 3 replies, 6 posts, 2 DM opens; nothing more


async def test_a_form_whose_trigger_expired_is_offered_again_with_a_button(slack: SlackRig) -> None:
    fake = slack.fake
    fake.fail_next("views.open", 200, {"ok": False, "error": "expired_trigger_id"})
    await slack.client.command(slash("role grant", user=DANA, respond_to=fake.url))
    [offer] = await fake.wait_for(1, "response_url")
    [button] = offer.params["blocks"][-1]["elements"]
    assert button["value"] == "role grant"
    await slack.client.interaction(
        block_action(button["action_id"], button["value"], user=DANA, respond_to=fake.url)
    )
    opened = await fake.wait_for(2, "views.open")  # the refused one, then the one that works
    assert opened[1].params["trigger_id"] != opened[0].params["trigger_id"]


async def test_without_a_response_url_private_replies_use_post_ephemeral(slack: SlackRig) -> None:
    payload = slash("help", user=LEE)
    payload["response_url"] = ""
    await slack.client.command(payload)
    [call] = await slack.fake.wait_for(1, "chat.postEphemeral")
    assert (call.params["channel"], call.params["user"]) == ("C0PARENTS", LEE)


async def test_text_a_member_wrote_can_never_ping_everyone(slack: SlackRig) -> None:
    where = ConversationRef("slack", "T0SCHOOL", "C0PARENTS")
    await slack.adapter.deliver(
        Post(to=where, message=Message(text="Hi <!channel> <!here|here> <!everyone>"))
    )
    [call] = await slack.fake.wait_for(1, "chat.postMessage")
    assert "<!" not in json.dumps(call.params)


async def test_a_post_over_50_blocks_goes_as_several_messages_in_order(slack: SlackRig) -> None:
    app = slack.adapter.homeroom
    where = ConversationRef("slack", "T0SCHOOL", "C0PARENTS", thread="1700000000.000100")
    text = "\n\n".join(f"Part {n} " + "x" * 2900 for n in range(60))
    app.outbox.submit([Post(to=where, message=Message(text=text, title="Digest"))])
    await run_until(app)
    calls = [c for c in slack.fake.calls if c.method == "chat.postMessage"]
    assert len(calls) == 2
    sent = [block for c in calls for block in c.params["blocks"]]
    assert len(sent) == 61  # the header and all 60 sections: nothing cut
    assert [b["text"]["text"].split(" ")[1] for b in sent[1:]] == [str(n) for n in range(60)]
    assert {(c.params["channel"], c.params["thread_ts"]) for c in calls} == {
        ("C0PARENTS", "1700000000.000100")
    }


async def test_a_response_url_answering_429_is_retried_after_its_wait_not_lost(
    slack: SlackRig,
) -> None:
    fake, app = slack.fake, slack.adapter.homeroom
    fake.fail_next("response_url", 429, {}, {"Retry-After": "30"})
    await slack.client.command(slash("help", user=LEE, respond_to=fake.url))
    answers = await run_until(app, fake.wait_for(2, "response_url"))
    await run_until(app)
    assert answers is not None and len(answers) == 2  # refused once, then answered once
    assert answers[0].params == answers[1].params
    assert app.clock.monotonic() == 30.0  # exactly the Retry-After (all of its digits)
    assert fake.methods() == ["response_url", "response_url"]  # not lost, nothing else


async def test_a_message_shortcut_runs_its_command_on_that_message(slack: SlackRig) -> None:
    seen = []
    original = slack.adapter.homeroom.core.dispatch

    async def spy(event, **how):  # type: ignore[no-untyped-def]
        seen.append(event)
        return await original(event, **how)

    slack.adapter.homeroom.core.dispatch = spy  # type: ignore[method-assign]
    shortcut = message_shortcut(
        "homeroom.help", user=LEE, text="What is homework?", respond_to=slack.fake.url
    )
    assert (await slack.client.interaction(shortcut))[0] == 200
    [reply] = await slack.fake.wait_for(1, "response_url")
    assert reply.params["text"].startswith("*Homeroom help*")
    [event] = seen
    assert (event.name, event.target.message, event.target_text) == (
        "help",
        "1700000000.000200",
        "What is homework?",
    )


async def test_the_bot_knows_which_channels_it_can_post_in(slack: SlackRig) -> None:
    slack.fake.missing_channels.add("C0GONE")
    assert await slack.adapter.can_post("C0PARENTS")
    assert not await slack.adapter.can_post("C0GONE")


async def test_requests_without_signature_headers_or_with_a_bad_timestamp_get_401(
    slack: SlackRig, caplog: pytest.LogCaptureFixture
) -> None:
    body = urlencode(slash("help", user=LEE))
    signed = slack.client.sign(body)
    unsigned_cases = [
        {},  # no signature headers at all
        {"X-Slack-Signature": signed["X-Slack-Signature"]},  # no timestamp
        {"X-Slack-Request-Timestamp": signed["X-Slack-Request-Timestamp"]},  # no signature
        {**signed, "X-Slack-Request-Timestamp": "soon"},
        {**signed, "X-Slack-Request-Timestamp": "١٧٠٠٠٠٠٠٠٠"},  # digits, but not ASCII
        {**signed, "X-Slack-Request-Timestamp": ""},
    ]
    statuses = []
    with caplog.at_level(logging.DEBUG):
        for headers in unsigned_cases:
            async with (
                aiohttp.ClientSession() as session,
                session.post(
                    slack.client.app_url,
                    data=body,
                    headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
                ) as response,
            ):
                statuses.append(response.status)
    assert statuses == [401] * len(unsigned_cases)
    assert [r for r in caplog.records if r.exc_info] == []
    assert slack.fake.calls == []


@pytest.mark.parametrize(
    "missing", ["trigger_id", "channel_id", "user_id", "team_id", "command", "response_url"]
)
async def test_a_signed_command_with_a_missing_field_is_answered_without_a_traceback(
    slack: SlackRig, caplog: pytest.LogCaptureFixture, missing: str
) -> None:
    payload = slash("help", user=LEE, respond_to=slack.fake.url)
    del payload[missing]
    with caplog.at_level(logging.DEBUG):
        status, _ = await slack.client.command(payload)
        await slack.adapter.homeroom.outbox.idle()
    assert status in (200, 400, 404)  # 404: no listener for a payload naming no command
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "block_actions"},
        {"type": "block_actions", "team": {"id": "T0SCHOOL"}, "user": {"id": LEE}},
        {"type": "view_submission", "team": {"id": "T0SCHOOL"}, "user": {"id": LEE}},
        {"type": "message_action", "callback_id": "homeroom.x", "user": {"id": LEE}},
    ],
)
async def test_a_signed_interaction_with_missing_fields_is_answered_without_a_traceback(
    slack: SlackRig, caplog: pytest.LogCaptureFixture, payload: dict[str, object]
) -> None:
    with caplog.at_level(logging.DEBUG):
        status, _ = await slack.client.interaction(payload)
        await slack.adapter.homeroom.outbox.idle()
    assert status in (200, 400, 404)
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []


async def test_a_signed_event_with_missing_fields_is_answered_without_a_traceback(
    slack: SlackRig, caplog: pytest.LogCaptureFixture
) -> None:
    events = [
        {"type": "event_callback", "event": {"type": "message", "user": LEE}},
        event_callback({"type": "reaction_added", "user": LEE}),
        event_callback({"type": "message", "user": LEE}),
    ]
    with caplog.at_level(logging.DEBUG):
        statuses = [(await slack.client.event(e))[0] for e in events]
        await slack.adapter.homeroom.outbox.idle()
    assert all(s in (200, 400) for s in statuses)
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []


async def test_the_log_never_names_a_member_or_quotes_them(
    slack: SlackRig, caplog: pytest.LogCaptureFixture
) -> None:
    stranger, words = "U0STRANGER7", "mi hijo tiene dificultades"
    with caplog.at_level(logging.INFO):
        await slack.client.command(slash(f"help {words}", user=stranger, respond_to=slack.fake.url))
        await slack.fake.wait_for(1, "response_url")
        await slack.client.event(event_callback({"type": "message", "user": stranger}))
        await slack.adapter.homeroom.outbox.idle()
    assert "event=users_info_failed error=user_not_found" in caplog.text
    assert stranger not in caplog.text
    assert words not in caplog.text


async def test_a_role_for_someone_slack_does_not_know_is_refused_with_the_nearest_name(
    slack: SlackRig,
) -> None:
    fake = slack.fake
    await slack.client.command(slash("role grant @saam liaison", user=DANA, respond_to=fake.url))
    [refused] = await fake.wait_for(1)
    assert refused.params["text"] == (
        "I can't find @saam in this community, so nothing changed. Did you mean <@U0SAM>?"
    )
    assert fake.methods() == ["response_url"]  # no DM to no one


async def test_a_role_welcome_is_in_the_recipients_slack_language(slack: SlackRig) -> None:
    fake = slack.fake
    await slack.client.command(
        slash("role grant <@U0MARIA|maria> liaison", user=DANA, respond_to=fake.url)
    )
    await fake.wait_for(3)
    [welcome] = [c for c in fake.calls if c.method == "chat.postMessage"]
    assert welcome.params["text"].startswith("¡Bienvenido/a!")  # Maria's Slack speaks Spanish
