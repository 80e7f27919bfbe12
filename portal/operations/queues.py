"""Workers and queues: the database's view (the truth) beside RQ's; pausing and resuming a queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import func, select

from portal import audit
from portal.admin import settings
from portal.db import Job, User, utcnow
from portal.extensions import db
from portal.queue import QUEUE_OF_KIND, QUEUES, mirror_paused, rq_view

PAUSED_SETTING = "paused_queues"


class QueueError(Exception):
    """An operation on a queue was refused; the message is for a person."""


def paused() -> list[str]:
    return sorted(settings.get(PAUSED_SETTING) or [])


def set_paused(name: str, pause: bool, actor: Optional[User]) -> list[str]:
    """Pause or resume a queue: stored in the database, audited, mirrored to Redis for the workers."""
    if name not in QUEUES:
        raise QueueError(f"There is no queue {name!r}; the queues are {', '.join(QUEUES)}.")
    now = set(paused())
    changed = (name not in now) if pause else (name in now)
    now = (now | {name}) if pause else (now - {name})
    settings.put(PAUSED_SETTING, sorted(now))
    if changed:
        audit.record("queue.pause" if pause else "queue.resume", actor, None, queue=name)
    db.session.commit()
    mirror_paused(sorted(now))
    return sorted(now)


def _kinds_of(queue: str) -> list[str]:
    return [kind for kind, q in QUEUE_OF_KIND.items() if q == queue]


def _age(t: Optional[datetime], now: datetime) -> Optional[float]:
    return (now - t).total_seconds() if t else None


def database_view() -> dict[str, Any]:
    """Per queue: waiting and running jobs and the oldest waiting one; running jobs; active jobs per user."""
    now, queues = utcnow(), {}
    for name in QUEUES:
        kinds = _kinds_of(name)
        counts = dict(db.session.execute(select(Job.status, func.count()).where(
            Job.kind.in_(kinds), Job.status.in_(("queued", "running"))).group_by(Job.status)).all())
        oldest = db.session.execute(select(Job.id, Job.queued_at, Job.created_at).where(
            Job.kind.in_(kinds), Job.status == "queued").order_by(Job.queued_at, Job.id).limit(1)).first()
        queues[name] = {"waiting": counts.get("queued", 0), "running": counts.get("running", 0),
                        "oldest_id": oldest.id if oldest else None,
                        "oldest_wait": _age(oldest.queued_at or oldest.created_at, now) if oldest else None}
    running = db.session.execute(select(Job.id, Job.kind, Job.worker_name, Job.progress, Job.stage, Job.ran_on,
                                        Job.heartbeat_at, User.email).join(User, Job.owner_id == User.id)
                                 .where(Job.status == "running").order_by(Job.id)).all()
    per_user = db.session.execute(select(User.email, Job.status, func.count()).join(User, Job.owner_id == User.id)
                                  .where(Job.status.in_(("pending_review", "queued", "running")))
                                  .group_by(User.email, Job.status)).all()
    users: dict[str, dict[str, int]] = {}
    for email, status, n in per_user:
        users.setdefault(email, {"pending_review": 0, "queued": 0, "running": 0})[status] = n
    return {"queues": queues, "running": [r._asdict() for r in running],
            "users": dict(sorted(users.items(), key=lambda kv: -sum(kv[1].values()))), "paused": paused()}


def overview() -> dict[str, Any]:
    """The database's view and RQ's beside it; each live worker with the job the database says it runs."""
    view = database_view()
    try:
        rq = rq_view()
        rq["error"] = None
    except Exception as exc:  # Redis down: the page still shows the database's truth
        rq = {"queues": {}, "workers": [], "paused": [], "error": f"{type(exc).__name__}: {exc}"}
    by_worker = {r["worker_name"]: r for r in view["running"] if r["worker_name"]}
    now = utcnow()
    for w in rq["workers"]:
        w["job"] = by_worker.get(w["name"])
        w["heartbeat_age"] = _age(w["last_heartbeat"], now)
    return {"db": view, "rq": rq}


def status_lines(data: dict[str, Any]) -> list[str]:
    """`flask queue status`: the same facts as the page, as text."""
    db_view, rq = data["db"], data["rq"]
    lines = ["queue        waiting(db) running(db) in-redis  oldest waiting           state"]
    for name, q in db_view["queues"].items():
        oldest = f"job {q['oldest_id']} ({q['oldest_wait']:.0f} s)" if q["oldest_id"] else "-"
        lines.append(f"{name:12s} {q['waiting']:11d} {q['running']:11d} {rq['queues'].get(name, '?')!s:>8s}  "
                     f"{oldest:24s} {'PAUSED' if name in db_view['paused'] else 'open'}")
    if rq["error"]:
        lines.append(f"Redis unreachable: {rq['error']}")
    lines.append(f"{len(rq['workers'])} live worker(s)")
    for w in rq["workers"]:
        job = w["job"]
        doing = f"job {job['id']} {job['kind']} {job['progress'] * 100:.0f}% {job['stage']}" if job else w["state"]
        beat = f"{w['heartbeat_age']:.0f} s ago" if w["heartbeat_age"] is not None else "never"
        lines.append(f"  {w['name']} on {w['host']} [{w['device']}] queues {','.join(w['queues'])}: {doing}; "
                     f"heartbeat {beat}")
    for email, counts in db_view["users"].items():
        lines.append(f"  {email}: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items()))
    return lines
