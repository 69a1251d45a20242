"""The keyed stand-ins for anonymous members (bot/anonymity.py)."""

import pytest
from sqlalchemy import select

from bot.anonymity import Anonymity, AnonymityNotReady
from bot.refs import MemberRef
from bot.storage.db import Database
from bot.storage.tables import server_secrets

ANA = MemberRef(platform="slack", community="T1", id="U-ANA")
BEN = MemberRef(platform="slack", community="T1", id="U-BEN")


async def test_a_token_is_stable_per_scope_and_unlinkable_across_scopes() -> None:
    anonymity = Anonymity("a configured secret")
    await anonymity.load(engine=None)  # type: ignore[arg-type]  # configured: no database
    first = anonymity.token("poll", "7", ANA)
    assert first == anonymity.token("poll", "7", ANA)
    assert len(first) == 32
    assert first != anonymity.token("poll", "8", ANA)
    assert first != anonymity.token("poll", "7", BEN)
    assert first != anonymity.token("question", "7", ANA)
    assert "U-ANA" not in first


async def test_a_sealed_address_opens_only_under_the_same_secret() -> None:
    ours, theirs = Anonymity("ours"), Anonymity("theirs")
    await ours.load(engine=None)  # type: ignore[arg-type]
    await theirs.load(engine=None)  # type: ignore[arg-type]
    sealed = ours.seal(ANA)
    assert "U-ANA" not in sealed
    assert ours.unseal(sealed) == ANA
    assert theirs.unseal(sealed) is None
    assert ours.unseal(sealed[:-4] + "AAAA") is None


async def test_without_a_configured_secret_one_is_made_once_and_kept(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'h.db'}")
    try:
        await db.migrate()
        first, second = Anonymity(), Anonymity()
        await first.load(db.engine)
        await second.load(db.engine)
        assert first.token("poll", "1", ANA) == second.token("poll", "1", ANA)
        async with db.engine.connect() as conn:
            rows = (await conn.execute(select(server_secrets.c.name))).scalars().all()
        assert rows == ["anonymity"]
    finally:
        await db.close()


def test_sealing_before_the_secret_is_loaded_is_refused() -> None:
    anonymity = Anonymity("a configured secret")
    with pytest.raises(AnonymityNotReady):
        anonymity.seal(ANA)
    with pytest.raises(AnonymityNotReady):
        anonymity.unseal("x")
