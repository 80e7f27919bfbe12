"""Generation requests and their review: rows + consent + audit, committed; approval enqueues."""

from __future__ import annotations

from typing import Any, Optional

from werkzeug.datastructures import FileStorage

from portal import audit
from portal.db import Consent, Job, Review, User, utcnow
from portal.extensions import db
from portal.jobs.service import JobError, finish, new_job, send_to_queue
from portal.jobs.uploads import StoredUpload, accept_image, accept_pdf
from portal.notifications import notify
from portal.storage import Storage


def swapper_names(models_dir: str) -> list[str]:
    """The swappers a request may ask for now (their weights are present)."""
    from models.swappers import swapper_status

    return [name for name, reason in swapper_status(models_dir).items() if reason is None]


def accept_evidence(file: FileStorage, storage: Storage) -> StoredUpload:
    """Consent evidence: a PDF (by its magic bytes) or else a photo."""
    head = file.stream.read(5)
    file.stream.seek(0)
    return accept_pdf(file, storage) if head == b"%PDF-" else accept_image(file, storage)


def source_faces(source: StoredUpload, storage: Storage, models_dir: str) -> list[tuple[float, float, float, float]]:
    """The face boxes of a stored source photo, largest first (numbered 1..N for the requester's choice)."""
    from models.media import read_image
    from portal.generation.precheck import find_faces

    return find_faces(read_image(storage.path(source.key)), models_dir)


def create_request(owner: User, source: StoredUpload, target: StoredUpload, params: dict[str, Any],
                   consent: dict[str, str], evidence: Optional[StoredUpload] = None,
                   reference: Optional[StoredUpload] = None) -> Job:
    """A generation request waiting for a supervisor (status pending_review)."""
    inputs = {"source_photo": source, "target_video": target}
    if reference is not None:
        inputs["reference_photo"] = reference
    if evidence is not None:
        inputs["consent_evidence"] = evidence
    job = new_job(owner, "generation", params, inputs, review=True)
    evidence_row = job.artifact("consent_evidence")
    db.session.add(Consent(job_id=job.id, subject_name=consent["subject"], attestation=consent["attestation"],
                           evidence_artifact_id=evidence_row.id if evidence_row is not None else None))
    audit.record("generation.request", owner, job, purpose=params.get("purpose", ""),
                 source_sha256=source.sha256, target_sha256=target.sha256, swapper=params.get("swapper"),
                 consent_subject=consent["subject"])
    db.session.commit()
    return job


def _review(job: Job, supervisor: User, decision: str, reason: str) -> None:
    if job.kind != "generation" or job.status != "pending_review":
        raise JobError(f"Job {job.id} is not waiting for review (it is {job.status}).")
    if job.owner_id == supervisor.id:
        raise JobError("You cannot review your own request; another supervisor must decide.")
    db.session.add(Review(job_id=job.id, supervisor_id=supervisor.id, decision=decision, reason=reason))
    audit.record(f"generation.{'approve' if decision == 'approved' else 'reject'}", supervisor, job,
                 reason=reason, requester_id=job.owner_id)


def approve(job: Job, supervisor: User, reason: str = "") -> None:
    """Record the approval, commit, then enqueue on the generation queue."""
    _review(job, supervisor, "approved", reason)
    job.status, job.queued_at, job.stage = "queued", utcnow(), "approved; waiting for a worker"
    notify(job.owner, f"Your generation request #{job.id} was approved by {supervisor.name}"
           + (f": {reason.strip().rstrip('.')}" if reason.strip() else "") + "; it is queued.", job, kind="approved")
    db.session.commit()
    send_to_queue(job)


def reject(job: Job, supervisor: User, reason: str) -> None:
    if not reason.strip():
        raise JobError("Give the requester a reason for the rejection.")
    _review(job, supervisor, "rejected", reason)
    finish(job, "rejected", error=f"Rejected by {supervisor.name}: {reason}")
    db.session.commit()


def reviews_of(job: Job) -> list[Review]:
    return db.session.query(Review).filter(Review.job_id == job.id).order_by(Review.id).all()


def consent_of(job: Job) -> Optional[Consent]:
    return db.session.query(Consent).filter(Consent.job_id == job.id).one_or_none()
