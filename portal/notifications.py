"""In-portal notifications (a badge and a list) and, when SMTP_HOST is set, the same message by email.

A notification is written in the caller's transaction; its email goes out only after that transaction commits, so
a rolled-back decision never mails anyone."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import event, func, select, update

from portal.db import Job, Notification, User, utcnow
from portal.extensions import db
from portal.forms import ActionForm

log = logging.getLogger(__name__)
bp = Blueprint("notifications", __name__)
_OUTBOX = "notification_mail"

FINISHED = {"succeeded": "finished", "failed": "failed", "rejected": "was rejected"}


def notify(user: User, message: str, job: Job | None = None, kind: str = "info") -> None:
    """Add a notification for user (the caller commits); queue its email when the portal has an SMTP server."""
    db.session.add(Notification(user_id=user.id, kind=kind, message=message[:500],
                                job_id=job.id if job is not None else None))
    config = current_app.config
    if config.get("SMTP_HOST"):
        link = f"{config['PORTAL_URL'].rstrip('/')}/jobs/{job.id}" if job is not None and config.get("PORTAL_URL") \
            else ""
        db.session.info.setdefault(_OUTBOX, []).append(
            (dict(host=config["SMTP_HOST"], port=config.get("SMTP_PORT", 25), sender=config.get("SMTP_FROM"),
                  user=config.get("SMTP_USER"), password=config.get("SMTP_PASSWORD")),
             user.email, message, link))


def job_finished(job: Job) -> None:
    """Tell the owner that their job ended (success, failure, rejection); cancellations they made themselves."""
    if job.status in FINISHED:
        kind = "generation request" if job.kind == "generation" and job.status == "rejected" else f"{job.kind} job"
        why = f": {job.error}" if job.status in ("failed", "rejected") and job.error else "."
        notify(job.owner, f"Your {kind} #{job.id} {FINISHED[job.status]}{why}", job, kind=job.status)


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def pending_reviews(user: User) -> int:
    """Generation requests waiting for a decision this supervisor may make (not their own)."""
    if user.role not in ("supervisor", "admin"):
        return 0
    return db.session.scalar(select(func.count()).select_from(Job).where(
        Job.kind == "generation", Job.status == "pending_review", Job.owner_id != user.id)) or 0


def _send_outbox(session) -> None:
    for smtp, to, message, link in session.info.pop(_OUTBOX, []):
        mail = EmailMessage()
        mail["Subject"], mail["To"] = f"Deepfake lab: {message[:80]}", to
        mail["From"] = smtp["sender"] or f"portal@{smtp['host']}"
        mail.set_content(message + (f"\n\n{link}" if link else "") + "\n\n(Sent by the deepfake lab portal.)")
        try:
            with smtplib.SMTP(smtp["host"], int(smtp["port"]), timeout=10) as server:
                if smtp["user"]:
                    server.starttls()
                    server.login(smtp["user"], smtp["password"] or "")
                server.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:  # the notification in the portal still stands
            log.warning("notification email to %s not sent: %s", to, exc)


def _drop_outbox(session) -> None:
    session.info.pop(_OUTBOX, None)



@bp.route("/notifications")
@login_required
def index():
    rows = db.session.execute(select(Notification).where(Notification.user_id == current_user.id)
                              .order_by(Notification.id.desc()).limit(100)).scalars().all()
    return render_template("notifications.html", rows=rows, form=ActionForm(),
                           pending=pending_reviews(current_user))


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_read():
    if ActionForm().validate_on_submit():
        db.session.execute(update(Notification).where(Notification.user_id == current_user.id,
                                                      Notification.read_at.is_(None)).values(read_at=utcnow()))
        db.session.commit()
        flash("All notifications marked as read.", "info")
    return redirect(url_for("notifications.index"))


def register(app) -> None:
    """The badge counts in every page, and the email outbox flushed after each commit."""
    if not event.contains(db.session, "after_commit", _send_outbox):  # once per process, however many apps
        event.listen(db.session, "after_commit", _send_outbox)
        event.listen(db.session, "after_rollback", _drop_outbox)

    @app.context_processor
    def badges():
        if not current_user.is_authenticated:
            return {}
        return {"unread_notifications": unread_count(current_user),
                "pending_review_count": pending_reviews(current_user)}
