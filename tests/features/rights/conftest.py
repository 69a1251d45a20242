import pytest


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """Members' data and retention run on both databases (PostgreSQL skips without one)."""
    return str(request.param)
