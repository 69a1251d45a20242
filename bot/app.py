"""Homeroom assembled: database, directory, core, outbox, and the adapters attached.

Built once and passed to whoever needs it (adapters, tests, benchmarks); there is no
global instance to reach for.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Sequence

from bot.channels import ChannelChecks
from bot.clock import Clock, SystemClock
from bot.commands import CommandRegistry
from bot.context import Services
from bot.core import Core
from bot.dedupe import InboundDedupe
from bot.delivery import Deliverer
from bot.directory import Directory
from bot.events import Event
from bot.fallbacks import Fallbacks
from bot.features import Feature, default_features
from bot.features.prompts.discussions import Discussions
from bot.features.prompts.library import Library
from bot.features.prompts.notices import IdeaNotices
from bot.features.prompts.own import OwnPrompts
from bot.features.prompts.scheduler import PromptScheduler
from bot.inbox import Inbox
from bot.intents import Intent
from bot.outbox import Outbox
from bot.settings import Settings
from bot.storage.db import Database
from bot.supervisor import Supervisor
from bot.timers import Timers

log = logging.getLogger(__name__)

HOUSEKEEPING_EVERY = 3600.0  # seconds


class Homeroom:
    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        features: Sequence[Feature] | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.db = Database(settings.database_url)
        self.directory = Directory(
            self.db.engine,
            self.clock,
            default_language=settings.default_language,
            default_timezone=settings.default_timezone,
            ttl_seconds=settings.cache_ttl_seconds,
            write_turn=self.db.write_turn,
        )
        self.dedupe = InboundDedupe(
            self.db.engine, self.clock, self.db.write_turn, shared=not self.db.is_sqlite
        )
        self.outbox = Outbox(self.db.engine, self.clock, write_turn=self.db.write_turn)
        library = Library.load()
        # Every feature's timed work: one loop, started with the others in `start`.
        self.timers = Timers(self.db.engine, self.clock, self.outbox, self.db.write_turn)
        self.own_prompts = OwnPrompts(self.db.engine, self.clock)
        self.idea_notices = IdeaNotices(
            self.db.engine, self.clock, self.directory, self.own_prompts, self.timers
        )
        self.scheduler = PromptScheduler(
            self.db.engine,
            self.clock,
            library,
            self.directory,
            self.outbox,
            self.own_prompts,
            self.timers,
        )
        self.discussions = Discussions(self.db.engine, self.clock, self.outbox.capabilities)
        self.outbox.add_receipt(self.discussions.receipt, concerns=self.discussions.concerns)
        self.channels = ChannelChecks()
        commands = CommandRegistry()
        # Kept here too: an adapter asks it whether a member is in the middle of a form.
        self.fallbacks = Fallbacks(self.db.engine, self.clock, commands)
        services = Services(
            settings=settings,
            clock=self.clock,
            directory=self.directory,
            commands=commands,
            library=library,
            scheduler=self.scheduler,
            discussions=self.discussions,
            own_prompts=self.own_prompts,
            idea_notices=self.idea_notices,
            channels=self.channels,
        )
        self.core = Core(
            services,
            default_features() if features is None else features,
            self.dedupe,
            self.fallbacks,
        )
        for feature_name, handlers in self.core.timer_handlers.items():
            self.timers.register(feature_name, handlers, services)
        self.inbox = Inbox(
            self.dedupe,
            self.core,
            self.outbox,
            self.db.engine,
            self.clock,
            self.db.write_turn,
            shared=not self.db.is_sqlite,
        )
        self.supervisor = Supervisor(self.clock)

    def attach(self, deliverer: Deliverer) -> None:
        """Connect an adapter's sending side and declare what it can show."""
        self.core.add_platform(deliverer.platform, deliverer.capabilities)
        self.outbox.register(deliverer)
        # How an adapter that keeps events before acknowledging them reads one back.
        replay = getattr(deliverer, "replay", None)
        if replay is not None:
            self.inbox.replayers[deliverer.platform] = replay
        # What only the platform knows, asked of adapters that can tell (see bot.people).
        self.channels.add(
            deliverer.platform,
            getattr(deliverer, "can_post", None),
            getattr(deliverer, "channel_is_private", None),
        )
        self.directory.people.add(
            deliverer.platform,
            getattr(deliverer, "find_member", None),
            getattr(deliverer, "list_members", None),
        )

    async def start(self, *, timers: bool = True) -> None:
        """Migrate, reload what a previous run left, and start delivering.

        Tests pass `timers=False` and drive the timed work themselves (`advance` the fake
        clock, then `await timers.run_due()`, `await tidy()`, or the outbox's
        `renew_leases()` and `resume()`), so time only moves when a test moves it."""
        await self.db.migrate()
        await self.dedupe.load_recent()
        await self.outbox.resume()
        self.supervisor.run("outbox", self.outbox.run)
        if timers:
            # Outbox leases: what keeps a second process (a deploy) from sending this
            # one's rows, and takes over the rows of one that died.
            self.supervisor.run("outbox-lease-renewal", self.outbox.renewing)
            self.supervisor.run("outbox-reclaim", self.outbox.reclaiming)
            # Events kept but not handled when the last run ended go first.
            self.supervisor.run("inbox", self.inbox.run)
            self.supervisor.run("timers", self.timers.run)
            self.supervisor.run("housekeeping", self._housekeeping)
        # Everything built so far (imported modules, SQLAlchemy's and pydantic's caches)
        # lives as long as the process. Freezing it keeps full garbage collections from
        # rescanning it: measured here, that cut GC pauses from up to 124 ms (blocking
        # the event loop) to a few ms. See BENCHMARKS.md.
        gc.collect()
        gc.freeze()

    async def tidy(self) -> tuple[int, int]:
        """Prune what only needs keeping for a while: seen event IDs, sent outbox rows."""
        return await self.dedupe.prune(), await self.outbox.purge_sent()

    async def _housekeeping(self) -> None:
        # Tables would otherwise grow for as long as the bot runs between restarts.
        while True:
            await self.clock.sleep(HOUSEKEEPING_EVERY)
            events, sent = await self.tidy()
            log.info("event=housekeeping pruned_events=%d purged_outbox=%d", events, sent)

    async def handle(self, event: Event) -> list[Intent]:
        """Dispatch an inbound event that was not kept (the console's) and queue its
        answer for delivery. Adapters that acknowledge events keep them first and use
        `inbox` instead, so that a kill or a database failure cannot lose one."""
        intents = await self.core.dispatch(event)
        if intents:
            self.outbox.submit(intents)
        return intents

    async def stop(self) -> None:
        await self.supervisor.stop()
        await self.inbox.stop()
        await self.outbox.stop()
        await self.dedupe.flush()
        await self.directory.flush()
        await self.db.close()
