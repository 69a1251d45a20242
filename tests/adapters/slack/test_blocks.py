"""Block Kit rendering within Slack's limits, and text that can never ping everyone."""

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack import blocks
from adapters.slack.adapter import _classify
from bot.delivery import PermanentFailure, RetryAfter
from bot.intents import Button, Choice, Form, FormField, Message
from bot.refs import MemberRef


def test_long_messages_split_into_sections_fields_and_button_rows() -> None:
    message = Message(
        title="A title",
        text="word " * 1500,
        fields=tuple((f"k{n}", "v") for n in range(12)),
        buttons=tuple(Button(f"B{n}", "same.action", str(n)) for n in range(30)),
        footer="footer",
    )
    rendered = blocks.message_blocks(message)
    kinds = [b["type"] for b in rendered]
    assert kinds == ["header", *["section"] * 5, "actions", "actions", "context"]
    assert [len(b["text"]["text"]) for b in rendered[1:4]] == [2999, 2999, 1500]  # cut at spaces
    assert [len(b["fields"]) for b in rendered[4:6]] == [10, 2]
    action_ids = [e["action_id"] for b in rendered[6:8] for e in b["elements"]]
    assert len(action_ids) == len(set(action_ids)) == 30  # unique, as Slack requires
    assert {blocks.action_id_of(a) for a in action_ids} == {"same.action"}


PINGS = "<!channel> <!here|here> <!everyone> <!subteam^S1|@team>"


def _strings(node: object) -> list[str]:
    """Every string anywhere in a Block Kit structure."""
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list | tuple):
        return [s for value in node for s in _strings(value)]
    return [node] if isinstance(node, str) else []


def test_broadcast_mentions_are_neutralised_in_every_text_field() -> None:
    message = Message(
        title=f"Title {PINGS}",
        text=f"hi {PINGS}",
        fields=((f"label {PINGS}", f"value {PINGS}"),),
        buttons=(Button(f"button {PINGS}", "a.b", "1"),),
        footer=f"footer {PINGS}",
    )
    rendered = blocks.message_blocks(message)
    kinds = [b["type"] for b in rendered]
    assert kinds == ["header", "section", "section", "actions", "context"]
    texts = [s for s in _strings(rendered) if "channel" in s]
    assert len(texts) == 5  # header, section, field, button, context: none skipped
    assert all("&lt;!channel&gt;" in t and "<!" not in t for t in texts), texts
    assert "<!" not in blocks.fallback_text(message)
    home = blocks.home_view(message)
    assert "<!" not in str(home)

    form = Form(
        f"command:x {PINGS}",
        f"T {PINGS}",
        (
            FormField("a", f"Label {PINGS}", "text", hint=f"Hint {PINGS}"),
            FormField("b", f"Pick {PINGS}", "choice", choices=(Choice("v", f"Choice {PINGS}"),)),
        ),
        f"Go {PINGS}",
    )
    view = blocks.modal(form, channel="C1", thread=None)
    shown = [view["title"], view["submit"]] + [
        part for block in view["blocks"] for part in (block["label"], block.get("hint"))
    ]
    shown += [option["text"] for option in view["blocks"][1]["element"]["options"]]
    shown = [part for part in shown if part]
    assert len(shown) == 6  # title, submit, two labels, a hint and a choice
    assert all("<!" not in part["text"] for part in shown), shown


def test_a_message_over_50_blocks_is_split_into_messages_not_cut() -> None:
    message = Message(
        title="Digest",
        text="\n\n".join(f"Part {n} " + "x" * 2900 for n in range(60)),
        buttons=(Button("Done", "a.b", "1"),),
        footer="the end",
    )
    whole = blocks.message_blocks(message)
    assert len(whole) == 1 + 60 + 1 + 1  # header, 60 sections, actions, context
    parts = blocks.message_parts(message)
    assert [len(b) for _, b in parts] == [50, 13]
    assert [block for _, b in parts for block in b] == whole  # every block, in order
    assert parts[0][0] == blocks.fallback_text(message)
    assert parts[1][0].startswith("Part 49 ") and len(parts[1][0]) <= 3000


async def test_shared_posts_name_members_instead_of_pinging_them(slack) -> None:  # type: ignore[no-untyped-def]
    message = Message(text="Thanks <@U0LEE> and <@U0SAM>!", mentions=())
    [(text, _)] = await slack.adapter._content(message, shared=True)
    assert text == "Thanks @Lee and @Sam!"
    before = slack.fake.lookups
    await slack.adapter._content(message, shared=True)
    assert slack.fake.lookups == before  # names are cached, not looked up per post
    pinging = Message(text="Welcome <@U0LEE>!", mentions=(MemberRef("slack", "T", "U0LEE"),))
    [(text, _)] = await slack.adapter._content(pinging, shared=True)
    assert text == "Welcome <@U0LEE>!"


def test_forms_become_modals_and_answers_come_back_as_core_text() -> None:
    form = Form(
        "command:role grant",
        "A title longer than Slack allows",
        (
            FormField("member", "Who", "member", default="<@U1>"),
            FormField(
                "role", "Role", "choice", choices=(Choice("liaison", "Liaison"),), default="liaison"
            ),
            FormField("where", "Channel", "channel", required=False),
            FormField("note", "Note", "long_text", required=False),
        ),
        "Save",
    )
    view = blocks.modal(form, channel="C1", thread=None)
    assert len(view["title"]["text"]) <= 24
    member, role, where, note = view["blocks"]
    assert member["element"]["initial_user"] == "U1"
    assert role["element"]["initial_option"]["value"] == "liaison"
    assert where["optional"] and note["element"]["multiline"]
    state = {
        "values": {
            "member": {"value": {"type": "users_select", "selected_user": "U2"}},
            "role": {"value": {"type": "static_select", "selected_option": {"value": "liaison"}}},
            "where": {"value": {"type": "conversations_select", "selected_conversation": None}},
            "note": {"value": {"type": "plain_text_input", "value": "thanks"}},
        }
    }
    assert blocks.submitted_values(state) == {
        "member": "<@U2>",
        "role": "liaison",
        "where": "",
        "note": "thanks",
    }


def _error(
    status: int, body: dict[str, object], headers: dict[str, str] | None = None
) -> SlackApiError:
    response = AsyncSlackResponse(
        client=None,
        http_verb="POST",
        api_url="x",
        req_args={},
        data=body,
        headers=headers or {},
        status_code=status,  # type: ignore[arg-type]
    )
    return SlackApiError("failed", response)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (_error(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "7"}), RetryAfter),
        (_error(200, {"ok": False, "error": "channel_not_found"}), PermanentFailure),
        (_error(500, {"ok": False, "error": "internal_error"}), SlackApiError),
    ],
)
def test_errors_are_classified_for_the_outbox(error: SlackApiError, kind: type[Exception]) -> None:
    classified = _classify(error)
    assert isinstance(classified, kind)
    if isinstance(classified, RetryAfter):
        assert (classified.seconds, classified.scope) == (7.0, "community")  # workspace-wide


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("30", 30.0), ("1.5", 1.5), (None, 1.0), ("soon", 1.0), (["30"], 30.0), ("-4", 0.0)],
)
def test_a_429s_retry_after_is_read_whole(header: object, seconds: float) -> None:
    """ "30" is 30 s, not the 3 s of its first character; missing or garbage is 1 s."""
    headers = {} if header is None else {"Retry-After": header}
    classified = _classify(_error(429, {"ok": False, "error": "ratelimited"}, headers))  # type: ignore[arg-type]
    assert isinstance(classified, RetryAfter)
    assert (classified.seconds, classified.scope) == (seconds, "community")
