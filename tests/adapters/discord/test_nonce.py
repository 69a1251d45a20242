"""A message sent again with its outbox row's key is not doubled: Discord's nonce.

The outbox gives every row a stable key; the adapter sends it as the message's nonce
(discord.py adds `enforce_nonce: true`), and Discord, like the fake, answers a repeat in
the same channel with the message it made the first time."""

from dataclasses import replace

from adapters.discord.fake import PARENTS
from bot.intents import DirectMessage, Ephemeral, Message, OpenThread, Post
from bot.refs import ConversationRef, MemberRef
from tests.adapters.discord.conftest import LEE, DiscordRig

PROMPT = Post(
    to=ConversationRef("discord", "1", PARENTS),
    message=Message(text="This week: screens and sleep", title="Week 3"),
    opens_thread=True,
)


async def test_a_post_sent_twice_with_one_key_makes_one_message_and_one_thread(
    discord_bot: DiscordRig,
) -> None:
    adapter, fake = discord_bot.adapter, discord_bot.fake
    first = await adapter.deliver(PROMPT, key="hr41")
    again = await adapter.deliver(PROMPT, key="hr41")  # e.g. resent after a crash
    assert again == first
    assert [m["id"] for m in fake.messages] == [first]
    posts = [c for c in fake.calls if c.path == f"/channels/{PARENTS}/messages"]
    assert [(c.body["nonce"], c.body["enforce_nonce"]) for c in posts] == [
        ("hr41", True),
        ("hr41", True),
    ]
    # Its thread is a step of its own; opened twice (a retry), the second is refused as
    # already made, and that counts as opened.
    opening = OpenThread(to=replace(PROMPT.to, message=first), name="Week 3")
    assert [await adapter.deliver(opening, key=k) for k in ("hr42", "hr42")] == [first, first]
    threads = [c for c in fake.calls if c.path.endswith("/threads")]
    assert len(threads) == 2


async def test_two_rows_with_the_same_text_are_two_messages(discord_bot: DiscordRig) -> None:
    adapter, fake = discord_bot.adapter, discord_bot.fake
    await adapter.deliver(PROMPT, key="hr1")
    await adapter.deliver(PROMPT, key="hr2")
    assert len(fake.messages) == 2


async def test_a_dm_and_a_private_answer_by_dm_carry_the_key_too(discord_bot: DiscordRig) -> None:
    adapter, fake = discord_bot.adapter, discord_bot.fake
    lee = MemberRef("discord", "1", LEE)
    dm = DirectMessage(member=lee, message=Message(text="Welcome, liaison"))
    private = Ephemeral(  # no live interaction to answer through: it goes by DM
        to=ConversationRef("discord", "1", PARENTS), member=lee, message=Message(text="Saved")
    )
    for intent, key in ((dm, "hr7"), (dm, "hr7"), (private, "hr8"), (private, "hr8")):
        await adapter.deliver(intent, key=key)
    assert [m["content"] for m in fake.messages] == ["Welcome, liaison", "Saved"]
    sends = [c.body["nonce"] for c in fake.calls if c.path.endswith("/messages")]
    assert sends == ["hr7", "hr7", "hr8", "hr8"]


async def test_a_prompt_to_a_channel_not_yet_cached_still_gets_its_thread(
    discord_bot: DiscordRig,
) -> None:
    """A restart resumes the outbox before the gateway has told the server's channels:
    the prompt and then its thread go out at the first try, so nothing is sent twice."""
    adapter, fake = discord_bot.adapter, discord_bot.fake
    unknown = "1399999999999999999"  # not in the cached server
    prompt = Post(
        to=ConversationRef("discord", "1", unknown),
        message=Message(text="Week 4"),
        opens_thread=True,
    )
    sent = await adapter.deliver(prompt, key="hr3")
    opening = OpenThread(to=replace(prompt.to, message=sent), name="Week 4")
    assert await adapter.deliver(opening, key="hr4") == sent
    [thread] = [c for c in fake.calls if c.path.endswith("/threads")]
    assert thread.path == f"/channels/{unknown}/messages/{sent}/threads"
    assert [m["id"] for m in fake.messages] == [sent]
