"""Supervision: the review queue of generation requests and a supervisor's decision on each."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import SelectField, TextAreaField
from wtforms.validators import AnyOf, Length

from portal.authz import role_required
from portal.db import Job, User
from portal.extensions import db
from portal.generation import service
from portal.jobs.service import JobError

bp = Blueprint("review", __name__)
SUPERVISORS = ("supervisor", "admin")


class DecisionForm(FlaskForm):
    decision = SelectField("Decision", choices=[("approve", "approve"), ("reject", "reject")],
                           validators=[AnyOf(["approve", "reject"])])  # sent by the button pressed
    reason = TextAreaField("Reason (shown to the requester; required to reject)", validators=[Length(max=2000)])


@bp.route("/review")
@role_required(*SUPERVISORS)
def queue():
    pending = db.session.execute(select(Job).where(Job.kind == "generation", Job.status == "pending_review")
                                 .order_by(Job.id)).scalars().all()
    decided = db.session.execute(select(Job).where(Job.kind == "generation", Job.status != "pending_review")
                                 .order_by(Job.id.desc()).limit(20)).scalars().all()
    return render_template("review/queue.html", pending=pending, decided=decided)


def requester_history(user: User) -> dict:
    """How the requester's earlier generation requests went."""
    rows = db.session.execute(select(Job.status, func.count()).where(Job.owner_id == user.id,
                                                                     Job.kind == "generation")
                              .group_by(Job.status)).all()
    recent = db.session.execute(select(Job).where(Job.owner_id == user.id, Job.kind == "generation")
                                .order_by(Job.id.desc()).limit(10)).scalars().all()
    return {"counts": dict(rows), "recent": recent}


@bp.route("/review/<int:job_id>", methods=["GET", "POST"])
@role_required(*SUPERVISORS)
def decide(job_id: int):
    job = db.session.get(Job, job_id)
    if job is None or job.kind != "generation":
        return render_template("error.html", code=404, message="There is no such generation request."), 404
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            if form.decision.data == "approve":
                service.approve(job, current_user, form.reason.data or "")
                flash(f"Request #{job.id} approved and queued.", "info")
            else:
                service.reject(job, current_user, form.reason.data or "")
                flash(f"Request #{job.id} rejected.", "info")
            return redirect(url_for("review.queue"))
        except JobError as exc:
            db.session.rollback()
            flash(str(exc), "error")
    return render_template("review/decide.html", job=job, form=form, consent=service.consent_of(job),
                           reviews=service.reviews_of(job), history=requester_history(job.owner))
