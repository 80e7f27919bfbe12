"""The database is the truth: re-enqueue queued jobs Redis lost, fail running jobs whose worker is gone."""

from __future__ import annotations

import logging

from redis import Redis
from rq import Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job as RQJob
from sqlalchemy import select

from portal.db import Job
from portal.extensions import db
from portal.jobs.service import finish, send_to_queue

log = logging.getLogger(__name__)


def _in_redis(rq_id: str | None, connection: Redis) -> bool:
    if not rq_id:
        return False
    try:
        return RQJob.fetch(rq_id, connection=connection).get_status() in ("queued", "started", "deferred",
                                                                            "scheduled")
    except NoSuchJobError:
        return False


def reconcile(connection: Redis) -> dict[str, int]:
    """Repair job rows against Redis; returns counts of what was done."""
    alive = {w.name for w in Worker.all(connection=connection)}
    requeued = failed = 0
    for job in db.session.execute(select(Job).where(Job.status.in_(("queued", "running")))).scalars():
        if job.status == "queued" and not _in_redis(job.rq_id, connection):
            log.info("job %s: queued in the database but not in Redis; enqueueing again", job.id)
            send_to_queue(job)
            requeued += 1
        elif job.status == "running" and job.worker_name not in alive:
            finish(job, "failed", error="The worker running this job stopped (killed or crashed) before it ended.")
            failed += 1
    db.session.commit()
    return {"requeued": requeued, "failed": failed}
