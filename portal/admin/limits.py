"""Per-user fairness: caps on a user's active jobs, so one person cannot fill the queue for everyone."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.admin import settings
from portal.db import Job, User
from portal.extensions import db


class LimitExceeded(Exception):
    """The user already has as many jobs waiting or running as the portal allows."""


def active_jobs(user: User) -> dict[str, int]:
    """Counts of the user's jobs by active status."""
    rows = db.session.execute(
        select(Job.status, func.count()).where(Job.owner_id == user.id,
                                               Job.status.in_(("pending_review", "queued", "running")))
        .group_by(Job.status)
    ).all()
    return {status: count for status, count in rows}


def check_submission(user: User) -> None:
    """Refuse a new job when the user's queued (or awaiting review) jobs reach the admin-set cap."""
    counts = active_jobs(user)
    waiting = counts.get("queued", 0) + counts.get("pending_review", 0)
    cap = int(settings.get("max_queued_per_user"))
    if cap and waiting >= cap:
        raise LimitExceeded(f"You already have {waiting} jobs waiting (the limit is {cap}); "
                            "wait for some to finish or cancel one.")


def running_cap() -> int:
    """Jobs of one user that workers may run at the same time (0: no cap)."""
    return int(settings.get("max_running_per_user") or 0)


def upload_limit_bytes(config_limit: int) -> int:
    """The upload limit: the admin setting (MB) when set, never above the server's MAX_UPLOAD_MB."""
    mb = int(settings.get("max_upload_mb") or 0)
    return min(config_limit, mb * 1024 * 1024) if mb > 0 else config_limit


def register(app) -> None:
    """Apply the admin's upload limit to each request (werkzeug answers 413 above it)."""
    from flask import request

    def _upload_limit():
        if request.method in ("POST", "PUT") and request.content_length:
            request.max_content_length = upload_limit_bytes(app.config["MAX_CONTENT_LENGTH"])

    app.before_request_funcs.setdefault(None, []).insert(0, _upload_limit)  # before CSRF reads the form

