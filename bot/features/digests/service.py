"""What digests do, shared by commands, buttons and the api: read a digest whole with
its credits as they stand, show it as text, publish it, export a group's archive."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.directory import CommunitySettings
from bot.features.digests import credit, export, store, text, words
from bot.features.digests.shape import Shaped, shape
from bot.i18n import Translator
from bot.intents import Intent, Message, Post
from bot.kernel import Kernel
from bot.refs import ConversationRef


class Digests:
    """The digests feature's state (`ctx.own`): the kernel's services."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def limit(self, platform: str) -> int:
        """The longest message the platform takes."""
        return self.kernel.outbox.capabilities(platform).max_text

    async def shaped(self, conn: AsyncConnection, digest: store.Digest) -> Shaped:
        """The digest's content with each author credited as the author and the
        digest's organizer setting allow today."""
        topics = await store.topics(conn, digest.id)
        items = await store.items(conn, digest.id)
        authors = {i.author_id for i in items if i.author_id and not i.dropped}
        community_id = await store.community_id_of(conn, digest.id)
        credits = await credit.credits(
            conn,
            self.kernel.directory.people,
            digest.where.community_ref,
            community_id,
            authors,
            digest.credit,
        )
        return await shape(digest, topics, items, credits)

    async def texts(
        self,
        conn: AsyncConnection,
        digest: store.Digest,
        ts: Sequence[Translator],
        zone: str,
        *,
        draft: bool = False,
    ) -> list[str]:
        shaped = await self.shaped(conn, digest)
        return await text.render(shaped, ts, zone, self.limit(digest.where.platform), draft=draft)

    async def publish(
        self, conn: AsyncConnection, digest: store.Digest, community: CommunitySettings
    ) -> list[Intent]:
        """Mark the draft published and post it in its group, in parts as long as the
        platform takes, in the group's languages. Nothing when it was published already."""
        if not await store.mark_published(conn, digest.id, self.kernel.clock.now()):
            return []
        ts = words.readers(community.languages)
        parts = await self.texts(conn, digest, ts, community.timezone)
        return [Post(to=digest.where.channel_only(), message=Message(text=part)) for part in parts]

    async def archive(
        self, conn: AsyncConnection, where: ConversationRef, community: CommunitySettings
    ) -> export.Page:
        """Every published digest of the group, for an export."""
        shaped = [await self.shaped(conn, d) for d in await store.published_in(conn, where)]
        ts = words.readers(community.languages)
        return export.Page(
            channel=where.channel,
            language=ts[0].language,
            digests=shaped,
            ts=ts,
            zone=community.timezone,
        )
