"""The portal's tables (SQLAlchemy 2.0 typed mappings). Named db.py because `models/` is the ML side."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from flask_login import UserMixin
from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db

ROLES = ("member", "supervisor", "admin")
JOB_KINDS = ("detection", "generation", "benchmark", "model_check")
JOB_STATUSES = ("pending_review", "queued", "running", "succeeded", "failed", "canceled", "rejected")
ACTIVE_STATUSES = ("pending_review", "queued", "running")
FINAL_STATUSES = ("succeeded", "failed", "canceled", "rejected")


def utcnow() -> datetime:
    """Naive UTC now: MySQL DATETIME has no time zone, so every stored time is UTC."""
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


class Table(db.Model):
    """Every table but settings: an integer id is its primary key."""

    __abstract__ = True
    id: Mapped[int] = mapped_column(Integer, primary_key=True)


class User(UserMixin, Table):
    __tablename__ = "users"
    email: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="member")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(DateTime)

    session_key = None  # not a column: the key of the sign-in session this request runs in

    def get_id(self) -> str:
        """What Flask-Login keeps in the cookie: the user id and the session key (see portal.accounts.sessions)."""
        return f"{self.id}:{self.session_key}" if self.session_key else str(self.id)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sessions of disabled users
        return bool(self.active)


class Job(Table):
    __tablename__ = "jobs"
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    stage: Mapped[str] = mapped_column(String(120), default="")
    error: Mapped[Optional[str]] = mapped_column(Text)
    rq_id: Mapped[Optional[str]] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    worker_name: Mapped[Optional[str]] = mapped_column(String(120))
    model_versions: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    queued_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    started_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    finished_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    heartbeat_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    ran_on: Mapped[Optional[str]] = mapped_column(String(255))  # "host X, GPU 0, NVIDIA H200 (139 GB)" or "... CPU"
    files_removed_at: Mapped[Optional[datetime]] = mapped_column(DateTime)  # retention or the owner removed them
    files_hold: Mapped[bool] = mapped_column(Boolean, default=False)  # a supervisor's hold: retention skips it

    owner: Mapped[User] = relationship()
    artifacts: Mapped[list["Artifact"]] = relationship(back_populates="job", order_by="Artifact.id")

    @property
    def duration(self) -> Optional[float]:
        """Seconds the job ran (so far, while running)."""
        if not self.started_at:
            return None
        return ((self.finished_at or utcnow()) - self.started_at).total_seconds()

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def artifact(self, role: str) -> Optional["Artifact"]:
        return next((a for a in self.artifacts if a.role == role), None)

    def artifacts_with(self, role: str) -> list["Artifact"]:
        return [a for a in self.artifacts if a.role == role]


class Artifact(Table):
    __tablename__ = "artifacts"
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str] = mapped_column(String(255), default="")  # display only, never a path
    storage_key: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    removed_at: Mapped[Optional[datetime]] = mapped_column(DateTime)  # file removed; the row and hash stay

    job: Mapped[Job] = relationship(back_populates="artifacts")


class Review(Table):
    __tablename__ = "reviews"
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str] = mapped_column(String(20))  # approved / rejected
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    supervisor: Mapped[User] = relationship()


class Consent(Table):
    __tablename__ = "consents"
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    subject_name: Mapped[str] = mapped_column(String(200))
    attestation: Mapped[str] = mapped_column(Text)
    evidence_artifact_id: Mapped[Optional[int]] = mapped_column(ForeignKey("artifacts.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AuditEvent(Table):
    __tablename__ = "audit_events"
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(50), index=True)
    object_type: Mapped[str] = mapped_column(String(30), default="")
    object_id: Mapped[Optional[int]] = mapped_column(Integer)
    ip: Mapped[str] = mapped_column(String(45), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    actor: Mapped[Optional[User]] = relationship()


class AuditHead(Table):
    """One row holding the chain's last hash; locked while an event is appended so the chain stays linear."""

    __tablename__ = "audit_head"
    last_hash: Mapped[str] = mapped_column(String(64))


class DetectorModel(Table):
    __tablename__ = "detector_models"
    name: Mapped[str] = mapped_column(String(120), unique=True)
    architecture: Mapped[str] = mapped_column(String(120))
    backbone: Mapped[str] = mapped_column(String(120), default="")
    head: Mapped[str] = mapped_column(String(120), default="")
    weights_sha256: Mapped[str] = mapped_column(String(64), default="")
    weights_key: Mapped[str] = mapped_column(String(255), default="")  # catalog name or storage key
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    calibration: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    dataset: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Setting(db.Model):
    """Admin-editable settings (self-registration, limits): key -> JSON value."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class ApiToken(Table):
    """A personal API token: only its sha256 is stored; the token itself is shown once at creation."""

    __tablename__ = "api_tokens"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    expires_at: Mapped[Optional[datetime]] = mapped_column(DateTime)  # None: until revoked
    scope: Mapped[str] = mapped_column(String(10), default="full", server_default="full")  # full | read

    user: Mapped[User] = relationship()


class UserSession(Table):
    """One signed-in browser: the cookie names it, the row decides whether it still counts (revocable)."""

    __tablename__ = "user_sessions"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the id kept in the cookie
    ip: Mapped[str] = mapped_column(String(45), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[Optional[datetime]] = mapped_column(DateTime)


class PendingGeneration(Table):
    """A generation request waiting for its source face to be chosen: used once, then deleted."""

    __tablename__ = "pending_generations"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class Notification(Table):
    """A message to one user in the portal (the badge and the list): a request decided, a job finished."""

    __tablename__ = "notifications"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(String(500))
    job_id: Mapped[Optional[int]] = mapped_column(ForeignKey("jobs.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    read_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
