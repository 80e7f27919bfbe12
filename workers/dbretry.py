"""A job's database reads and row writes survive a database restart: reconnect and try again for a while, then
give up."""

from __future__ import annotations

import functools
import logging
import time

from sqlalchemy.exc import DBAPIError, OperationalError

from portal.extensions import db

log = logging.getLogger(__name__)
RETRY_FOR = 120.0  # seconds a write is tried again while the server is away (a restart takes a few)


def _lost_connection(exc: Exception) -> bool:
    """The server went away or refused the connection (OperationalError), not a mistake in the write."""
    return isinstance(exc, OperationalError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated)


def retried(method):
    """Run a job's read or write again (from its start, on a fresh connection) while the database is unreachable;
    the function must be safe to repeat (a read, or a write that commits once at its end)."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        deadline, delay = time.monotonic() + RETRY_FOR, 0.5
        while True:
            try:
                return method(*args, **kwargs)
            except DBAPIError as exc:
                if not _lost_connection(exc) or time.monotonic() > deadline:
                    raise
                log.warning("%s: database unreachable (%s); trying again in %.1f s", method.__name__,
                            str(exc.orig)[:120], delay)
                try:
                    db.session.rollback()
                except DBAPIError:
                    pass
                db.session.close()  # the pool's pre-ping replaces dead connections at the next checkout
                time.sleep(delay)
                delay = min(delay * 2, 5.0)

    return wrapper
