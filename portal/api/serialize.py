"""The JSON the API answers with: jobs, files, reviews and audit events, read from the same rows the pages show."""

from __future__ import annotations

from typing import Any

from flask import url_for

from portal.db import Artifact, AuditEvent, Job
from portal.jobs.files import download_name, users_file


def time(value) -> str | None:
    return value.isoformat() + "Z" if value else None


def artifact_json(a: Artifact) -> dict[str, Any]:
    """A file of a job: `name` is the download's name, `original_name` the name its uploader gave (inputs)."""
    return {"id": a.id, "role": a.role, "size": a.size, "media_type": a.media_type, "sha256": a.sha256,
            "name": download_name(a), "original_name": a.original_name,
            "url": url_for("api.download", artifact_id=a.id)}


def detectors_of(job: Job) -> list[str]:
    """The detectors asked for (an ensemble: every member, the first being the main one), as the job page lists."""
    params = job.params or {}
    return list(params.get("detectors") or ([params["detector"]] if params.get("detector") else []))


def job_json(job: Job, full: bool = True) -> dict[str, Any]:
    data = {"id": job.id, "kind": job.kind, "status": job.status, "progress": round(job.progress or 0.0, 4),
            "stage": job.stage or "", "error": job.error, "attempts": job.attempts, "owner_id": job.owner_id,
            "input_name": users_file(job), "created_at": time(job.created_at), "started_at": time(job.started_at),
            "finished_at": time(job.finished_at), "url": url_for("api.job", job_id=job.id)}
    if job.kind == "detection":
        data["detectors"] = detectors_of(job)
    if full:
        data["params"] = job.params or {}
        data["result"] = job.result if job.status == "succeeded" else None
        data["artifacts"] = [artifact_json(a) for a in job.artifacts]
        if job.kind == "generation":
            data.update(_generation(job))
    return data


def _generation(job: Job) -> dict[str, Any]:
    """The consent and the decisions, as the job and review pages show them."""
    from portal.generation.service import consent_of, reviews_of

    consent = consent_of(job)
    return {"consent": {"subject": consent.subject_name, "attestation": consent.attestation,
                        "evidence_artifact_id": consent.evidence_artifact_id} if consent else None,
            "reviews": [{"decision": r.decision, "reason": r.reason or "", "supervisor": r.supervisor.name,
                         "created_at": time(r.created_at)} for r in reviews_of(job)]}


def event_json(e: AuditEvent) -> dict[str, Any]:
    """An audit event with the same columns as the CSV export."""
    return {"id": e.id, "time_utc": time(e.created_at), "actor": e.actor.email if e.actor else "system",
            "action": e.action, "object": e.object_type, "object_id": e.object_id, "ip": e.ip,
            "details": e.details or {}, "hash": e.hash}
