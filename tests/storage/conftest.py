import pytest


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """Storage tests run on both databases; PostgreSQL ones skip, saying why, without one."""
    return str(request.param)
