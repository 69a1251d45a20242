"""Standing in for a member without knowing who they are: anonymous ballots, anonymous
questions to a liaison.

Two tools, both keyed by one server secret (`ANONYMITY_SECRET`, or one generated on the
first start and kept in the `server_secrets` table; never logged, never exported):

- `token(purpose, scope, member)`: a keyed one-way token (HMAC-SHA256). The same member
  gets the same token for the same purpose and scope (one ballot per poll, so a vote can
  be changed or retracted; a block on an anonymous sender), and a different one for
  another scope, so two anonymous polls cannot be linked. Nothing turns it back into a
  member.
- `seal(member)` / `unseal(sealed)`: where the bot itself must reach an anonymous member
  later (relaying a liaison's answer by DM), an authenticated encryption (Fernet) of the
  member ref. Only the running bot can open it, to deliver; no command, view, export or
  log shows it, so no person, organizers included, learns who it is.

Store a token or a sealed address in place of a member's ID, never beside it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.refs import MemberRef
from bot.storage.tables import server_secrets
from bot.storage.upsert import insert_ignoring_duplicates

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

SECRET_NAME = "anonymity"


class AnonymityNotReady(RuntimeError):
    """`token` or `seal` was called before the app loaded its secret (`Homeroom.start`)."""


class Anonymity:
    """Tokens and sealed addresses under the server's secret; see the module docstring."""

    def __init__(self, configured: str | None = None) -> None:
        self._configured = configured
        self._key: bytes | None = None
        self._seal_key: bytes | None = None
        self._fernet: Fernet | None = None  # made with the first seal (see `_sealer`)

    async def load(self, engine: AsyncEngine) -> None:
        """Take the configured secret, or the one kept in the database, or make one.

        Several replicas starting at once agree on one: each inserts its candidate only if
        none is kept, then all read back the one that won."""
        if self._configured:
            self._use(self._configured)
            return
        async with engine.begin() as conn:
            row = {
                "name": SECRET_NAME,
                "value": secrets.token_urlsafe(48),
                "created_at": datetime.now(UTC),
            }
            await insert_ignoring_duplicates(conn, server_secrets, [row])
            kept = (
                await conn.execute(
                    select(server_secrets.c.value).where(server_secrets.c.name == SECRET_NAME)
                )
            ).scalar_one()
        self._use(kept)

    def _use(self, secret: str) -> None:
        self._key = hashlib.sha256(b"homeroom-token\0" + secret.encode()).digest()
        seal_key = hashlib.sha256(b"homeroom-seal\0" + secret.encode()).digest()
        self._seal_key = base64.urlsafe_b64encode(seal_key)
        self._fernet = None

    def _sealer(self) -> Fernet:
        """The Fernet for the loaded secret, made on first use: `cryptography` costs
        ~20 ms and 7 MB at start, and most runs seal nothing for a while."""
        if self._seal_key is None:
            raise AnonymityNotReady("the anonymity secret is loaded by Homeroom.start")
        if self._fernet is None:
            from cryptography.fernet import Fernet

            self._fernet = Fernet(self._seal_key)
        return self._fernet

    def token(self, purpose: str, scope: str, member: MemberRef) -> str:
        """The member's one-way token for `purpose` (e.g. "poll") within `scope` (the
        poll's ID): 32 hex characters, the same every time for the same three."""
        if self._key is None:
            raise AnonymityNotReady("the anonymity secret is loaded by Homeroom.start")
        subject = "\0".join((purpose, scope, member.platform, member.community, member.id))
        return hmac.new(self._key, subject.encode(), hashlib.sha256).hexdigest()[:32]

    def seal(self, member: MemberRef) -> str:
        """An address only this bot can open again (`unseal`), to deliver to the member."""
        plain = json.dumps([member.platform, member.community, member.id]).encode()
        return self._sealer().encrypt(plain).decode()

    def unseal(self, sealed: str) -> MemberRef | None:
        """The member a `seal` stands for; None when it was sealed under another secret
        (the secret was changed) or altered."""
        sealer = self._sealer()
        from cryptography.fernet import InvalidToken

        try:
            platform, community, member_id = json.loads(sealer.decrypt(sealed.encode()))
        except (InvalidToken, ValueError):
            return None
        return MemberRef(platform=platform, community=community, id=member_id)
