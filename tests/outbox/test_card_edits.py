"""Edits of one message (a poll's card after each vote) are paced at the platform's edit
rate, and a burst sends only the newest: the others are replaced, never sent, and a
restart still delivers the newest. Posts and answers never wait for a card's edits."""

from dataclasses import dataclass, replace

import pytest
from sqlalchemy import select

from bot.app import Homeroom
from bot.capabilities import RateLimits
from bot.clock import FakeClock
from bot.intents import Ephemeral, Intent, Message, Post, Tag, Update
from bot.refs import ConversationRef, MemberRef
from bot.storage.tables import outbox
from bot.testing import FakeAdapter, run_until

# As the Slack adapter declares: one edit a second per message, 50 a minute per workspace.
SLACK_LIKE = RateLimits(
    per_channel=1.0,
    per_channel_burst=1,
    overall=20.0,
    overall_burst=20,
    per_message_edit=1.0,
    edits=50 / 60,
    edits_burst=10,
    edits_shared_by="community",
)
# As the Discord adapter declares: about five edits in five seconds per channel.
DISCORD_LIKE = RateLimits(
    per_channel=1.0,
    per_channel_burst=5,
    overall=45.0,
    overall_burst=45,
    per_message_edit=1.0,
    edits=1.0,
    edits_burst=5,
    edits_shared_by="channel",
)
CHANNEL = ConversationRef("fake", "school", "parents")


def edit(n: int, card: str = "c1") -> Update:
    return Update(to=replace(CHANNEL, message=card), message=Message(text=f"{card}-votes-{n}"))


def texts(adapter: FakeAdapter) -> list[str]:
    return [i.message.text for i in adapter.sent]  # type: ignore[union-attr]


async def statuses(homeroom: Homeroom) -> list[str]:
    async with homeroom.db.engine.connect() as conn:
        result = await conn.execute(select(outbox.c.status).order_by(outbox.c.id))
        return list(result.scalars())


async def started(homeroom: Homeroom, adapter: FakeAdapter) -> Homeroom:
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    return homeroom


async def burst(homeroom: Homeroom, clock: FakeClock, count: int, step: float) -> None:
    """`count` edits of the card, one every `step` seconds of fake time from t=0, while
    the outbox delivers at the instants its limits allow."""

    async def votes() -> None:
        for n in range(count):
            homeroom.outbox.submit([edit(n)])
            await homeroom.outbox.persisted()
            await clock.sleep(step)

    outbox = homeroom.outbox
    await clock.run_until(votes(), asleep=lambda: outbox.asleep() or outbox.quiet())


async def test_a_hundred_edits_in_a_second_send_the_first_and_then_only_the_newest(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    adapter = FakeAdapter(limits=SLACK_LIKE, clock=clock)
    await started(homeroom, adapter)
    await burst(homeroom, clock, 100, 0.01)  # 100 edits between t=0 and t=0.99
    await run_until(homeroom)
    # One edit a second for one message: t=0 and t=1, and the second is the newest.
    assert texts(adapter) == ["c1-votes-0", "c1-votes-99"]
    assert adapter.sent_at == pytest.approx([0.0, 1.0])
    assert adapter.calls == 2
    assert await statuses(homeroom) == ["sent", *["replaced"] * 98, "sent"]
    assert homeroom.outbox.replaced_count == 98


async def test_edits_over_three_seconds_go_once_a_second_each_the_newest_then(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    adapter = FakeAdapter(limits=SLACK_LIKE, clock=clock)
    await started(homeroom, adapter)
    await burst(homeroom, clock, 10, 0.3)  # t=0, 0.3, ... 2.7
    await run_until(homeroom)
    # At t=1 the newest is the one made at 0.9, at t=2 the one made at 1.8, and at t=3
    # the last, made at 2.7.
    assert texts(adapter) == ["c1-votes-0", "c1-votes-3", "c1-votes-6", "c1-votes-9"]
    assert adapter.sent_at == pytest.approx([0.0, 1.0, 2.0, 3.0])


async def test_edits_of_several_cards_in_one_channel_share_its_edit_rate(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    adapter = FakeAdapter(limits=DISCORD_LIKE, clock=clock)
    await started(homeroom, adapter)
    homeroom.outbox.submit([edit(0, card=f"c{n}") for n in range(8)])
    await run_until(homeroom)
    assert sorted(texts(adapter)) == sorted(f"c{n}-votes-0" for n in range(8))
    # Five at once, then one a second: never more than five in any five seconds.
    assert adapter.sent_at == pytest.approx([0.0] * 5 + [1.0, 2.0, 3.0])


async def test_posts_and_answers_do_not_wait_for_a_cards_edits(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    adapter = FakeAdapter(limits=SLACK_LIKE, clock=clock)
    await started(homeroom, adapter)
    homeroom.outbox.submit([edit(0)])
    await run_until(homeroom)
    homeroom.outbox.submit([edit(n) for n in range(1, 50)])
    await homeroom.outbox.persisted()
    clock.advance(0.25)
    answer = Ephemeral(
        to=CHANNEL, member=MemberRef("fake", "school", "lee"), message=Message(text="voted")
    )
    post: Intent = Post(to=CHANNEL, message=Message(text="a new prompt"))
    homeroom.outbox.submit([post, answer])
    await run_until(homeroom)
    sent = dict(zip(texts(adapter), adapter.sent_at, strict=True))
    assert sent == pytest.approx(
        {"c1-votes-0": 0.0, "a new prompt": 0.25, "voted": 0.25, "c1-votes-49": 1.0}
    )


async def test_a_restart_mid_burst_still_delivers_the_newest_once(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    adapter = FakeAdapter(limits=SLACK_LIKE, clock=clock)
    await started(homeroom, adapter)
    await burst(homeroom, clock, 50, 0.01)  # the first sent, 49 waiting for t=1
    await homeroom.stop()  # at t=0.5
    assert texts(adapter) == ["c1-votes-0"]

    second = Homeroom(homeroom.settings, clock=clock)
    again = FakeAdapter(limits=SLACK_LIKE, clock=clock)
    try:
        await started(second, again)
        await run_until(second)
        assert await statuses(second) == ["sent", *["replaced"] * 48, "sent"]
    finally:
        await second.stop()
    assert (texts(again), again.calls) == (["c1-votes-49"], 1)


async def test_edits_a_dead_run_left_in_the_table_send_only_the_newest(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    adapter = FakeAdapter(limits=SLACK_LIKE, clock=clock)
    homeroom.attach(adapter)
    await homeroom.db.migrate()
    async with homeroom.db.engine.begin() as conn:  # a run wrote them and died
        await homeroom.outbox.stage(conn, [edit(n) for n in range(30)])
    await homeroom.start(timers=False)  # resume reads them oldest first
    await run_until(homeroom)
    assert (texts(adapter), adapter.calls, adapter.sent_at) == (["c1-votes-29"], 1, [0.0])
    assert await statuses(homeroom) == [*["replaced"] * 29, "sent"]


@dataclass(frozen=True, slots=True)
class Closed(Tag):
    poll_id: int


async def test_an_edit_whose_receipt_must_run_is_not_replaced(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    adapter = FakeAdapter(limits=SLACK_LIKE, clock=clock)
    await started(homeroom, adapter)
    homeroom.outbox.submit([edit(0)])
    await run_until(homeroom)
    closing = replace(edit(1), tag=Closed(7))  # the card as closed: its receipt records it
    homeroom.outbox.submit([closing, edit(2), edit(3)])
    await run_until(homeroom)
    # The tagged edit stays; the untagged one after it replaces only its own kind.
    assert texts(adapter) == ["c1-votes-0", "c1-votes-1", "c1-votes-3"]
    assert adapter.sent_at == pytest.approx([0.0, 1.0, 2.0])


async def test_an_edit_older_than_one_queued_is_replaced_not_sent_after_it(
    homeroom: Homeroom, clock: FakeClock
) -> None:
    adapter = FakeAdapter(limits=SLACK_LIKE, clock=clock)
    await started(homeroom, adapter)
    homeroom.outbox.submit([edit(0)])
    await run_until(homeroom)
    async with homeroom.db.engine.begin() as conn:
        older, newer = await homeroom.outbox.stage(conn, [edit(1), edit(2)])
    homeroom.outbox.release([newer])  # a dead run's older row is taken over late
    homeroom.outbox.release([older])
    await run_until(homeroom)
    assert texts(adapter) == ["c1-votes-0", "c1-votes-2"]
    assert await statuses(homeroom) == ["sent", "replaced", "sent"]
