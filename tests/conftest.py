"""Fixtures come from bot.testing (registered as the `homeroom` pytest plugin); the
local Slack and Discord fakes are shared here because the contract suite and the
process-level tests (health probes) use them too."""

from collections.abc import AsyncIterator

import pytest_asyncio
from hypothesis import settings

from adapters.discord.fake import FakeDiscord
from adapters.slack.fake import FakeSlack

# Property tests (the fuzz test) run a short pass in the normal suite; a long run:
# `.venv/bin/python -m pytest tests/features/test_fuzz.py --hypothesis-profile=fuzz-long`.
settings.register_profile("homeroom", max_examples=80, deadline=None)
settings.register_profile("fuzz-long", max_examples=5000, deadline=None)
settings.load_profile("homeroom")

DANA, SAM, MARIA, LEE = "U0DANA", "U0SAM", "U0MARIA", "U0LEE"


@pytest_asyncio.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    fake.add_user(DANA, name="dana", admin=True)
    fake.add_user(SAM, name="sam")
    fake.add_user(MARIA, name="maria", locale="es-ES")
    fake.add_user(LEE, name="lee")
    await fake.start()
    yield fake
    await fake.stop()


@pytest_asyncio.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    yield fake
    await fake.stop()
