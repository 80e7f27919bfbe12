"""Operations pages: workers and queues (admins; supervisors read-only), retention settings, file removal and holds."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.authz import get_job_for, role_required
from portal.db import JOB_KINDS
from portal.extensions import db
from portal.forms import ActionForm, perform
from portal.operations import queues, retention
from portal.queue import QUEUES

bp = Blueprint("operations", __name__)


@bp.route("/admin/workers")
@role_required("admin", "supervisor")
def workers():
    return render_template("admin/workers.html", data=queues.overview(), queue_names=QUEUES, action=ActionForm(),
                           can_pause=current_user.role == "admin")


@bp.route("/admin/workers/queues/<name>/<any(pause, resume):verb>", methods=["POST"])
@role_required("admin")
def queue_pause(name: str, verb: str):
    if not ActionForm().validate_on_submit():
        flash("Nothing changed (form expired); try again.", "error")
    else:
        try:
            now = queues.set_paused(name, verb == "pause", current_user)
            flash(f"Queue {name} {'paused' if verb == 'pause' else 'resumed'}; paused now: {', '.join(now) or 'none'}.",
                  "info")
        except queues.QueueError as exc:
            db.session.rollback()
            flash(str(exc), "error")
    return redirect(url_for("operations.workers"))


@bp.route("/admin/retention", methods=["GET", "POST"])
@role_required("admin")
def retention_settings():
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash("Nothing saved (form expired); try again.", "error")
            return redirect(url_for("operations.retention_settings"))
        try:
            values = {kind: {part: int(request.form.get(f"{kind}-{part}") or 0) for part in retention.PARTS}
                      for kind in JOB_KINDS}
        except ValueError:
            flash("Days must be whole numbers (0: keep until removed by hand).", "error")
            return render_template("admin/retention.html", rules=retention.policy(), form=form), 400
        if any(v < 0 or v > 36500 for rule in values.values() for v in rule.values()):
            flash("Days must be between 0 and 36500.", "error")
            return render_template("admin/retention.html", rules=retention.policy(), form=form), 400
        retention.set_policy(values, current_user)
        db.session.commit()
        flash("Retention saved; `flask storage purge` and the workers' reconciler apply it.", "info")
        return redirect(url_for("operations.retention_settings"))
    return render_template("admin/retention.html", rules=retention.policy(), form=form, due=retention.due(limit=50))


@bp.route("/jobs/<int:job_id>/files/delete", methods=["POST"])
@login_required
def delete_files(job_id: int):
    """The owner (or an admin) removes a finished job's files; the row, hashes, verdict and audit trail stay."""
    job = get_job_for(current_user, job_id)
    kept = "its record and verdict stay" if job.kind == "detection" else "its record stays"
    perform(lambda: f"Job {job.id}: files removed ({retention.delete_own(job, current_user):,} bytes freed); {kept}.",
            refused=(retention.RetentionError,))
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.route("/jobs/<int:job_id>/files/<any(hold, release):verb>", methods=["POST"])
@role_required("supervisor", "admin")
def hold_files(job_id: int, verb: str):
    """A supervisor holds (or releases) a generation's files: retention and the owner leave them alone."""
    job = get_job_for(current_user, job_id)

    def hold():
        retention.set_hold(job, current_user, verb == "hold", request.form.get("reason", "")[:500])
        return f"Job {job.id}: files {'held' if verb == 'hold' else 'released'}."

    perform(hold, refused=(retention.RetentionError,))
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.app_context_processor
def _retention_state():
    return {"retention_state": retention.describe}
