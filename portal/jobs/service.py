"""Create, enqueue and cancel jobs: rows + audit event + commit, and only then the queue."""

from __future__ import annotations

import logging
import re
import uuid
from datetime import timedelta
from typing import Any

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import audit, queue
from portal.admin import limits
from portal.converters import escape_like
from portal.db import JOB_KINDS, JOB_STATUSES, Artifact, Job, Review, User, utcnow
from portal.extensions import db
from portal.jobs.uploads import StoredUpload
from portal.storage import app_storage

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


def new_job(owner: User, kind: str, params: dict[str, Any], inputs: dict[str, StoredUpload] | None = None,
            review: bool = False) -> Job:
    """The one place a job row is made: the owner's caps checked, inputs attached, flushed for its id.

    A job needing review waits as pending_review; any other is queued. The caller audits, commits and enqueues."""
    limits.check_submission(owner)
    job = Job(owner=owner, kind=kind, params=params, status="pending_review" if review else "queued",
              stage="waiting for a supervisor's review" if review else "waiting for a worker",
              queued_at=None if review else utcnow())
    db.session.add(job)
    for role, upload in (inputs or {}).items():
        add_artifact(job, role, upload)
    db.session.flush()
    return job


def submit(job: Job, action: str, **details: Any) -> Job:
    """Audit the new job, commit, and only then enqueue it."""
    audit.record(action, job.owner, job, kind=job.kind, **details)
    db.session.commit()
    send_to_queue(job)
    return job


def create_detection(owner: User, upload: StoredUpload, params: dict[str, Any]) -> Job:
    """A detection job for an uploaded video, committed and then enqueued."""
    job = new_job(owner, "detection", params, {"input_video": upload})
    info = upload.info
    return submit(job, "job.submit", input_sha256=upload.sha256,
                  video=f"{info.width}x{info.height} {info.duration:.1f}s" if info else "")


def create_detections(owner: User, uploads: list[StoredUpload], params: dict[str, Any]) -> list[Job]:
    """One detection job per upload, several tied by a batch id; stops at the owner's cap (LimitExceeded, with the
    jobs already made on its .jobs) and releases the files it did not submit."""
    from portal.jobs.uploads import release

    if len(uploads) > 1:
        params = {**params, "batch": {"id": uuid.uuid4().hex[:8], "size": len(uploads)}}
    jobs: list[Job] = []
    try:
        for upload in uploads:
            jobs.append(create_detection(owner, upload, dict(params)))
    except limits.LimitExceeded as exc:
        release(app_storage(), [u.key for u in uploads[len(jobs):]])
        exc.jobs = jobs
        raise
    return jobs


def create_benchmark(owner: User, set_name: str, detectors: list[str], frames: int) -> Job:
    """A benchmark of DETECTORS on a named set, queued for a worker."""
    params: dict[str, Any] = {"set": set_name, "detectors": list(detectors), "frames": frames}
    return submit(new_job(owner, "benchmark", params), "benchmark.run", set=set_name, detectors=list(detectors))


def record_benchmark(owner: User, set_name: str, detectors: list[str], frames: int, report: dict, plot: bytes) -> Job:
    """A benchmark the command line ran in its own process (never queued), kept as a finished job so the portal
    shows and keeps its result: the report and ROC plot as the job's files, audited like a queued one."""
    import json

    params = {"set": set_name, "detectors": list(detectors), "frames": frames, "from": "command line"}
    job = new_job(owner, "benchmark", params)
    storage = app_storage()
    for role, data, media_type, name in (("plot", plot, "image/png", "ROC"),
                                         ("report_json", json.dumps(report, indent=2).encode(), "application/json",
                                          "benchmark")):
        key, size = storage.put_bytes(data)
        db.session.add(Artifact(job=job, role=role, sha256=key, size=size, media_type=media_type,
                                original_name=name, storage_key=key))
    job.started_at, job.worker_name = job.queued_at, "flask detector benchmark"
    job.result = {"set": set_name, "videos": len(report["videos"]),
                  "models": [{"model": m["model"], **m["metrics"]} for m in report["models"]]}
    finish(job, "succeeded")
    audit.record("benchmark.run", owner, job, set=set_name, detectors=list(detectors), via="command line")
    db.session.commit()
    return job


def create_model_check(owner: User, detector_model_id: int) -> Job:
    """A worker loads an uploaded detector strictly before it may be enabled."""
    job = new_job(owner, "model_check", {"detector_model": detector_model_id})
    job.stage = "waiting for a worker to load the model"
    return submit(job, "model.check", detector_model=detector_model_id)


MEMBER_KINDS = ("detection", "generation")


def kinds_for(user: User) -> tuple[str, ...]:
    """The kinds a person can have: benchmarks and model checks are an admin's."""
    return JOB_KINDS if user.role == "admin" else MEMBER_KINDS


def history_query(user: User, mine: bool = True, kind: str = "", status: str = "", name: str = "", batch: str = ""):
    """The jobs of the history page and the API's list, newest first: the user's own, or anyone's for an admin who
    asks (mine=False); filtered by kind, status, part of the input file's name and a batch id."""
    query = select(Job).options(selectinload(Job.artifacts)).order_by(Job.id.desc())
    if user.role != "admin" or mine:
        query = query.where(Job.owner_id == user.id)
    if kind in kinds_for(user):
        query = query.where(Job.kind == kind)
    if status in JOB_STATUSES:
        query = query.where(Job.status == status)
    if name:
        named = select(Artifact.job_id).where(Artifact.role.in_(("input_video", "target_video")),
                                              Artifact.original_name.ilike(f"%{escape_like(name[:100])}%",
                                                                           escape="\\"))
        query = query.where(Job.id.in_(named))
    if re.fullmatch(r"[0-9a-f]{8}", batch):  # the files of one submission
        query = query.where(Job.params["batch"]["id"].as_string() == batch)
    return query


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
    storage = app_storage()
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


DUPLICABLE = ("detection", "generation")
DETECTION_CHOICES = ("detector", "detectors", "frames", "aggregation")  # what a duplicate may change
GENERATION_PARAMS = ("swapper", "faces", "purpose", "consent_subject", "source_face_box")
GENERATION_CHOICES = ("purpose",)  # e.g. made clearer after a rejection


def stored_inputs(job: Job) -> dict[str, StoredUpload]:
    """The job's input files as uploads to attach to a copy; JobError when any was removed (retention, the owner)."""
    storage, inputs, gone = app_storage(), {}, []
    for a in job.artifacts:
        if a.role not in INPUT_ROLES and a.role != "consent_evidence":
            continue
        if a.removed_at is not None or not storage.path(a.storage_key).is_file():
            when = f" on {a.removed_at:%Y-%m-%d}" if a.removed_at else ""
            gone.append(f"{a.original_name or a.role.replace('_', ' ')} (removed{when})")
            continue
        inputs[a.role] = StoredUpload(key=a.storage_key, sha256=a.sha256, size=a.size, media_type=a.media_type,
                                      original_name=a.original_name or "")
    if gone:
        inputs_are = f"inputs {', '.join(gone)} are" if len(gone) > 1 else f"input {gone[0]} is"
        raise JobError(f"Job {job.id} cannot be duplicated: its stored {inputs_are} no longer kept; "
                       f"submit a new one with the file{'s' if len(gone) > 1 else ''}.")
    return inputs


def duplicate(job: Job, actor: User, changes: dict[str, Any] | None = None) -> Job:
    """A new job of the owner's on the same stored inputs and parameters (a detection's detector choice, a request's
    purpose may change); a generation copy is a new request that waits for a supervisor again, never reusing an
    approval. Audited as job.duplicate with the source job's id; the owner's caps apply."""
    if job.owner_id != actor.id:
        raise JobError("Only the job's owner can duplicate it.")
    if job.kind not in DUPLICABLE:
        raise JobError(f"A {job.kind.replace('_', ' ')} job cannot be duplicated.")
    inputs = stored_inputs(job)
    if job.kind == "generation":
        from portal.generation.service import consent_of, create_request, swapper_names

        swapper = (job.params or {}).get("swapper")
        if swapper not in swapper_names(current_app.config["MODELS_DIR"]):
            raise JobError(f"Job {job.id} cannot be duplicated: its swapper {swapper} is not available now.")
        consent = consent_of(job)
        if consent is None or "source_photo" not in inputs or "target_video" not in inputs:
            raise JobError(f"Job {job.id} cannot be duplicated: its consent or inputs are not on record.")
        params = {k: v for k, v in (job.params or {}).items() if k in GENERATION_PARAMS}
        params.update({k: v for k, v in (changes or {}).items() if k in GENERATION_CHOICES and v})
        copy = create_request(actor, inputs["source_photo"], inputs["target_video"], {**params, "duplicate_of": job.id},
                              {"subject": consent.subject_name, "attestation": consent.attestation},
                              inputs.get("consent_evidence"), inputs.get("reference_photo"))
        audit.record("job.duplicate", actor, copy, source_job=job.id, kind=job.kind, review_needed=True)
        db.session.commit()
        return copy
    if "input_video" not in inputs:
        raise JobError(f"Job {job.id} cannot be duplicated: it has no stored input.")
    params = {k: v for k, v in (job.params or {}).items() if k != "batch"}
    params.update({k: v for k, v in (changes or {}).items() if k in DETECTION_CHOICES})
    params["duplicate_of"] = job.id
    copy = new_job(actor, "detection", params, {"input_video": inputs["input_video"]})
    return submit(copy, "job.duplicate", source_job=job.id, input_sha256=inputs["input_video"].sha256,
                  detectors=params.get("detectors") or [params.get("detector")])


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


