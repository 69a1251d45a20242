"""The chats feature's state (`ctx.own`): its service, and where questions come from
(the prompt library's series, or the group's own prompts)."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.context import Context
from bot.features.chats import store
from bot.features.chats.service import ChatService, EndHook
from bot.features.chats.store import Chat
from bot.features.prompts.library import Library
from bot.features.prompts.own import OWN_SERIES, OwnPrompts
from bot.kernel import Kernel
from bot.refs import ConversationRef


@cache
def _library() -> Library:
    """The series library, read once per process (the prompts feature reads its own)."""
    return Library.load()


class Chats:
    def __init__(self, kernel: Kernel, on_end: EndHook | None = None) -> None:
        self.kernel = kernel
        self.service = ChatService(kernel, on_end)
        self.own_prompts = OwnPrompts(kernel.engine, kernel.clock)

    async def series(self, wanted: str, ctx: Context) -> tuple[str, list[str]] | None:
        """A series' title and its prompts as questions, if `wanted` names one."""
        if wanted == OWN_SERIES:
            found = await self.own_prompts.series(ctx.community.id, ctx.t.language)
        else:
            found = _library().get(wanted, ctx.t.language)
        if found is None:
            return None
        return found.title, [prompt.text for prompt in found.prompts]

    async def create(
        self,
        conn: AsyncConnection,
        where: ConversationRef,
        template: dict[str, Any],
        created_by: str,
        starts_at: datetime,
        now: datetime,
        series_id: int | None,
    ) -> Chat:
        """A chat from its template (as `chat start` made it, or a recurring chat's)."""
        return await store.insert_chat(
            conn,
            where,
            title=template["title"],
            questions=template["questions"],
            intro=template["intro"],
            wrap_up=template["wrap_up"],
            created_by=created_by,
            starts_at=starts_at,
            interval=timedelta(seconds=template["interval_s"]),
            missed=template["missed"],
            now=now,
            series_id=series_id,
        )


def chats_of(ctx: Context) -> Chats:
    assert isinstance(ctx.own, Chats), "a chats handler runs with the chats state"
    return ctx.own
