"""What the reconciler also does on its passes: restore Redis's copy of the paused queues, apply retention."""

from __future__ import annotations

import logging
import socket

from redis import Redis

log = logging.getLogger(__name__)
RETENTION_EVERY = 600  # s: one retention pass per this long across all workers (a Redis lock)
RETENTION_LOCK = "portal:retention-lock"
RETENTION_BATCH = 200  # jobs at most per pass


def upkeep(connection: Redis) -> dict[str, int]:
    """Mirror the database's paused queues into Redis; every RETENTION_EVERY s, purge what retention says."""
    from portal.operations import queues, retention
    from portal.queue import mirror_paused

    mirror_paused(queues.paused(), connection)
    if not connection.set(RETENTION_LOCK, socket.gethostname(), nx=True, ex=RETENTION_EVERY):
        return {"purged": 0}
    items, freed = retention.purge(delete=True, limit=RETENTION_BATCH)
    if items:
        log.info("retention: removed the files of %s job(s), %s bytes", len(items), freed)
    return {"purged": len(items)}
