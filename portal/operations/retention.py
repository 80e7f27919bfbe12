"""Retention: how long each kind of job keeps its input and output files, and every way files are removed.

A removal keeps the job row, every artifact row (its sha256, size and name), the verdict and the audit trail; it
marks each artifact `removed_at` and the job `files_removed_at`, deletes a stored file only when nothing else still
needs it (the store is content-addressed, so two jobs can share one file), and appends an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Optional

from sqlalchemy import select

from portal import audit
from portal.admin import settings
from portal.db import FINAL_STATUSES, JOB_KINDS, Artifact, DetectorModel, Job, User, utcnow
from portal.extensions import db
from portal.storage import Storage, app_storage

SETTING = "retention_days"
INPUT_ROLES = {"input_video", "target_video", "source_photo", "reference_photo", "consent_evidence"}
PARTS = ("inputs", "outputs")


class RetentionError(Exception):
    """A removal or hold was refused; the message is for a person."""


def part_of(role: str) -> str:
    return "inputs" if role in INPUT_ROLES else "outputs"


def policy() -> dict[str, dict[str, int]]:
    """Days each kind keeps its inputs and outputs after the job ended (0: kept until removed by hand)."""
    stored = settings.get(SETTING) or {}
    return {kind: {part: int((stored.get(kind) or {}).get(part) or 0) for part in PARTS} for kind in JOB_KINDS}


def set_policy(values: dict[str, dict[str, int]], actor: Optional[User]) -> None:
    """Store the policy (audited); the caller commits."""
    clean = {kind: {part: max(0, int((values.get(kind) or {}).get(part) or 0)) for part in PARTS}
             for kind in JOB_KINDS}
    settings.put(SETTING, clean)
    audit.record("retention.update", actor, None, **clean)


def _still_needed(keys: set[str]) -> set[str]:
    """Keys a kept artifact, a detector or a pending request still refers to (their files must stay)."""
    from portal.storage.gc import _pending_keys

    if not keys:
        return set()
    kept = set(db.session.scalars(select(Artifact.storage_key).where(
        Artifact.storage_key.in_(keys), Artifact.removed_at.is_(None))))
    kept |= set(db.session.scalars(select(DetectorModel.weights_key).where(DetectorModel.weights_key.in_(keys))))
    with db.engine.connect() as conn:
        kept |= _pending_keys(conn) & keys
    return kept


def remove_files(job: Job, parts: tuple[str, ...], action: str, actor: Optional[User], reason: str,
                 storage: Optional[Storage] = None) -> int:
    """Remove the job's files of these parts (inputs/outputs); audited; returns bytes freed. The caller commits."""
    storage = storage or app_storage()
    chosen = [a for a in job.artifacts if a.removed_at is None and part_of(a.role) in parts]
    if not chosen:
        return 0
    now = utcnow()
    for artifact in chosen:
        artifact.removed_at = now
    job.files_removed_at = now
    db.session.flush()
    keys = {a.storage_key for a in chosen}
    freed = 0
    for key in keys - _still_needed(keys):
        path = storage.path(key)
        if path.is_file():
            freed += path.stat().st_size
            path.unlink(missing_ok=True)
    audit.record(action, actor, job, reason=reason, parts=list(parts), bytes_freed=freed,
                 files=[{"role": a.role, "sha256": a.sha256, "size": a.size} for a in chosen])
    return freed


def delete_own(job: Job, user: User) -> int:
    """A member removes their own finished job's files (an admin anyone's); refused while held or running."""
    if job.owner_id != user.id and user.role != "admin":
        raise RetentionError("Only the job's owner or an administrator can remove its files.")
    if job.status not in FINAL_STATUSES:
        raise RetentionError("The job has not ended yet; cancel it first.")
    if job.files_hold:
        raise RetentionError("A supervisor holds this job's files; ask them to release the hold.")
    return remove_files(job, PARTS, "files.delete", user, "removed by request")


def set_hold(job: Job, user: User, hold: bool, reason: str = "") -> None:
    """A supervisor (or admin) holds a generation's files, so neither retention nor the owner removes them."""
    if user.role not in ("supervisor", "admin"):
        raise RetentionError("Only supervisors and administrators can hold files.")
    if job.kind != "generation" and user.role != "admin":
        raise RetentionError("Supervisors hold the files of generation requests only.")
    if job.files_hold != hold:
        job.files_hold = hold
        audit.record("files.hold" if hold else "files.release", user, job, reason=reason)


@dataclass
class Due:
    job_id: int
    kind: str
    parts: tuple[str, ...]
    finished_at: datetime
    files: int = 0
    size: int = 0
    roles: list[str] = field(default_factory=list)


def due(now: Optional[datetime] = None, limit: int = 1000) -> list[Due]:
    """Ended jobs, not held, whose inputs or outputs are older than their kind's retention."""
    now, found = now or utcnow(), []
    for kind, days in policy().items():
        for part in PARTS:
            if not days[part]:
                continue
            cutoff = now - timedelta(days=days[part])
            rows = db.session.execute(
                select(Job.id, Job.finished_at, Artifact.role, Artifact.size).join(Artifact, Artifact.job_id == Job.id)
                .where(Job.kind == kind, Job.status.in_(FINAL_STATUSES), Job.files_hold.is_(False),
                       Job.finished_at.is_not(None), Job.finished_at < cutoff, Artifact.removed_at.is_(None))
                .order_by(Job.id).limit(limit * 10)).all()
            for job_id, finished, role, size in rows:
                if part_of(role) != part:
                    continue
                item = next((d for d in found if d.job_id == job_id), None)
                if item is None:
                    if len(found) >= limit:
                        continue
                    item = Due(job_id, kind, (), finished)
                    found.append(item)
                if part not in item.parts:
                    item.parts += (part,)
                item.files, item.size = item.files + 1, item.size + (size or 0)
                item.roles.append(role)
    return sorted(found, key=lambda d: d.job_id)


def purge(delete: bool, limit: int = 1000) -> tuple[list[Due], int]:
    """What retention removes now (and, with delete, remove it); returns (jobs, bytes freed)."""
    items, freed = due(limit=limit), 0
    if not delete:
        return items, 0
    rules = policy()
    storage = app_storage()
    for item in items:
        job = db.session.get(Job, item.job_id, with_for_update=True)
        if job is None or job.files_hold:
            continue
        days = ", ".join(f"{p} after {rules[item.kind][p]} days" for p in item.parts)
        freed += remove_files(job, item.parts, "files.purge", None, f"retention: {item.kind} {days}", storage)
        db.session.commit()
    return items, freed


def describe(job: Job) -> Optional[dict[str, Any]]:
    """What the job page says about removed files, or None when all are stored."""
    removed = [a for a in job.artifacts if a.removed_at is not None]
    if not removed:
        return None
    return {"when": job.files_removed_at or max(a.removed_at for a in removed), "count": len(removed),
            "all": len(removed) == len(job.artifacts), "roles": sorted({a.role for a in removed})}
