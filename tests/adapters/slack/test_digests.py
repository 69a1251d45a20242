"""Digests on Slack, against the local fake: the draft shown privately through the
response_url, published with chat.postMessage in the group's channel, and a parent's
export refused."""

from __future__ import annotations

from adapters.slack.fake import slash
from bot.app import Homeroom
from bot.testing import run_until
from tests.adapters.slack.conftest import SlackRig
from tests.conftest import DANA, LEE
from tests.features.digests.helpers import seed_draft


async def said(slack: SlackRig, homeroom: Homeroom, text: str, user: str) -> str:
    before = len([c for c in slack.fake.calls if c.method == "response_url"])
    await slack.client.command(slash(text, user=user, respond_to=slack.fake.url))
    replies = await run_until(homeroom, slack.fake.wait_for(before + 1, "response_url"))
    return str(replies[before].params.get("text"))


async def test_a_digest_on_slack(slack: SlackRig, homeroom: Homeroom) -> None:
    assert await said(slack, homeroom, "digest show", DANA) == (
        "No draft digest is waiting. “digest build” makes one."
    )
    await seed_draft(homeroom, "C0PARENTS")
    draft = await said(slack, homeroom, "digest show 1", DANA)
    assert "• [2] We don't, honestly. ↗ https://chat.example/m" in draft
    assert await said(slack, homeroom, "digest publish 1", LEE) == (
        "Only organizers can do that. If you help run this group, an organizer can give "
        "you the role with “role grant”."
    )
    assert await said(slack, homeroom, "digest publish 1", DANA) == (
        "Digest #1 is posted in <#C0PARENTS>."
    )
    [post] = await run_until(homeroom, slack.fake.wait_for(1, "chat.postMessage"))
    assert post.params["channel"] == "C0PARENTS"
    text = str(post.params["text"])
    assert text.startswith("📝 *Digest: Homework without tears*\nLive chat · Monday 7 September")
    assert "• Ask them to explain it to the dog. — sam ↗ https://chat.example/m" in text
    assert await said(slack, homeroom, "digest export", LEE) == (
        "Only organizers can do that. If you help run this group, an organizer can give you "
        "the role with “role grant”."
    )
    exported = await said(slack, homeroom, "digest export format=markdown", DANA)
    assert exported == "I've sent the digest archive to you in a direct message."
    await run_until(homeroom, slack.fake.wait_for(1, "files.completeUploadExternal"))
    [file] = slack.fake.uploads.values()
    assert file.decode().startswith("# Digests of #C0PARENTS\n")
