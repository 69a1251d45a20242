"""Deployment settings from the environment and `.env`, validated once at start.

A half-given platform configuration (a Slack bot token with neither a signing secret nor
an app token, say) fails the start with one line that names the variable and the fix,
because a bot that starts and then silently ignores a platform is worse than one that
does not start.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

SUPPORTED_LANGUAGES = ("en", "es")


class SettingsError(Exception):
    """A setting is wrong; the message is the one line a person reads."""


class StartFailure(Exception):
    """Homeroom cannot start (a platform refused a token, a port is taken ...); the
    message is the one line a person reads: the cause, then what to do."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_ignore_empty=True)

    database_url: str = "sqlite+aiosqlite:///./data/homeroom.db"
    default_language: str = "en"
    default_timezone: str = "UTC"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_file: Path | None = None
    cache_ttl_seconds: float = 30.0
    # Backpressure (bot/storage/backlog.py): intake waits while this many rows wait for
    # a group commit, so what members were told is done never piles up in memory.
    max_queued_rows: int = Field(default=2000, ge=1)
    # Where a SQLite file's group commits run (bot/storage/writer.py): a process of
    # their own, on another core beside the event loop, or a thread (the tests' choice).
    sqlite_writer: Literal["process", "thread"] = "process"
    console: Literal["auto", "on", "off"] = "auto"
    # The key behind anonymous ballots and questions (bot/anonymity.py). Unset: one is
    # made on the first start and kept in the database. Changing it unlinks every
    # anonymous ballot and question from its member.
    anonymity_secret: SecretStr | None = None

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_mode: Literal["socket", "http"] | None = None
    slack_http_port: int = 3000
    # /healthz and /readyz for a load balancer (adapters/health.py); unset: not served.
    health_port: int | None = None
    slack_api_url: str | None = None
    slack_command: str = "/homeroom"

    discord_token: str | None = None
    discord_api_url: str | None = None
    discord_gateway_url: str | None = None
    discord_message_content: bool = True
    # Gateway sharding, for several replicas on Discord: this replica runs the shards in
    # DISCORD_SHARD_IDS ("0,1") of DISCORD_SHARD_COUNT. Unset: one process, one gateway
    # connection (enough up to 2,500 servers). Only the replica with shard 0 registers
    # the commands.
    discord_shard_count: int | None = None
    discord_shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = None

    @field_validator("discord_shard_ids", mode="before")
    @classmethod
    def _shard_list(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(" ", ",").split(",") if p.strip()]
            if not all(p.isdecimal() for p in parts):
                raise ValueError(f"{value!r} is not a list of shard numbers; use such as 0,1")
            return tuple(int(p) for p in parts) or None
        return value

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        count, ids = self.discord_shard_count, self.discord_shard_ids
        if count is not None and count < 1:
            raise ValueError("DISCORD_SHARD_COUNT must be 1 or more")
        if ids and count is None:
            raise ValueError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT (how many in all)")
        if ids and count is not None and not all(0 <= i < count for i in ids):
            raise ValueError(
                f"DISCORD_SHARD_IDS must be numbers from 0 to {count - 1} "
                f"(DISCORD_SHARD_COUNT is {count})"
            )
        return self

    @property
    def registers_discord_commands(self) -> bool:
        """The command tree is global: one replica (the one with shard 0) registers it."""
        return not self.discord_shard_ids or 0 in self.discord_shard_ids

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in SUPPORTED_LANGUAGES:
            raise ValueError(f"use one of {', '.join(SUPPORTED_LANGUAGES)}")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("use an IANA time zone name such as America/New_York") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith(("sqlite:///", "sqlite://")) and "+aiosqlite" not in value:
            return value.replace("sqlite:", "sqlite+aiosqlite:", 1)
        if value.startswith(("postgresql://", "postgres://")):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if not value.startswith(("sqlite+aiosqlite:", "postgresql+asyncpg:")):
            raise ValueError("use sqlite+aiosqlite:///path.db or postgresql+asyncpg://host/db")
        return value

    @field_validator("slack_http_port", "health_port", mode="before")
    @classmethod
    def _port_in_range(cls, value: object) -> int | None:
        if value is None:
            return None
        text = str(value).strip()
        if not text.isdecimal() or not 1 <= int(text) <= 65535:
            raise ValueError(f"{text} is not a port; use a number from 1 to 65535, such as 3000")
        return int(text)

    @field_validator("database_url")
    @classmethod
    def _database_port_in_range(cls, value: str) -> str:
        try:
            port = make_url(value).port
        except (ArgumentError, ValueError):
            raise ValueError(
                "it is not a database URL; use sqlite+aiosqlite:///path.db or "
                "postgresql+asyncpg://user@host:5432/db"
            ) from None
        if port is not None and not 1 <= port <= 65535:
            raise ValueError(f"port {port} is not a port; use a number from 1 to 65535 (5432)")
        return value

    @model_validator(mode="after")
    def _tokens_look_right(self) -> Settings:
        """Slack's tokens say what they are by their prefix; a swapped or mistyped one
        fails here, offline, instead of as a refusal from Slack later."""
        bot, app = self.slack_bot_token, self.slack_app_token
        if bot and app and bot.startswith("xapp-") and app.startswith("xoxb-"):
            raise ValueError(
                "SLACK_BOT_TOKEN and SLACK_APP_TOKEN are swapped: the bot token starts with "
                "xoxb-, the app-level token with xapp-"
            )
        if bot and not bot.startswith("xoxb-"):
            raise ValueError(
                f"SLACK_BOT_TOKEN should start with xoxb- but starts with {_prefix(bot)}: "
                "copy the Bot User OAuth Token from your Slack app's OAuth & Permissions page"
            )
        if app and not app.startswith("xapp-"):
            raise ValueError(
                f"SLACK_APP_TOKEN should start with xapp- but starts with {_prefix(app)}: "
                "create an App-Level Token with connections:write under Basic Information"
            )
        secret = self.slack_signing_secret
        if secret is not None and not secret.strip():
            self.slack_signing_secret = None  # blank: as if not set, so "missing" is said
        elif secret and (secret.startswith(("xox", "xapp-")) or secret != "".join(secret.split())):
            raise ValueError(
                "SLACK_SIGNING_SECRET does not look like a signing secret (no spaces, not a "
                "token): copy the Signing Secret from your Slack app's Basic Information page"
            )
        discord = self.discord_token
        if discord and (discord.startswith(("xox", "xapp-")) or " " in discord.strip()):
            raise ValueError(
                "DISCORD_TOKEN does not look like a Discord bot token (no spaces, no Bot "
                "prefix, not a Slack token): copy it from the Developer Portal > Bot"
            )
        return self

    @model_validator(mode="after")
    def _platforms_complete(self) -> Settings:
        if self.slack_bot_token:
            if not (self.slack_mode or self.slack_app_token or self.slack_signing_secret):
                # Half of the README's Socket Mode set-up: name what it lacks, not HTTP's.
                raise ValueError(
                    "SLACK_APP_TOKEN is missing: Socket Mode (the usual set-up) needs the "
                    "xapp- token from your Slack app's Basic Information page; for HTTP "
                    "mode instead, set SLACK_MODE=http and SLACK_SIGNING_SECRET"
                )
            mode = self.slack_mode or ("socket" if self.slack_app_token else "http")
            if mode == "socket" and not self.slack_app_token:
                raise ValueError(
                    "SLACK_APP_TOKEN is missing: Socket Mode needs the xapp- token from "
                    "your Slack app's Basic Information page (or set SLACK_MODE=http)"
                )
            if mode == "http" and not self.slack_signing_secret:
                raise ValueError(
                    "SLACK_SIGNING_SECRET is missing: HTTP mode needs it to verify "
                    "requests (Slack app > Basic Information > Signing Secret)"
                )
            self.slack_mode = mode
        elif self.slack_app_token or self.slack_signing_secret:
            raise ValueError(
                "SLACK_BOT_TOKEN is missing: set the xoxb- token from your Slack app's "
                "OAuth page, or remove the other SLACK_ settings"
            )
        if (self.discord_api_url or self.discord_gateway_url) and not self.discord_token:
            raise ValueError("DISCORD_TOKEN is missing: DISCORD_API_URL needs a bot token too")
        return self

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token)

    @property
    def discord_enabled(self) -> bool:
        return bool(self.discord_token)

    @property
    def console_enabled(self) -> bool:
        if self.console == "auto":
            return not (self.slack_enabled or self.discord_enabled)
        return self.console == "on"


def load_settings(env_file: str | Path | None = ".env", **overrides: Any) -> Settings:
    """Read settings; raise SettingsError with one readable line when they are wrong."""
    try:
        return Settings(_env_file=env_file, **overrides)
    except ValidationError as exc:
        raise SettingsError(_one_line(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc.__class__.__name__
        if isinstance(exc, UnicodeDecodeError):
            reason = f"not UTF-8 text at byte {exc.start}"
        raise SettingsError(
            f"can't read the settings file {env_file} ({reason}): save it as UTF-8 text"
        ) from None


def _prefix(token: str) -> str:
    """The part of a token that says its kind, never the secret part."""
    head = token.split("-", 1)[0]
    return f"{head}-" if "-" in token and len(head) <= 5 else "something else"


def _one_line(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]).upper()
    message = str(error["msg"]).removeprefix("Value error, ")
    if where:
        return f"Setting {where} is not valid: {message}."
    return f"{message}."
