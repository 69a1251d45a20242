"""The generic services every feature may use, built once by the app and handed to each
feature's `build(kernel)`. Nothing here knows any feature: a feature's own services
(a prompt scheduler, a poll store) are built by the feature from these and kept in its
`Feature.state`, never added here.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.anonymity import Anonymity
from bot.channels import ChannelChecks
from bot.clock import Clock
from bot.commands import CommandRegistry
from bot.directory import Directory
from bot.outbox import Outbox
from bot.privacy import MemberData
from bot.settings import Settings
from bot.storage.batcher import Batcher, Writer
from bot.timers import Timers

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Kernel:
    """Settings, time, the database, who is who, delivery, and the command registry."""

    settings: Settings
    clock: Clock
    engine: AsyncEngine
    # SQLite's one writer at a time (None on PostgreSQL), taken by the core's group
    # commits. A feature never takes it itself: its busy writes go through
    # `group_commit`, which takes turns with the inbox's, outbox's and timers' commits.
    write_turn: asyncio.Lock | None
    directory: Directory
    # `outbox.submit(intents)` queues intents for delivery outside a transaction;
    # `outbox.stage(conn, intents)` inside one; `outbox.capabilities(platform)`.
    outbox: Outbox
    channels: ChannelChecks
    commands: CommandRegistry
    # `timers.set(conn, feature, kind, key, due_at)` / `cancel`, then `wake()` after the
    # commit: the one timer loop runs the feature's declared handler when it is due.
    timers: Timers
    # `anonymity.token(purpose, scope, member)`: a keyed one-way stand-in for a member
    # (an anonymous ballot); `seal`/`unseal`: an address only the bot can open.
    anonymity: Anonymity

    def group_commit(self, writer: Writer[T, R], name: str) -> Batcher[T, R]:
        """A feature's own group commit, for writes that come in bursts (a poll's votes):
        `await batcher.write(item)` waits until `writer(conn, items)` has committed the
        items of a few milliseconds together, in one transaction that takes SQLite's
        write turn with the core's own group commits (instead of one transaction each,
        every one of them queueing for the one writer)."""
        return Batcher(self.engine, writer, name, self.clock, self.write_turn)

    # `member_data.export(conn, member)` / `delete`: every feature's privacy hooks at once.
    member_data: MemberData = field(default_factory=MemberData)
