import pytest

from bot.clock import FakeClock
from bot.fallbacks import split_text
from bot.pacing import TokenBucket


def test_bucket_spends_its_burst_then_refills_at_its_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=2.0, burst=2, clock=clock)
    bucket.take()
    bucket.take()
    assert bucket.delay() == 0.5
    clock.advance(0.5)
    assert bucket.delay() == 0


def test_pause_honours_retry_after() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=100.0, burst=10, clock=clock)
    clock.advance(1000.0)  # late in a long uptime: the pause is still the Retry-After
    bucket.pause(3.0)
    assert bucket.delay() == 3.0
    clock.advance(2.999)
    assert bucket.delay() == pytest.approx(0.001)
    clock.advance(0.001)
    assert bucket.delay() == 0  # exactly the Retry-After, not a moment more
    bucket.take()
    assert bucket.delay() == pytest.approx(0.01)  # no burst saved up while paused
    clock.advance(0.01)
    assert bucket.delay() == pytest.approx(0, abs=1e-9)


def test_split_text_cuts_at_paragraphs_and_lines_under_the_limit() -> None:
    text = "\n\n".join(f"Paragraph {n} " + "word " * 30 for n in range(10))
    chunks = split_text(text, 400)
    assert all(len(c) <= 400 for c in chunks)
    assert all(c.startswith("Paragraph") for c in chunks)
    assert " ".join(chunks).split() == text.split()


def test_split_text_cuts_a_long_word_hard() -> None:
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_the_quick_length_bound_never_lets_a_long_message_through_unsplit() -> None:
    """`_surely_fits` skips writing a message out to measure it: wherever it says a
    message fits, the written text does fit (titles and footers of many short lines are
    where emphasis adds the most)."""
    from random import Random

    from bot.fallbacks import _surely_fits
    from bot.intents import Message
    from bot.render import message_text

    rng = Random(7)

    def words() -> str:
        return rng.choice(["", "a", " ", "\n", "ab\n", "x\n\n", "_", "*", "word "]) * rng.randint(
            0, 40
        )

    checked = 0
    for _ in range(3000):
        fields = tuple((words(), words()) for _ in range(rng.randint(0, 3)))
        message = Message(text=words(), title=words() or None, fields=fields, footer=words())
        limit = rng.randint(1, 400)
        if _surely_fits(message, limit):
            checked += 1
            assert len(message_text(message)) <= limit, message
    assert checked == 721  # the bound is not so loose that it never says yes (seeded)
