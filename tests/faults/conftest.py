"""Every test in this folder injects a fault; `pytest -m faults` runs just them."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/faults/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.faults)


# The Discord rig (the real discord.py client on the local fake), for the Discord faults.
from tests.adapters.discord.conftest import discord_bot, rigs  # noqa: E402, F401
