"""Small facts an adapter must remember across restarts (such as the fingerprint of the
command tree it last registered), kept in the database like all state."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.tables import adapter_state


class AdapterState:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def get(self, platform: str, key: str) -> str | None:
        async with self._engine.connect() as conn:
            return (
                await conn.execute(
                    select(adapter_state.c.value).where(
                        (adapter_state.c.platform == platform) & (adapter_state.c.key == key)
                    )
                )
            ).scalar()

    async def put(self, platform: str, key: str, value: str) -> None:
        where = (adapter_state.c.platform == platform) & (adapter_state.c.key == key)
        async with self._engine.begin() as conn:
            await conn.execute(delete(adapter_state).where(where))
            await conn.execute(
                insert(adapter_state).values(
                    platform=platform, key=key, value=value, updated_at=datetime.now(UTC)
                )
            )
