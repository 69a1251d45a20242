"""Digests run on SQLite and, where a server answers, on PostgreSQL."""

import pytest


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)
