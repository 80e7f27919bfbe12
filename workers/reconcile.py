"""The database is the truth: re-enqueue queued jobs Redis lost, retry or fail running jobs whose worker is gone.

Run by every worker on start and then periodically (workers/run.py); a short Redis lock lets one worker at a
time do it. A running job is orphaned when its worker is not registered, its worker process is gone (same host),
its worker runs something else, or its worker stopped sending heartbeats. Orphans are retried up to
MAX_ATTEMPTS times (the job page shows the attempts), then failed with the reason.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from flask import current_app
from redis import Redis
from rq import Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job as RQJob
from sqlalchemy import select

from portal import audit
from portal.db import Job, utcnow
from portal.extensions import db
from portal.jobs.service import finish, send_to_queue

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # runs of one job, the first included
START_MARGIN = 10  # s: a job that started this recently is left alone (the worker snapshot may predate it)
QUEUED_GRACE = 15  # s: a queued row without an RQ id this young may still be on its way to Redis
WORKER_SILENT = 180  # s: a busy worker with no heartbeat for this long is gone (it beats every 30 s)
HUNG_MARGIN = 300  # s past the time limit after which a running job is failed whatever its worker says
LOCK_KEY = "portal:reconcile-lock"


@dataclass
class WorkerView:
    """What Redis says about one registered worker."""

    name: str
    hostname: Optional[str]
    pid: Optional[int]
    current_job_id: Optional[str]
    last_heartbeat: Optional[datetime]


def workers_in(connection: Redis) -> dict[str, WorkerView]:
    views = {}
    for w in Worker.all(connection=connection):
        beat = w.last_heartbeat.replace(tzinfo=None) if w.last_heartbeat else None
        views[w.name] = WorkerView(w.name, w.hostname, w.pid, w.get_current_job_id(), beat)
    return views


def _pid_gone(pid: Optional[int]) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def orphan_reason(job: Job, workers: dict[str, WorkerView], now: datetime) -> Optional[str]:
    """Why this running job can no longer end by itself, or None while its worker is on it."""
    worker = workers.get(job.worker_name or "")
    if worker is None:
        return "its worker is no longer registered (it stopped or crashed)"
    if worker.hostname == socket.gethostname() and _pid_gone(worker.pid):
        return "its worker process ended (killed or crashed)"
    if worker.current_job_id != job.rq_id:
        return "its worker is no longer running it"
    silent = current_app.config.get("WORKER_SILENT", WORKER_SILENT)  # another host's process cannot be looked up
    if worker.last_heartbeat and (now - worker.last_heartbeat).total_seconds() > silent:
        return f"its worker sent no heartbeat for over {silent} s"
    return None


def _in_redis(rq_id: str | None, connection: Redis) -> bool:
    if not rq_id:
        return False
    try:
        return RQJob.fetch(rq_id, connection=connection).get_status() in ("queued", "started", "deferred",
                                                                            "scheduled")
    except NoSuchJobError:
        return False


def retry_or_fail(job: Job, reason: str) -> str:
    """Send an orphaned job round again while attempts remain, else fail it; returns what was done."""
    if job.attempts < MAX_ATTEMPTS:
        log.warning("job %s: %s; retrying (attempt %s of %s)", job.id, reason, job.attempts + 1, MAX_ATTEMPTS)
        audit.record("job.retry", None, job, reason=reason, attempt=job.attempts + 1)
        job.status, job.progress, job.queued_at = "queued", 0.0, utcnow()
        job.started_at = job.heartbeat_at = job.worker_name = None
        job.stage = f"retrying: {reason} (attempt {job.attempts + 1} of {MAX_ATTEMPTS})"[:120]
        db.session.commit()
        send_to_queue(job)
        return "retried"
    log.warning("job %s: %s; failed after %s attempts", job.id, reason, job.attempts)
    finish(job, "failed", error=f"The job was stopped because {reason}; it was tried {job.attempts} times.")
    audit.record("job.fail", None, job, reason=reason, attempts=job.attempts)
    db.session.commit()
    return "failed"


def _locked(job_id: int, status: str) -> Optional[Job]:
    """The row again, locked, if it is still in the status we saw."""
    job = db.session.get(Job, job_id, with_for_update=True, populate_existing=True)
    return job if job is not None and job.status == status else None


def _check_running(job_id: int, workers: dict[str, WorkerView], now: datetime, time_limit: int) -> Optional[str]:
    job = _locked(job_id, "running")
    if job is None or job.started_at is None or (now - job.started_at).total_seconds() < START_MARGIN:
        db.session.rollback()
        return None
    last_sign = max(job.heartbeat_at or job.started_at, job.started_at)
    if (now - last_sign).total_seconds() > time_limit + HUNG_MARGIN:
        finish(job, "failed", error=f"The job stopped reporting progress for longer than its time limit "
                                    f"({time_limit} s) and was failed.")
        audit.record("job.fail", None, job, reason=job.error, attempts=job.attempts)
        db.session.commit()
        return "failed"
    reason = orphan_reason(job, workers, now)
    if reason is None:
        db.session.rollback()
        return None
    return retry_or_fail(job, reason)


def _check_queued(job_id: int, connection: Redis, now: datetime) -> Optional[str]:
    job = _locked(job_id, "queued")
    young = job is not None and job.rq_id is None and \
        (now - (job.queued_at or job.created_at)) < timedelta(seconds=QUEUED_GRACE)
    if job is None or young or _in_redis(job.rq_id, connection):
        db.session.rollback()
        return None
    log.info("job %s: queued in the database but not in Redis; enqueueing again", job.id)
    send_to_queue(job)
    return "requeued"


def reconcile(connection: Redis, time_limit: int = 1800, lock_seconds: int = 0) -> dict[str, int]:
    """Repair job rows against Redis; returns counts of what was done."""
    if lock_seconds and not connection.set(LOCK_KEY, socket.gethostname(), nx=True, ex=lock_seconds):
        return {"requeued": 0, "retried": 0, "failed": 0, "skipped": 1}
    workers, now = workers_in(connection), utcnow()
    counts = {"requeued": 0, "retried": 0, "failed": 0}
    rows = db.session.execute(select(Job.id, Job.status).where(Job.status.in_(("queued", "running")))).all()
    db.session.rollback()
    for job_id, status in rows:
        if status == "running":
            done = _check_running(job_id, workers, now, time_limit)
        else:
            done = _check_queued(job_id, connection, now)
        if done:
            counts[done] += 1
    return counts
