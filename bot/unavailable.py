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


def is_transient(error: BaseException) -> bool:
    """True for the errors of a dependency out of reach: the database closed or refused a
    connection, was locked or timed out, or the network failed (OSError covers refused
    and reset connections, DNS and timeouts). IntegrityError, ProgrammingError and
    DataError are not: the same statement would fail again."""
    if isinstance(error, Unavailable | OSError | exc.TimeoutError):
        return True
    if isinstance(error, exc.OperationalError | exc.InterfaceError):
        return True
    return isinstance(error, exc.DBAPIError) and error.connection_invalidated
