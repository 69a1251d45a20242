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
