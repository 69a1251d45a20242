"""Test kit for Homeroom and anyone extending it (registered as a pytest plugin).

`TestBot` is a loopback community: `await bot.say("dana", "/homeroom role list")` runs
the command through the real core, storage and outbox, and returns what was delivered
because of it. Time is a `FakeClock` that moves only when a test moves it
(`clock.advance(...)`, or `run_until`, which `TestBot.settle` uses, while the outbox
waits for nothing but time); nothing sleeps and no queue waits on a timeout.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Awaitable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import pytest
import pytest_asyncio

from bot.app import Homeroom
from bot.capabilities import UNLIMITED, Capabilities, RateLimits
from bot.clock import Clock, FakeClock
from bot.events import (
    Actor,
    CommandInvoked,
    ComponentSubmitted,
    Event,
    FormSubmitted,
    MessagePosted,
    Origin,
    ReactionAdded,
)
from bot.features import Builder, Feature, default_features
from bot.i18n import use_clock
from bot.intents import (
    DirectMessage,
    Ephemeral,
    Intent,
    OpenForm,
    OpenThread,
    Pin,
    Post,
    PublishHome,
    Update,
)
from bot.people import PlatformMember
from bot.refs import NO_COMMUNITY, ConversationRef, MemberRef
from bot.render import message_text
from bot.settings import Settings
from bot.timers import Timer

PLATFORM = "fake"
COMMUNITY = "school"
T = TypeVar("T")
POSTGRES_URL = os.environ.get(
    "HOMEROOM_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


class FakeAdapter:
    """A platform that records every delivery; `failures` are raised on the next sends."""

    def __init__(
        self,
        capabilities: Capabilities | None = None,
        limits: RateLimits = UNLIMITED,
        platform: str = PLATFORM,
        clock: Clock | None = None,
    ) -> None:
        self.platform = platform
        self.capabilities = capabilities or Capabilities()
        self.limits = limits
        self.clock = clock
        self.sent: list[Intent] = []
        self.sent_at: list[float] = []
        self.failures: list[BaseException] = []
        self.calls = 0
        self.unpostable: set[str] = set()  # channels the pretend platform refuses
        self.private_channels: set[str] = {"liaisons"}  # every other channel is public
        self.roster: dict[str, Person] = {}  # the platform's members (TestBot fills it)
        self._called = asyncio.Event()

    async def can_post(self, channel: str) -> bool:
        return channel not in self.unpostable

    async def channel_is_private(self, channel: str) -> bool | None:
        return channel in self.private_channels

    async def find_member(self, community: str, user_id: str) -> PlatformMember | None:
        person = self.roster.get(user_id)
        if person is None:
            return None
        return PlatformMember(person.name, person.name, person.locale, person.is_admin)

    async def list_members(self, community: str) -> list[PlatformMember]:
        return [member for n in self.roster if (member := await self.find_member(community, n))]

    def count_call(self) -> None:
        """Count one call to `deliver` (subclasses that replace it call this)."""
        self.calls += 1
        self._called.set()

    async def wait_for_calls(self, count: int) -> None:
        """Until `deliver` has been called `count` times in all; waits on the loop, not
        on time (pass it to `run_until` when pacing must move the clock meanwhile)."""
        while self.calls < count:
            self._called.clear()
            await self._called.wait()

    async def deliver(self, intent: Intent, *, key: str | None = None) -> str | None:
        self.count_call()
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(intent)
        self.sent_at.append(self.clock.monotonic() if self.clock else 0.0)
        return f"m{len(self.sent)}"


@dataclass
class Person:
    name: str
    locale: str | None = "en"
    is_admin: bool = False
    timezone: str | None = None


DEFAULT_PEOPLE = (
    Person("dana", is_admin=True),  # an organizer: admins of the platform start as organizers
    Person("sam"),  # a school staff member who will be made a liaison
    Person("maria", locale="es-MX"),  # a parent whose platform speaks Spanish
    Person("lee"),  # another parent
)


def text_of(intent: Intent) -> str:
    """What a person would read from an intent, as plain text."""
    if isinstance(intent, Post | Ephemeral | DirectMessage | Update | PublishHome):
        return message_text(intent.message, with_buttons=True)
    if isinstance(intent, OpenForm):
        return intent.form.title + ": " + ", ".join(f.label for f in intent.form.fields)
    if isinstance(intent, Pin):
        return f"{'pin' if intent.pinned else 'unpin'} {intent.to.message}"
    if isinstance(intent, OpenThread):
        return f"open thread {intent.to.message}: {intent.name}"
    return intent.emoji


@dataclass
class TestBot:
    """Drive a Homeroom core as members of one community and read what they got."""

    app: Homeroom
    adapter: FakeAdapter
    people: dict[str, Person] = field(
        default_factory=lambda: {
            p.name: replace(p) for p in DEFAULT_PEOPLE
        }  # copies: tests edit them
    )
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __post_init__(self) -> None:
        self.adapter.roster = self.people  # whoever the test adds is a platform member

    def member(self, name: str) -> MemberRef:
        return MemberRef(self.adapter.platform, COMMUNITY, name)

    def actor(self, name: str) -> Actor:
        person = self.people.setdefault(name, Person(name))
        return Actor(
            self.member(name),
            locale=person.locale,
            is_platform_admin=person.is_admin,
            timezone=person.timezone,
        )

    def where(self, channel: str = "parents", thread: str | None = None) -> ConversationRef:
        return ConversationRef(self.adapter.platform, COMMUNITY, channel, thread)

    def next_event_id(self) -> str:
        return f"ev{next(self._ids)}"

    def _from(self, who: str, channel: str = "parents", thread: str | None = None) -> Origin:
        """The fields every event from `who` in `channel` shares."""
        return Origin(
            event_id=self.next_event_id(),
            at=self.app.clock.now(),
            conversation=self.where(channel, thread),
            actor=self.actor(who),
        )

    def outside(self, who: str) -> Origin:
        """The fields of an event from `who`'s DM that belongs to no community, as
        Discord sends one (its DMs carry no server): no community, no locale."""
        return Origin(
            event_id=self.next_event_id(),
            at=self.app.clock.now(),
            conversation=ConversationRef(self.adapter.platform, NO_COMMUNITY, f"dm-{who}"),
            actor=Actor(MemberRef(self.adapter.platform, NO_COMMUNITY, who)),
        )

    async def send(self, event: Event) -> list[Intent]:
        """Dispatch an event, wait for delivery, return what was delivered for it."""
        before = len(self.adapter.sent)
        await self.app.handle(event)
        await self.settle()
        return self.adapter.sent[before:]

    async def settle(self) -> None:
        """Until everything queued is delivered, moving the fake clock as pacing needs."""
        await run_until(self.app)

    async def say(
        self, who: str, text: str, channel: str = "parents", thread: str | None = None
    ) -> list[Intent]:
        """A message, or a command when it starts with `/homeroom` or `/`."""
        event_id, at, where = (
            self.next_event_id(),
            self.app.clock.now(),
            self.where(channel, thread),
        )
        if text.startswith("/"):
            body = text.removeprefix("/homeroom").removeprefix("/").strip()
            return await self.send(
                CommandInvoked(
                    event_id=event_id, at=at, conversation=where, actor=self.actor(who), text=body
                )
            )
        return await self.send(
            MessagePosted(
                event_id=event_id, at=at, conversation=where, actor=self.actor(who), text=text
            )
        )

    async def dm(self, who: str, text: str) -> list[Intent]:
        """A direct message from `who` to the bot."""
        return await self.send(
            MessagePosted(**self._from(who, f"dm-{who}"), text=text, is_direct=True)
        )

    async def invoke(
        self, who: str, name: str, channel: str = "parents", **options: str
    ) -> list[Intent]:
        """A command with typed options, as Discord sends them."""
        return await self.send(
            CommandInvoked(**self._from(who, channel), name=name, options=options)
        )

    async def press(
        self, who: str, action_id: str, value: str, channel: str = "parents"
    ) -> list[Intent]:
        return await self.send(
            ComponentSubmitted(**self._from(who, channel), action_id=action_id, value=value)
        )

    async def submit(
        self, who: str, form_id: str, channel: str = "parents", **values: str
    ) -> list[Intent]:
        return await self.send(
            FormSubmitted(**self._from(who, channel), form_id=form_id, values=values)
        )

    async def react(
        self, who: str, message: str, emoji: str, channel: str = "parents"
    ) -> list[Intent]:
        origin = self._from(who, channel)
        origin["conversation"] = replace(origin["conversation"], message=message)
        return await self.send(ReactionAdded(**origin, emoji=emoji))

    async def next_timer(self) -> tuple[Timer, list[Intent]] | None:
        """Move the fake clock to the timer due first, of any feature, run what is due
        then, and return that timer and what was delivered; None when no timer waits."""
        timer = await self.app.timers.soonest()
        if timer is None:
            return None
        clock = self.app.clock
        assert isinstance(clock, FakeClock), "next_timer drives a FakeClock"
        wait = (timer.due_at - clock.now()).total_seconds()
        if wait > 0:
            clock.advance(wait)
        before = len(self.adapter.sent)
        await self.app.timers.run_due()
        await self.settle()
        return timer, self.adapter.sent[before:]

    def texts(self, intents: list[Intent]) -> list[str]:
        return [text_of(i) for i in intents]

    async def state(
        self,
        skip: tuple[str, ...] = (
            "processed_events",
            "outbox",
            "outbox_lanes",
            "replicas",
            "member_locales",
        ),
    ) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table (but delivery bookkeeping, and the language platforms
        report for members, noted from any event), to compare before/after: input that
        was refused must leave this unchanged."""
        from sqlalchemy import text

        await self.app.directory.flush()  # members' platform languages, written in batches

        from bot.storage.tables import metadata

        def read(conn: Any) -> dict[str, list[tuple[Any, ...]]]:  # one trip for every table
            return {
                name: sorted(
                    (tuple(r) for r in conn.execute(text(f'SELECT * FROM "{name}"'))), key=repr
                )
                for name in metadata.tables
                if name not in skip
            }

        async with self.app.db.engine.connect() as conn:
            return await conn.run_sync(read)


async def run_until(app: Homeroom, goal: Awaitable[T] | None = None) -> T | None:
    """Await `goal` (by default: every queued intent delivered or failed), moving the
    app's `FakeClock` to the next deadline each time the outbox waits only for time
    (a pace, a Retry-After, a backoff), so a delivery happens at the very instant the
    limits allow. Nothing else moves the clock."""
    clock = app.clock
    assert isinstance(clock, FakeClock), "run_until drives a FakeClock"
    return await clock.run_until(
        goal if goal is not None else app.outbox.idle(), asleep=app.outbox.asleep
    )


def declared_features(*extra: Builder) -> list[Feature]:
    """Homeroom's features (and `extra`), built on a kernel that never connects: to read
    what they declare (commands, buttons, tables, hooks) without a running bot."""
    app = Homeroom(test_settings("sqlite+aiosqlite://"), features=[*default_features(), *extra])
    return list(app.features)


def test_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings for tests: no .env, no platform tokens, the given database."""
    # SQLite's group commits on a thread (bot.storage.writer): its statements go through
    # SQLAlchemy, whose events the tests listen to, and no process starts per test.
    overrides = {"sqlite_writer": "thread", **overrides}
    return Settings(_env_file=None, database_url=database_url, **overrides)


test_settings.__test__ = False  # type: ignore[attr-defined]


async def postgres_available(url: str = POSTGRES_URL) -> str | None:
    """None when PostgreSQL answers at `url`, else why not (printed in the skip)."""
    try:
        import asyncpg
    except ImportError:
        return "asyncpg is not installed (pip install 'homeroom[postgres]')"
    try:
        connection = await asyncio.wait_for(asyncpg.connect(_plain(url)), timeout=3)
    except Exception as error:
        return f"no PostgreSQL server at {url}: {error}"
    await connection.close()
    return None


def _plain(url: str) -> str:
    """asyncpg's own URL form of a SQLAlchemy URL."""
    return url.replace("postgresql+asyncpg", "postgresql")


class PostgresSession:
    """One database of this test session's own on the server at `POSTGRES_URL`.

    Made with a unique name when the first PostgreSQL test needs it and dropped when the
    session ends, so two test runs on one machine never touch each other's tables, and
    nothing else on the server is touched.
    """

    def __init__(self, server_url: str = POSTGRES_URL) -> None:
        self.server_url = server_url
        self.name = f"homeroom_test_{os.getpid()}_{secrets.token_hex(4)}"
        self.url: str | None = None
        self.unavailable: str | None = None
        self._migrated = False  # whether the template of a migrated database is made

    async def ensure(self) -> str | None:
        """The session database's URL, made on first use; None (see `unavailable`) if no server."""
        if self.url is None and self.unavailable is None:
            self.unavailable = await postgres_available(self.server_url)
            if self.unavailable is None:
                await self._admin(f'CREATE DATABASE "{self.name}"')
                self.url = self.server_url.rsplit("/", 1)[0] + "/" + self.name
        return self.url

    async def reset(self) -> None:
        """Empty the session database so each test starts from nothing."""
        import asyncpg

        assert self.url is not None
        connection = await asyncpg.connect(_plain(self.url))
        try:
            await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        finally:
            await connection.close()

    async def reset_migrated(self) -> None:
        """Make the session database a copy of one with every migration run: the copy
        takes PostgreSQL about a tenth of the time Alembic takes (the template is made,
        by Alembic, when a test first asks)."""
        assert self.url is not None
        template = f"{self.name}_migrated"
        if not self._migrated:
            await self._admin(f'CREATE DATABASE "{template}"')
            self._migrated = True
            await _migrated(self.server_url.rsplit("/", 1)[0] + "/" + template)
        await self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        await self._admin(f'CREATE DATABASE "{self.name}" TEMPLATE "{template}"')

    async def drop(self) -> None:
        if self.url is not None:
            await self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            if self._migrated:
                await self._admin(f'DROP DATABASE IF EXISTS "{self.name}_migrated" WITH (FORCE)')
            self.url = None

    async def _admin(self, statement: str) -> None:
        import asyncpg

        connection = await asyncpg.connect(_plain(self.server_url))
        try:
            await connection.execute(statement)
        finally:
            await connection.close()


@pytest.fixture(scope="session")
def postgres_session() -> Iterator[PostgresSession]:
    """The test session's own PostgreSQL database (made lazily, dropped at the end)."""
    session = PostgresSession()
    yield session
    if session.url is not None:
        asyncio.run(session.drop())


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(autouse=True)
def _today_is_the_fake_clocks(clock: FakeClock) -> None:
    """Days are written relative to today (a far one with its year): in a test, today is
    the fake clock's, also where no app is made, never the machine's."""
    use_clock(clock.now)


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend; storage tests widen this to ["sqlite", "postgres"]."""
    return str(request.param)


@pytest_asyncio.fixture
async def database_url(backend: str, tmp_path: Path, postgres_session: PostgresSession) -> str:
    if backend == "postgres":
        url = await postgres_session.ensure()
        if url is None:
            pytest.skip(postgres_session.unavailable or "no PostgreSQL")
        await postgres_session.reset()
        return url
    return f"sqlite+aiosqlite:///{tmp_path / 'homeroom.db'}"


@pytest.fixture
def capabilities() -> Capabilities:
    return Capabilities()


async def _migrated(url: str) -> None:
    """Run every migration on the (new) database at `url`."""
    app = Homeroom(test_settings(url))
    try:
        await app.db.migrate()
    finally:
        await app.db.close()


class SqliteTemplate:
    """An SQLite file at the newest revision (made as a new database is: from the schema
    snapshot, bot.storage.schema), made once per test process when a test first asks:
    each test's database starts as a copy of it (a millisecond) instead of being made
    again, for each of a thousand tests."""

    def __init__(self, folder: Path) -> None:
        self._path = folder / "migrated.db"
        self._made = False

    async def copy_to(self, path: Path) -> None:
        """`path` made a copy of the template (left alone when it is already there)."""
        if not self._made:
            await _migrated(f"sqlite+aiosqlite:///{self._path}")
            self._made = True
        await asyncio.to_thread(self._copy, path)

    def _copy(self, path: Path) -> None:
        leftovers = [p for p in self._path.parent.iterdir() if p != self._path]
        assert not leftovers, f"the template's journal was left behind: {leftovers}"
        if not path.exists():
            shutil.copyfile(self._path, path)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("migrated"))


@pytest_asyncio.fixture
async def migrated_database_url(
    database_url: str,
    backend: str,
    sqlite_template: SqliteTemplate,
    postgres_session: PostgresSession,
) -> str:
    """The test's own database, already migrated: a copy of a template made once (the
    migrations' own tests take `database_url` and run Alembic)."""
    if backend == "postgres":
        await postgres_session.reset_migrated()
    else:
        await sqlite_template.copy_to(Path(database_url.removeprefix("sqlite+aiosqlite:///")))
    return database_url


@pytest_asyncio.fixture
async def homeroom(migrated_database_url: str, clock: FakeClock) -> AsyncIterator[Homeroom]:
    app = Homeroom(test_settings(migrated_database_url), clock=clock)
    await app.db.migrate()  # finds the schema at the newest revision: nothing to do
    yield app
    await app.stop()


@pytest_asyncio.fixture
async def bot(homeroom: Homeroom, clock: FakeClock, capabilities: Capabilities) -> TestBot:
    adapter = FakeAdapter(capabilities, clock=clock)
    homeroom.attach(adapter)
    await homeroom.start(timers=False)
    return TestBot(homeroom, adapter)
