"""`Unavailable`: something Homeroom needs (its database, a network peer) could not be
reached, so nothing was decided, and the same event may simply be tried again later.

Why this is its own exception and not one more "something went wrong": an event kept
in the inbox (bot.inbox) that fails this way stays kept and is handled on a later pass,
once the database is back, so it is neither lost nor answered with an apology the
member would have to act on. An error that a retry cannot fix (a bug, a constraint
violated) is still answered kindly and marked handled, because trying it again would
only fail again.
"""

from __future__ import annotations

from sqlalchemy import exc


class Unavailable(Exception):
    """Not done because a dependency was out of reach; retrying the same event is safe."""


# PostgreSQL gave up one transaction for another's sake (a deadlock, a serialization
# conflict): the same transaction tried again succeeds.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})


def is_transient(error: BaseException) -> bool:
    """True for the errors of a dependency out of reach, or of a transaction PostgreSQL
    aborted for another's sake: the database closed or refused a connection, was locked
    or timed out, the network failed (OSError covers refused and reset connections, DNS
    and timeouts), or a deadlock. IntegrityError, ProgrammingError and DataError are not:
    the same statement would fail again. One test for the inbox, the core and the
    batchers alike, so they agree on what waiting out means."""
    if isinstance(error, Unavailable | OSError | TimeoutError | exc.TimeoutError):
        return True
    if isinstance(error, exc.OperationalError | exc.InterfaceError | exc.DisconnectionError):
        return True
    if not isinstance(error, exc.DBAPIError):
        return False
    sqlstate = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return bool(error.connection_invalidated) or sqlstate in RETRYABLE_SQLSTATES
