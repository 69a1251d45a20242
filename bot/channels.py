"""What the platform knows of a channel: can the bot post there, and is it private?
Adapters may answer; the core asks before it promises anything (a schedule) that needs
posting there, or trusts a channel with something confidential (the liaison queue)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.refs import ConversationRef

ChannelCheck = Callable[[str], Awaitable[bool]]
PrivacyCheck = Callable[[str], Awaitable[bool | None]]


class ChannelChecks:
    def __init__(self) -> None:
        self._checks: dict[str, ChannelCheck] = {}
        self._privacy: dict[str, PrivacyCheck] = {}

    def add(
        self, platform: str, check: ChannelCheck | None, privacy: PrivacyCheck | None = None
    ) -> None:
        if check is not None:
            self._checks[platform] = check
        if privacy is not None:
            self._privacy[platform] = privacy

    async def can_post(self, where: ConversationRef) -> bool:
        """False only when the platform says no; a platform that cannot tell says yes,
        and the outbox reports any failure later."""
        check = self._checks.get(where.platform)
        return True if check is None else await check(where.channel)

    async def is_private(self, where: ConversationRef) -> bool | None:
        """True or False where the platform tells; None where it cannot."""
        check = self._privacy.get(where.platform)
        return None if check is None else await check(where.channel)
