"""After a crash, the outbox asks whether a row's message already arrived: on Slack the
message carries the row's key in its metadata, and `find_delivered` reads it back."""

import time

import pytest

from adapters.slack.adapter import FIND_LIMIT, FIND_WINDOW
from adapters.slack.fake import Call
from bot.delivery import PermanentFailure, RetryAfter
from bot.intents import DirectMessage, Ephemeral, Message, Pin, Post, React, Update
from bot.refs import ConversationRef, MemberRef
from tests.adapters.slack.conftest import SlackRig
from tests.conftest import LEE

PARENTS = ConversationRef("slack", "T0SCHOOL", "C0PARENTS")
POST = Post(to=PARENTS, message=Message(text="This week: screens and sleep"))
TAG = {"event_type": "homeroom_outbox", "event_payload": {"key": "hr41"}}


def _calls(rig: SlackRig, method: str) -> list[Call]:
    return [c for c in rig.fake.calls if c.method == method]


async def test_a_post_carries_its_key_and_is_found_by_it(slack: SlackRig) -> None:
    assert await slack.adapter.find_delivered(POST, "hr41") is None  # not sent yet
    ts = await slack.adapter.deliver(POST, key="hr41")
    await slack.adapter.deliver(POST, key="hr42")  # the same text, another row
    [first, _] = _calls(slack, "chat.postMessage")
    assert first.params["metadata"] == TAG
    assert await slack.adapter.find_delivered(POST, "hr41") == ts
    assert await slack.adapter.find_delivered(POST, "hr40") is None
    reads = _calls(slack, "conversations.history")
    assert [(r.params["channel"], r.params["include_all_metadata"]) for r in reads] == [
        ("C0PARENTS", "1")
    ] * 3
    assert {r.params["limit"] for r in reads} == {str(FIND_LIMIT)}
    oldest = float(reads[-1].params["oldest"])
    assert time.time() - FIND_WINDOW - 5 < oldest < time.time() - FIND_WINDOW + 5


async def test_a_message_older_than_the_window_is_not_found(slack: SlackRig) -> None:
    ts = await slack.adapter.deliver(POST, key="hr41")
    assert ts is not None
    [message] = slack.fake.messages["C0PARENTS"]
    message["ts"] = f"{time.time() - FIND_WINDOW - 60:.6f}"  # sent 31 minutes ago
    assert await slack.adapter.find_delivered(POST, "hr41") is None


async def test_a_thread_reply_is_found_in_its_thread(slack: SlackRig) -> None:
    parent = await slack.adapter.deliver(POST, key="hr1")
    assert parent is not None
    reply = Post(
        to=ConversationRef("slack", "T0SCHOOL", "C0PARENTS", thread=parent),
        message=Message(text="Reminder: share one idea"),
    )
    ts = await slack.adapter.deliver(reply, key="hr2")
    assert await slack.adapter.find_delivered(reply, "hr2") == ts
    [read] = _calls(slack, "conversations.replies")
    assert (read.params["channel"], read.params["ts"]) == ("C0PARENTS", parent)


async def test_a_dm_is_found_in_the_dm_channel(slack: SlackRig) -> None:
    dm = DirectMessage(member=MemberRef("slack", "T0SCHOOL", LEE), message=Message(text="Hi"))
    ts = await slack.adapter.deliver(dm, key="hr9")
    assert await slack.adapter.find_delivered(dm, "hr9") == ts
    [read] = _calls(slack, "conversations.history")
    assert read.params["channel"] == "D" + LEE


async def test_only_the_first_part_of_a_split_message_carries_the_key(slack: SlackRig) -> None:
    text = "\n\n".join(f"Part {n} " + "x" * 2900 for n in range(60))
    long = Post(to=PARENTS, message=Message(text=text, title="Digest"))
    ts = await slack.adapter.deliver(long, key="hr5")
    first, second = _calls(slack, "chat.postMessage")
    assert (first.params["metadata"], "metadata" in second.params) == (
        {"event_type": "homeroom_outbox", "event_payload": {"key": "hr5"}},
        False,
    )
    assert await slack.adapter.find_delivered(long, "hr5") == ts


async def test_what_slack_cannot_find_again_is_none_without_asking(slack: SlackRig) -> None:
    lee = MemberRef("slack", "T0SCHOOL", LEE)
    pinned = ConversationRef("slack", "T0SCHOOL", "C0PARENTS", message="1.2")
    for intent in (
        Ephemeral(to=PARENTS, member=lee, message=Message(text="Saved")),
        Pin(to=pinned),
        React(to=pinned, emoji="👍"),
        Update(to=pinned, message=Message(text="Edited")),
    ):
        assert await slack.adapter.find_delivered(intent, "hr1") is None
    assert slack.fake.calls == []


async def test_when_slack_cannot_say_find_delivered_raises(slack: SlackRig) -> None:
    slack.fake.fail_next(
        "conversations.history", 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "60"}
    )
    with pytest.raises(RetryAfter) as limited:
        await slack.adapter.find_delivered(POST, "hr1")
    assert (limited.value.seconds, limited.value.scope) == (60.0, "lane")
    slack.fake.missing_channels.add("C0PARENTS")
    with pytest.raises(PermanentFailure):
        await slack.adapter.find_delivered(POST, "hr1")
    slack.fake.fail_next("conversations.history", 500, {"ok": False, "error": "internal_error"})
    with pytest.raises(Exception, match="internal_error"):
        await slack.adapter.find_delivered(POST, "hr1")
