import pytest

from bot.intents import (
    Button,
    Choice,
    DirectMessage,
    Ephemeral,
    Form,
    FormField,
    Message,
    OpenForm,
    OpenThread,
    Pin,
    Post,
    PublishHome,
    React,
    Update,
    _codec,
    intent_from_json,
    intent_to_json,
    lane_of,
)
from bot.refs import ConversationRef, MemberRef

WHERE = ConversationRef("fake", "school", "parents", thread="t1")
WHO = MemberRef("fake", "school", "maria")
RICH = Message(
    text="Pick one",
    title="Poll",
    fields=(("a", "b"),),
    buttons=(Button("Yes", "poll.vote", "7:1", "primary"),),
    footer="f",
    mentions=(WHO,),
)
FORM = Form(
    "command:setup",
    "Set up",
    (FormField("tz", "Zone", "choice", False, (Choice("a", "A"),), "a"),),
    "Save",
)


EVERY_KIND = [
    Post(to=WHERE, message=RICH, in_reply_to="ev1"),
    Ephemeral(to=WHERE, member=WHO, message=RICH),
    DirectMessage(member=WHO, message=RICH),
    Update(to=WHERE, message=RICH),
    React(to=WHERE, emoji="✅"),
    OpenForm(to=WHERE, member=WHO, form=FORM),
    Pin(to=WHERE),
    OpenThread(to=WHERE, name="Week 3"),
    PublishHome(member=WHO, message=RICH),
]


@pytest.mark.parametrize("intent", EVERY_KIND)
def test_intents_survive_the_outbox_round_trip(intent) -> None:  # type: ignore[no-untyped-def]
    assert intent_from_json(intent_to_json(intent)) == intent


@pytest.mark.parametrize("intent", EVERY_KIND)
def test_each_kind_is_written_as_the_union_writes_it(intent) -> None:  # type: ignore[no-untyped-def]
    """Rows written before the per-class writers (and read back through the union)
    are the same bytes as rows written now."""
    assert intent_to_json(intent) == _codec().dump_json(intent).decode()


def test_lanes_are_channels_and_dms_pace_per_member() -> None:
    assert lane_of(Post(to=WHERE, message=RICH)) == "fake:school:parents"
    assert lane_of(DirectMessage(member=WHO, message=RICH)) == "fake:school:notice:maria"
    asked = DirectMessage(member=WHO, message=RICH, asked=True)
    assert lane_of(asked) == "fake:school:dm:maria"
