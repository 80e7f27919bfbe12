"""Every access decision in one place: who may see which job, file and page."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from portal.db import Artifact, Job, User
from portal.extensions import db


def can_view_job(user: User, job: Job) -> bool:
    """Members see their own jobs; supervisors also every generation request; admins everything."""
    if user.role == "admin" or job.owner_id == user.id:
        return True
    return user.role == "supervisor" and job.kind == "generation"


def can_cancel_job(user: User, job: Job) -> bool:
    return job.owner_id == user.id or user.role == "admin"


def can_rerun_job(user: User, job: Job) -> bool:
    """The owner (and an admin) may run a job again; supervisors too for a generation they oversee."""
    return can_cancel_job(user, job) or (user.role == "supervisor" and job.kind == "generation")


REVIEWERS = ("supervisor", "admin")  # who decides generation requests and reads the audit log


def can_review_job(user: User, job: Job) -> bool:
    """Supervisors and admins decide generation requests, never their own (another reviewer must)."""
    return user.role in REVIEWERS and job.kind == "generation" and job.owner_id != user.id


def can_read_audit(user: User) -> bool:
    """The audit log and its export: supervisors and admins."""
    return user.role in REVIEWERS


def get_job_for(user: User, job_id: int) -> Job:
    """The job if this user may see it; 404 otherwise, so other people's job ids reveal nothing."""
    job = db.session.get(Job, job_id)
    if job is None or not can_view_job(user, job):
        abort(404)
    return job


def get_artifact_for(user: User, artifact_id: int) -> Artifact:
    """The file if this user may see its job; 404 otherwise."""
    artifact = db.session.get(Artifact, artifact_id)
    if artifact is None or not can_view_job(user, artifact.job):
        abort(404)
    return artifact


def role_required(*roles: str):
    """Decorator: signed in and holding one of the roles, else 403."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate
