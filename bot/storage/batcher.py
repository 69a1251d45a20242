"""Group commit: many small writes share one transaction.

One committed transaction costs ~0.7 ms through SQLAlchemy's async layer, so writing
each inbound event ID or outbox row on its own would cap the bot near 1,400 events a
second. Instead callers hand rows to a Batcher; whatever arrives while one flush is
running goes into the next. There is no fixed window to wait out: a lone write is
flushed at once, and a burst shares transactions.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

T = TypeVar("T")
R = TypeVar("R")

log = logging.getLogger(__name__)

Writer = Callable[[AsyncConnection, Sequence[T]], Awaitable[Sequence[R]]]


class Batcher(Generic[T, R]):
    """Collects items and writes them with `writer` in one transaction per flush."""

    def __init__(self, engine: AsyncEngine, writer: Writer[T, R], name: str) -> None:
        self._engine = engine
        self._writer = writer
        self._name = name
        self._items: list[tuple[T, asyncio.Future[R]]] = []
        self._flushing: asyncio.Task[None] | None = None

    async def write(self, item: T) -> R:
        """Queue `item` and wait until it is committed; returns the writer's result."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._items.append((item, future))
        self._kick()
        return await asyncio.shield(future)

    def submit(self, item: T) -> None:
        """Queue `item` without waiting; a failed flush is logged, never swallowed."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        future.add_done_callback(_consume)
        self._items.append((item, future))
        self._kick()

    def _kick(self) -> None:
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.get_running_loop().create_task(self._flush_all())

    async def _flush_all(self) -> None:
        # Yield once so writes queued in the same loop tick join this transaction.
        await asyncio.sleep(0)
        while self._items:
            batch, self._items = self._items, []
            items = [item for item, _ in batch]
            try:
                async with self._engine.begin() as conn:
                    results = await self._writer(conn, items)
            except Exception as exc:
                log.exception("event=batch_failed batch=%s size=%d", self._name, len(batch))
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def drain(self) -> None:
        """Wait until everything queued so far is committed (used on stop)."""
        while self._flushing is not None and not self._flushing.done():
            await asyncio.shield(self._flushing)


def _consume(future: asyncio.Future[Any]) -> None:
    # The failure was logged by the flush; reading it stops "never retrieved" noise.
    if not future.cancelled():
        future.exception()
