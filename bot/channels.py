"""Can the bot post in a channel? Only the platform knows, so adapters may answer; the
core asks before it promises anything (a schedule) that needs posting there."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.refs import ConversationRef

ChannelCheck = Callable[[str], Awaitable[bool]]


class ChannelChecks:
    def __init__(self) -> None:
        self._checks: dict[str, ChannelCheck] = {}

    def add(self, platform: str, check: ChannelCheck) -> None:
        self._checks[platform] = check

    async def can_post(self, where: ConversationRef) -> bool:
        """False only when the platform says no; a platform that cannot tell says yes,
        and the outbox reports any failure later."""
        check = self._checks.get(where.platform)
        return True if check is None else await check(where.channel)
