"""The Slack manifest promises what exists and grants what the adapter calls, no more.

The methods come from the adapter's code (every `client.<method>` it names), the scopes
each needs from Slack's method pages; a method missing from the table fails the test
until someone looks its scopes up."""

import re
from pathlib import Path

import adapters.slack.adapter as slack_adapter

MANIFEST = Path(slack_adapter.__file__).with_name("manifest.yaml")

# Bot scopes each Web API method needs (api.slack.com/methods/<method>), for the
# conversation kinds Homeroom uses: public and private channels and DMs.
METHOD_SCOPES: dict[str, set[str]] = {
    "auth.test": set(),
    "chat.postMessage": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "chat.update": {"chat:write"},
    "conversations.history": {"channels:history", "groups:history", "im:history"},
    "conversations.info": {"channels:read", "groups:read"},
    "conversations.open": {"im:write"},
    "conversations.replies": {"channels:history", "groups:history", "im:history"},
    # files.getUploadURLExternal and files.completeUploadExternal: a poll's chart
    "files.upload.v2": {"files:write"},
    "pins.add": {"pins:write"},
    "pins.remove": {"pins:write"},
    "reactions.add": {"reactions:write"},
    "users.info": {"users:read"},
    "users.list": {"users:read"},
    "views.open": set(),
    "views.publish": set(),
}
# Events the manifest subscribes to and the scope each needs.
EVENT_SCOPES = {
    "app_home_opened": set(),
    "message.channels": {"channels:history"},
    "message.groups": {"groups:history"},
    "message.im": {"im:history"},
    "reaction_added": {"reactions:read"},
    "user_change": {"users:read"},
}


def _list_under(text: str, key: str) -> list[str]:
    """The `- item` lines of the YAML list under `key:` (the manifest is plain YAML)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == f"{key}:")
    indent = len(lines[start]) - len(lines[start].lstrip())
    items = []
    for line in lines[start + 1 :]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        if line.strip().startswith("- "):
            items.append(line.strip()[2:].split("#")[0].strip())
    return items


def _called_methods() -> set[str]:
    source = Path(slack_adapter.__file__).read_text()
    names = set(re.findall(r"\bclient\.([a-z]+_[A-Za-z_0-9]+)\b", source))
    return {name.replace("_", ".") for name in names}


def test_the_adapter_calls_only_methods_whose_scopes_are_known() -> None:
    called = _called_methods()
    assert called - set(METHOD_SCOPES) == set(), "add these methods' scopes to METHOD_SCOPES"
    assert "conversations.info" in called


def test_the_manifest_grants_exactly_the_scopes_of_what_the_adapter_calls_and_hears() -> None:
    text = MANIFEST.read_text()
    events = _list_under(text, "bot_events")
    assert set(events) <= set(EVENT_SCOPES), "add these events' scopes to EVENT_SCOPES"
    needed = {"commands"}  # the slash command
    for method in _called_methods():
        needed |= METHOD_SCOPES[method]
    for name in events:
        needed |= EVENT_SCOPES[name]
    assert sorted(_list_under(text, "bot")) == sorted(needed)


def test_the_manifest_registers_only_slash_commands_homeroom_answers() -> None:
    """/homeroom, and /ask, which runs the core's command of the same name; and message
    shortcuts that run a command declared to be offered on a message."""
    from bot.testing import declared_features

    specs = [s for f in declared_features() for s in f.commands]
    text = MANIFEST.read_text()
    commands = re.findall(r"^\s*- command: (\S+)", text, re.MULTILINE)
    assert commands == ["/homeroom", "/ask"]
    assert all(any(s.path == c.lstrip("/") for s in specs) for c in commands[1:])
    shortcuts = re.findall(r"callback_id: homeroom\.(\S+)", text)
    on_messages = [s.path.replace(" ", ".") for s in specs if s.message_action]
    assert shortcuts == on_messages == ["ask", "chat.file"]
    source = Path(slack_adapter.__file__).read_text()
    assert re.findall(r"app\.command\((.*)\)\(", source) == ['re.compile(r"^/")']
