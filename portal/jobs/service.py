"""Create, enqueue and cancel jobs: rows + audit event + commit, and only then the queue."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import current_app
from redis.exceptions import RedisError

from portal import audit, queue
from portal.admin import limits
from portal.db import Artifact, Job, Review, User, utcnow
from portal.extensions import db
from portal.jobs.uploads import StoredUpload
from portal.storage import Storage

log = logging.getLogger(__name__)
RERUNNABLE = ("failed", "canceled")
INPUT_ROLES = ("input_video", "source_photo", "target_video", "reference_photo")
APPROVAL_VALID_DAYS = 30  # an approval older than this (APPROVAL_VALID_DAYS in settings) needs a new review


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


def _missing_inputs(job: Job) -> list[str]:
    """Input files of the job that are no longer in the store."""
    storage = Storage(current_app.config["STORAGE_DIR"])
    return [a.original_name or a.role.replace("_", " ") for a in job.artifacts
            if a.role in INPUT_ROLES and not storage.path(a.storage_key).is_file()]


def approval_holds(job: Job) -> bool:
    """The job's last review approved it, recently, by someone who is still an active supervisor or admin."""
    review = db.session.query(Review).filter(Review.job_id == job.id).order_by(Review.id.desc()).first()
    if review is None or review.decision != "approved":
        return False
    days = current_app.config.get("APPROVAL_VALID_DAYS", APPROVAL_VALID_DAYS)
    approver = db.session.get(User, review.supervisor_id)
    return (approver is not None and approver.active and approver.role in ("supervisor", "admin")
            and approver.id != job.owner_id and utcnow() - review.created_at <= timedelta(days=days))


def _reset(job: Job) -> None:
    """Clear what the last run left on the row (a failed run stored no outputs)."""
    job.error, job.result, job.progress, job.cancel_requested = None, None, 0.0, False
    job.started_at = job.finished_at = job.heartbeat_at = job.worker_name = None


def rerun(job: Job, actor: User) -> None:
    """Run a failed or canceled job again on its stored inputs; a generation keeps its approval while it holds."""
    if job.status not in RERUNNABLE:
        raise JobError(f"Job {job.id} is {job.status.replace('_', ' ')}; only a failed or canceled job can run again.")
    limits.check_submission(job.owner)
    if missing := _missing_inputs(job):
        raise JobError(f"Job {job.id} cannot run again: its stored input ({', '.join(missing)}) is no longer kept; "
                       "submit a new request.")
    previous, reason = job.status, job.error
    _reset(job)
    if job.kind == "generation" and not approval_holds(job):
        job.status, job.stage = "pending_review", "waiting for a supervisor's review (the approval no longer holds)"
        audit.record("job.rerun", actor, job, previous_status=previous, previous_error=reason, review_needed=True)
        db.session.commit()
        return
    job.status, job.queued_at, job.stage = "queued", utcnow(), f"run again by {actor.name}; waiting for a worker"
    audit.record("job.rerun", actor, job, previous_status=previous, previous_error=reason, attempt=job.attempts + 1)
    db.session.commit()
    send_to_queue(job)


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
    from portal.notifications import job_finished

    job_finished(job)


def detection_defaults() -> dict[str, Any]:
    return {"frames": current_app.config["DETECTION_FRAMES"], "aggregation": "mean"}
