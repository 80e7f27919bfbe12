"""Per-user fairness: caps on a user's active jobs, so one person cannot fill the queue for everyone."""

from __future__ import annotations

from sqlalchemy import func, select

from portal import settings
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
