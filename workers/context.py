"""What a running job does to its row: start, report progress (and hear cancel), store outputs, end."""

from __future__ import annotations

import logging
import os
import socket
import time
from pathlib import Path
from typing import Any, Optional

from flask import current_app
from sqlalchemy import update

from models.errors import Canceled
from portal import audit
from portal.db import Artifact, Job, utcnow
from portal.extensions import db
from portal.jobs.service import finish
from portal.storage import Storage
from workers.dbretry import retried

log = logging.getLogger(__name__)
PROGRESS_INTERVAL = 0.5  # seconds between progress writes


class JobContext:
    """A job's handle for the runner: ids and paths only; the DB session is closed during the long work."""

    def __init__(self, job: Job):
        self.job_id, self.kind, self.owner_id = job.id, job.kind, job.owner_id
        self.params: dict[str, Any] = dict(job.params or {})
        self.storage = Storage(current_app.config["STORAGE_DIR"])
        self.config = current_app.config
        self.inputs = {a.role: self.storage.path(a.storage_key) for a in job.artifacts}
        self.input_sha256 = {a.role: a.sha256 for a in job.artifacts}
        self._names = {a.storage_key: a.original_name or a.role.replace("_", " ") for a in job.artifacts}
        self._last_write, self._stage = 0.0, "starting"
        self._pending: list[Artifact] = []

    @classmethod
    def start(cls, job_id: int, worker_name: str = "") -> Optional["JobContext"]:
        """Mark the job running; None when it is not waiting to run (canceled, already done) or its owner has as
        many jobs running as the running cap allows (it goes to the back of its queue)."""
        job = db.session.get(Job, job_id, with_for_update=True)
        if job is None or job.status != "queued":
            log.info("job %s: not queued (%s), skipped", job_id, job.status if job else "missing")
            db.session.rollback()
            return None
        if cls._over_running_cap(job):
            return None
        job.status, job.started_at, job.heartbeat_at = "running", utcnow(), utcnow()
        job.worker_name = worker_name or f"{socket.gethostname()}:{os.getpid()}"
        job.ran_on = _ran_on()
        job.stage, job.progress, job.error = "starting", 0.0, None
        db.session.commit()
        ctx = cls(job)
        db.session.close()
        return ctx

    @staticmethod
    def _over_running_cap(job: Job) -> bool:
        """When the owner already has max_running_per_user jobs running, send this one to the back of its queue."""
        from sqlalchemy import func, select

        from portal.admin import limits
        from portal.db import User

        cap = limits.running_cap()
        if not cap:
            return False
        db.session.execute(select(User.id).where(User.id == job.owner_id).with_for_update())  # one start per user
        running = db.session.execute(select(func.count()).select_from(Job).where(
            Job.owner_id == job.owner_id, Job.status == "running")).scalar_one()
        if running < cap:
            return False
        _defer(job, f"waiting: {running} of this user's jobs are running (limit {cap})")
        return True

    @retried
    def progress(self, stage: str, fraction: float) -> None:
        """Write stage and fraction (throttled) and raise Canceled when a cancel was requested."""
        now, self._stage = time.monotonic(), stage
        if now - self._last_write < PROGRESS_INTERVAL and fraction < 1.0:
            return
        self._last_write = now
        db.session.execute(update(Job).where(Job.id == self.job_id).values(
            stage=stage[:120], progress=max(0.0, min(1.0, float(fraction))), heartbeat_at=utcnow()))
        db.session.commit()
        if db.session.get(Job, self.job_id).cancel_requested:
            raise Canceled("Canceled by request while running.")
        db.session.close()

    def discard_outputs(self) -> None:
        """Forget outputs stored so far (a run that starts again records its own)."""
        self._pending.clear()

    def store_file(self, role: str, path: Path, media_type: str, name: str = "") -> None:
        key, size = self.storage.put_file(path)
        self._add(role, key, size, media_type, name)

    def store_bytes(self, role: str, data: bytes, media_type: str, name: str = "") -> None:
        if role == "report_json":
            data = _with_device(data)
        key, size = self.storage.put_bytes(data)
        self._add(role, key, size, media_type, name)

    def _add(self, role: str, key: str, size: int, media_type: str, name: str) -> None:
        self._pending.append(Artifact(job_id=self.job_id, role=role, sha256=key, size=size,
                                      media_type=media_type, original_name=name, storage_key=key))

    @retried
    def succeed(self, result: dict[str, Any], model_versions: Optional[dict[str, Any]] = None) -> None:
        job = db.session.get(Job, self.job_id)
        db.session.add_all(self._pending)
        job.result, job.model_versions = result, model_versions
        finish(job, "succeeded")
        db.session.commit()

    def readable(self, reason: str) -> str:
        """The reason with stored files named as their owner named them, never by a path of the store."""
        for key, name in self._names.items():
            reason = reason.replace(str(self.storage.path(key)), name).replace(key, name)
        return reason.replace(str(self.storage.root), "the store")

    @retried
    def fail(self, reason: str, status: str = "failed") -> None:
        """End the job with a reason a person understands, audited (outputs made so far are dropped)."""
        db.session.rollback()
        reason = self.readable(reason)
        job = db.session.get(Job, self.job_id)
        finish(job, status, error=reason)
        audit.record("job.fail" if status == "failed" else f"job.{status}", None, job, reason=reason,
                     attempt=job.attempts, stage=self._stage, worker=job.worker_name)
        db.session.commit()


def _ran_on() -> str:
    """Where this job runs: "host X, GPU 0, NVIDIA ..." or "host X, CPU" (the worker's device, chosen once)."""
    from workers.device import current

    return current().record()["summary"][:255]


def _with_device(data: bytes) -> bytes:
    """A JSON report with the device it was made on ("ran_on"), so a verdict says where it was computed."""
    import json

    from workers.device import current

    try:
        report = json.loads(data)
    except ValueError:
        return data
    if not isinstance(report, dict):
        return data
    report.setdefault("ran_on", current().record())
    return json.dumps(report, indent=2).encode()


def _defer(job: Job, stage: str) -> None:
    """Put a queued job at the back of its queue under a fresh RQ id (its attempts do not change)."""
    from portal import queue

    rq_id = f"{queue.rq_job_id(job.id, job.attempts)}-w{time.time_ns() // 1_000_000}"
    job.stage, job.rq_id = stage[:120], rq_id
    db.session.commit()
    time.sleep(0.5)  # the cap lifts only when another job ends: do not spin on the queue
    queue.enqueue(job.id, job.kind, job.attempts, rq_id=rq_id, note=" (deferred)")  # the kind's served queue
    log.info("job %s: %s; sent to the back of the queue", job.id, stage)
