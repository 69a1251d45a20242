"""A group's own prompts: suggested by any member (anonymously if they wish) and
reviewed by organizers, or added by organizers. Accepted ones form the group's own
series, `our-prompts`, which is scheduled like any other.

An anonymous suggestion is stored without the member's ID, so no organizer, export or
log can learn who wrote it; the price is that the bot cannot tell that member the
decision. Nor is it stored with the moment it was made: its time is kept to the day
(`_coarse`), so it cannot be matched, by the millisecond, against anything else that
member did then (the thank-you they got is not kept either: see `suggestions.suggest`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock
from bot.features.prompts.library import PromptModel, SeriesModel
from bot.i18n import translator
from bot.storage.tables import community_prompts

OWN_SERIES = "our-prompts"
MIN_TEXT, MAX_TEXT = 10, 500


@dataclass(frozen=True, slots=True)
class OwnPrompt:
    id: int
    text: str
    status: str
    author_id: str | None
    author_language: str | None = None


class OwnPrompts:
    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    async def _insert(
        self,
        community_id: int,
        text: str,
        status: str,
        author_id: str | None,
        language: str | None = None,
    ) -> int:
        now = self._clock.now() if author_id or status == "accepted" else _coarse(self._clock.now())
        async with self._engine.begin() as conn:
            return int(
                (
                    await conn.execute(
                        insert(community_prompts)
                        .values(
                            community_id=community_id,
                            text=text,
                            status=status,
                            author_id=author_id,
                            author_language=language if author_id else None,
                            created_at=now,
                            decided_at=now if status == "accepted" else None,
                        )
                        .returning(community_prompts.c.id)
                    )
                ).scalar_one()
            )

    async def suggest(
        self, community_id: int, text: str, author_id: str | None, language: str | None = None
    ) -> int:
        """A member's idea, waiting for the organizers; `author_id=None` for anonymous.
        The author's language is kept so the decision reaches them in it."""
        return await self._insert(community_id, text, "pending", author_id, language)

    async def add(self, community_id: int, text: str) -> int:
        """An organizer's own prompt, accepted at once."""
        return await self._insert(community_id, text, "accepted", None)

    async def pending(self, community_id: int) -> list[OwnPrompt]:
        return await self._select(community_id, "pending")

    async def accepted(self, community_id: int) -> list[OwnPrompt]:
        """The group's own series, in order."""
        return await self._select(community_id, "accepted")

    async def pending_count(self, community_id: int) -> int:
        async with self._engine.connect() as conn:
            return int(
                (
                    await conn.execute(
                        select(func.count()).where(
                            (community_prompts.c.community_id == community_id)
                            & (community_prompts.c.status == "pending")
                        )
                    )
                ).scalar_one()
            )

    async def get(self, community_id: int, prompt_id: int) -> OwnPrompt | None:
        """A waiting idea or a prompt of the group's own series (not one set aside)."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(community_prompts).where(
                        (community_prompts.c.id == prompt_id)
                        & (community_prompts.c.community_id == community_id)
                        & community_prompts.c.status.in_(("pending", "accepted"))
                    )
                )
            ).first()
        return (
            OwnPrompt(row.id, row.text, row.status, row.author_id, row.author_language)
            if row
            else None
        )

    async def edit(self, community_id: int, prompt_id: int, text: str) -> OwnPrompt | None:
        """New words for a waiting idea or an own prompt; it keeps its place and its
        identity, so a prompt already posted in a group still never repeats there."""
        found = await self.get(community_id, prompt_id)
        if found is None:
            return None
        async with self._engine.begin() as conn:
            await conn.execute(
                update(community_prompts)
                .where(community_prompts.c.id == found.id)
                .values(text=text)
            )
        return OwnPrompt(found.id, text, found.status, found.author_id, found.author_language)

    async def remove(self, community_id: int, prompt_id: int) -> OwnPrompt | None:
        """Take a prompt out of the group's own series; None when it is not in it."""
        found = await self.get(community_id, prompt_id)
        if found is None or found.status != "accepted":
            return None
        async with self._engine.begin() as conn:
            await conn.execute(
                update(community_prompts)
                .where(community_prompts.c.id == found.id)
                .values(status="removed")
            )
        return found

    async def _select(self, community_id: int, status: str) -> list[OwnPrompt]:
        order = community_prompts.c.decided_at if status == "accepted" else community_prompts.c.id
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                select(community_prompts)
                .where(
                    (community_prompts.c.community_id == community_id)
                    & (community_prompts.c.status == status)
                )
                .order_by(order, community_prompts.c.id)
            )
            return [OwnPrompt(r.id, r.text, r.status, r.author_id, r.author_language) for r in rows]

    async def decide(self, community_id: int, prompt_id: int, accept: bool) -> OwnPrompt | None:
        """Accept or set aside a pending idea; None when it is not pending here."""
        where = (
            (community_prompts.c.id == prompt_id)
            & (community_prompts.c.community_id == community_id)
            & (community_prompts.c.status == "pending")
        )
        async with self._engine.begin() as conn:
            row = (await conn.execute(select(community_prompts).where(where))).first()
            if row is None:
                return None
            status = "accepted" if accept else "denied"
            await conn.execute(
                update(community_prompts)
                .where(where)
                .values(status=status, decided_at=self._clock.now())
            )
        return OwnPrompt(row.id, row.text, status, row.author_id, row.author_language)

    async def series(self, community_id: int, language: str) -> SeriesModel | None:
        """The group's own series in `language`, once it has at least one prompt."""
        accepted = await self._select(community_id, "accepted")
        if not accepted:
            return None
        t = translator(language)
        return SeriesModel(
            id=OWN_SERIES,
            title=t._("Our own prompts"),
            summary=t._(
                "Questions this group wrote or suggested, in the order they were accepted."
            ),
            grade_band="k-12",
            themes=("partnership",),
            prompts=tuple(PromptModel(id=f"own-{p.id}", text=p.text) for p in accepted),
        )


def _coarse(instant: datetime) -> datetime:
    """The day of `instant` only: an anonymous idea's time must not point at its author."""
    return instant.replace(hour=0, minute=0, second=0, microsecond=0)
