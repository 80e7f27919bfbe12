"""Create, enqueue and cancel jobs: rows + audit event + commit, and only then the queue."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from redis.exceptions import RedisError

from portal import audit, limits, queue
from portal.db import Artifact, Job, User, utcnow
from portal.extensions import db
from portal.uploads import StoredUpload

log = logging.getLogger(__name__)


class JobError(Exception):
    """The action is not possible for this job; the message says why."""


def add_artifact(job: Job, role: str, upload: StoredUpload) -> Artifact:
    artifact = Artifact(job=job, role=role, sha256=upload.sha256, size=upload.size, media_type=upload.media_type,
                        original_name=upload.original_name, storage_key=upload.key)
    db.session.add(artifact)
    return artifact


def create_detection(owner: User, upload: StoredUpload, params: dict[str, Any]) -> Job:
    """A detection job for an uploaded video, committed and then enqueued."""
    limits.check_submission(owner)
    info = upload.info
    job = Job(owner=owner, kind="detection", status="queued", params=params, stage="waiting for a worker",
              queued_at=utcnow())
    db.session.add(job)
    add_artifact(job, "input_video", upload)
    db.session.flush()
    audit.record("job.submit", owner, job, kind="detection", input_sha256=upload.sha256,
                 video=f"{info.width}x{info.height} {info.duration:.1f}s" if info else "")
    db.session.commit()
    send_to_queue(job)
    return job


def send_to_queue(job: Job) -> None:
    """Enqueue a committed job; if Redis is down the row stays queued and the reconciler sends it later."""
    job.attempts += 1
    try:
        job.rq_id = queue.enqueue(job.id, job.kind, job.attempts)
    except RedisError as exc:
        log.warning("job %s: could not reach Redis (%s); the reconciler will enqueue it", job.id, exc)
        job.stage = "waiting for the queue (Redis unavailable)"
    db.session.commit()


def cancel(job: Job, actor: User) -> None:
    """Cancel a queued job at once; ask a running job's worker to stop at its next progress report."""
    if not job.is_active:
        raise JobError(f"Job {job.id} is already {job.status}.")
    previous = job.status
    if job.status == "running":
        job.cancel_requested = True
        job.stage = "cancel requested"
    else:
        finish(job, "canceled", error=f"Canceled by {actor.name}.")
        try:
            queue.remove(job.rq_id)
        except RedisError:
            log.warning("job %s: canceled while Redis was unreachable", job.id)
    audit.record("job.cancel", actor, job, previous_status=previous)
    db.session.commit()


def finish(job: Job, status: str, error: str | None = None) -> None:
    """Put a job in a final state (the caller commits)."""
    job.status = status
    job.error = error
    job.finished_at = utcnow()
    if status == "succeeded":
        job.progress = 1.0
        job.stage = "done"
    else:
        job.stage = status


def detection_defaults() -> dict[str, Any]:
    return {"frames": current_app.config["DETECTION_FRAMES"], "aggregation": "mean"}
