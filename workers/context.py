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
from portal.db import Artifact, Job, utcnow
from portal.extensions import db
from portal.jobs.service import finish
from portal.storage import Storage

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
        self._last_write = 0.0
        self._pending: list[Artifact] = []

    @classmethod
    def start(cls, job_id: int, worker_name: str = "") -> Optional["JobContext"]:
        """Mark the job running; None when it is not waiting to run (canceled, already done)."""
        job = db.session.get(Job, job_id)
        if job is None or job.status != "queued":
            log.info("job %s: not queued (%s), skipped", job_id, job.status if job else "missing")
            return None
        job.status, job.started_at, job.heartbeat_at = "running", utcnow(), utcnow()
        job.worker_name = worker_name or f"{socket.gethostname()}:{os.getpid()}"
        job.stage, job.progress, job.error = "starting", 0.0, None
        db.session.commit()
        ctx = cls(job)
        db.session.close()
        return ctx

    def progress(self, stage: str, fraction: float) -> None:
        """Write stage and fraction (throttled) and raise Canceled when a cancel was requested."""
        now = time.monotonic()
        if now - self._last_write < PROGRESS_INTERVAL and fraction < 1.0:
            return
        self._last_write = now
        db.session.execute(update(Job).where(Job.id == self.job_id).values(
            stage=stage[:120], progress=max(0.0, min(1.0, float(fraction))), heartbeat_at=utcnow()))
        db.session.commit()
        if db.session.get(Job, self.job_id).cancel_requested:
            raise Canceled("Canceled by request while running.")
        db.session.close()

    def store_file(self, role: str, path: Path, media_type: str, name: str = "") -> None:
        key, size = self.storage.put_file(path)
        self._add(role, key, size, media_type, name)

    def store_bytes(self, role: str, data: bytes, media_type: str, name: str = "") -> None:
        key, size = self.storage.put_bytes(data)
        self._add(role, key, size, media_type, name)

    def _add(self, role: str, key: str, size: int, media_type: str, name: str) -> None:
        self._pending.append(Artifact(job_id=self.job_id, role=role, sha256=key, size=size,
                                      media_type=media_type, original_name=name, storage_key=key))

    def succeed(self, result: dict[str, Any], model_versions: Optional[dict[str, Any]] = None) -> None:
        job = db.session.get(Job, self.job_id)
        db.session.add_all(self._pending)
        job.result, job.model_versions = result, model_versions
        finish(job, "succeeded")
        db.session.commit()

    def fail(self, reason: str, status: str = "failed") -> None:
        """End the job with a reason a person understands (outputs made so far are dropped)."""
        db.session.rollback()
        for key, name in self._names.items():  # messages name files by the user's name, not the storage key
            reason = reason.replace(key, name)
        job = db.session.get(Job, self.job_id)
        finish(job, status, error=reason)
        db.session.commit()
