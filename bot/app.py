"""Homeroom assembled: database, directory, core, outbox, and the adapters attached.

Built once and passed to whoever needs it (adapters, tests, benchmarks); there is no
global instance to reach for.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Sequence
from typing import Any

from bot import fallbacks
from bot.anonymity import Anonymity
from bot.channels import ChannelChecks
from bot.clock import Clock, SystemClock
from bot.commands import CommandRegistry
from bot.core import Core
from bot.dedupe import InboundDedupe
from bot.delivery import Deliverer
from bot.directory import Directory
from bot.dm_gate import DmGate
from bot.events import Event
from bot.fallbacks import Fallbacks
from bot.features import Builder, Feature, Privacy, default_features
from bot.i18n import use_clock
from bot.inbox import Inbox
from bot.intents import Intent
from bot.kernel import Kernel
from bot.outbox import Outbox
from bot.settings import Settings
from bot.storage.backlog import Backlog
from bot.storage.db import Database
from bot.supervisor import Supervisor
from bot.timers import Timers

log = logging.getLogger(__name__)


def _conversation() -> Feature:
    """The core's own member data: forms answered as a conversation, numbered choices."""
    return Feature(
        name="conversation",
        privacy=Privacy(
            covers=fallbacks.PRIVATE_COLUMNS,
            export=fallbacks.export_member,
            delete=fallbacks.delete_member,
        ),
    )


HOUSEKEEPING_EVERY = 3600.0  # seconds


class Homeroom:
    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        features: Sequence[Builder] | None = None,
    ) -> None:
        """`features`: builders (`build(kernel) -> Feature`), by default every feature
        Homeroom ships (`bot.features.DEFAULT_FEATURES`)."""
        self.settings = settings
        self.clock = clock or SystemClock()
        use_clock(self.clock.now)  # members read days relative to this clock's today
        self.db = Database(settings.database_url, writer=settings.sqlite_writer)
        # Rows queued for group commits, against a cap: intake waits for room.
        self.backlog = Backlog(settings.max_queued_rows)
        self.directory = Directory(
            self.db.engine,
            self.clock,
            default_language=settings.default_language,
            default_timezone=settings.default_timezone,
            ttl_seconds=settings.cache_ttl_seconds,
            write_turn=self.db.write_turn,
            backlog=self.backlog,
        )
        self.dedupe = InboundDedupe(
            self.db.engine,
            self.clock,
            self.db.write_turn,
            shared=not self.db.is_sqlite,
            backlog=self.backlog,
        )
        self.outbox = Outbox(
            self.db.engine, self.clock, write_turn=self.db.write_turn, backlog=self.backlog
        )
        # Members' DM settings (dm, quiet hours, pause), applied as each DM goes out.
        self.outbox.dm_gate = DmGate(self.directory)
        # Every feature's timed work: one loop, started with the others in `start`.
        self.timers = Timers(self.db.engine, self.clock, self.outbox, self.db.write_turn)
        self.channels = ChannelChecks()
        commands = CommandRegistry()
        # Kept here too: an adapter asks it whether a member is in the middle of a form.
        self.fallbacks = Fallbacks(self.db.engine, self.clock, commands)
        self.kernel = Kernel(
            settings=settings,
            clock=self.clock,
            engine=self.db.engine,
            write_turn=self.db.write_turn,
            directory=self.directory,
            outbox=self.outbox,
            channels=self.channels,
            commands=commands,
            timers=self.timers,
            anonymity=Anonymity(
                settings.anonymity_secret.get_secret_value() if settings.anonymity_secret else None
            ),
        )
        builders = default_features() if features is None else features
        self.features: tuple[Feature, ...] = (
            _conversation(),
            *(build(self.kernel) for build in builders),
        )
        self.kernel.member_data.features = self.features
        for feature in self.features:
            for tag, receipt in feature.receipts.items():
                self.outbox.on_tag(tag, receipt)
            if feature.timers:  # its handlers get the feature's own state, as `ctx.own`
                self.timers.register(feature.name, feature.timers, feature.state)
        self.core = Core(self.kernel, self.features, self.dedupe, self.fallbacks)
        self.inbox = Inbox(
            self.dedupe,
            self.core,
            self.outbox,
            self.db.engine,
            self.clock,
            self.db.write_turn,
            shared=not self.db.is_sqlite,
            backlog=self.backlog,
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
        # `homeroom run` pauses collections for its start (adapters.cli): all it built so
        # far (imports, this app) is live, under 800 objects of garbage among ~100,000.
        # Frozen now, it is never scanned again, even by the collection after migrating.
        paused = not gc.isenabled()
        if paused:
            gc.freeze()
        migrated = await self.db.migrate()
        await self.db.start_writer()  # its start overlaps the rest of ours
        await self.create_feature_tables()
        await self.kernel.anonymity.load(self.db.engine)
        await self.dedupe.load_recent()
        if self.outbox.replicated:  # counted among the replicas before the first send
            await self.outbox.join()
            self.supervisor.run("outbox-heartbeat", self.outbox.heartbeat)
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
        # the event loop) to a few ms. See BENCHMARKS.md. Garbage is collected first, or
        # it would be kept for good: when collections ran (tests), or when Alembic ran
        # (~12,000 objects of it). Otherwise there is next to none, and skipping the
        # collection saves ~50 ms before the bot is ready.
        if migrated or not paused:
            gc.collect()
        gc.freeze()

    def state(self, name: str) -> object:
        """The state the feature called `name` built for itself (tests reach its services)."""
        for feature in self.features:
            if feature.name == name:
                return feature.state
        raise KeyError(name)

    @property
    def scheduler(self) -> Any:
        """The prompts feature's scheduler, which tests and benchmarks drive by hand."""
        return getattr(self.state("prompts"), "scheduler", None)

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
        async with self.backlog.room():  # waits while too many rows wait for the database
            intents = await self.core.dispatch(event)
            if intents:
                self.outbox.submit(intents)
        return intents

    async def create_feature_tables(self) -> None:
        """Tables a feature declares that the migrations do not make (a feature added
        from outside Homeroom's tree): created if missing, after the migrations ran."""
        from bot.storage.tables import metadata

        extra = [
            table
            for feature in self.features
            for table in feature.tables
            if table.metadata is not metadata
        ]
        if extra:
            async with self.db.engine.begin() as conn:
                for table in extra:
                    await conn.run_sync(table.create, checkfirst=True)

    async def stop(self) -> None:
        await self.supervisor.stop()
        await self.inbox.stop()
        await self.outbox.stop()
        await self.dedupe.flush()
        await self.directory.flush()
        await self.db.close()
