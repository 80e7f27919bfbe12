"""Job pages: history, new detection, job page with live progress, status JSON, cancel, run again."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import IntegerField, SelectField, SelectMultipleField
from wtforms.validators import DataRequired, NumberRange, Optional

from portal import detectors
from portal.authz import can_cancel_job, can_rerun_job, get_job_for
from portal.db import JOB_KINDS, JOB_STATUSES, Job
from portal.converters import page_number
from portal.extensions import db
from portal.jobs import service
from portal.limits import LimitExceeded
from portal.storage import Storage
from portal.uploads import UploadError, accept_detection_input

bp = Blueprint("jobs", __name__)

AGGREGATIONS = [("mean", "mean of frame scores"), ("confident", "confident frames (DFDC winner's rule)")]


class DetectionForm(FlaskForm):
    video = FileField("Video or photo", validators=[FileRequired("Choose a video or a photo.")])
    detector = SelectField("Detector", validators=[DataRequired()])
    ensemble = SelectMultipleField("Also ask (an ensemble: the mean of the detectors' probabilities)",
                                   validators=[Optional()])
    frames = IntegerField("Frames to sample", default=32, validators=[NumberRange(4, 128)])
    aggregation = SelectField("Aggregation", choices=AGGREGATIONS, default="mean")


class ActionForm(FlaskForm):
    """An empty form: a button that carries the CSRF token."""


def storage() -> Storage:
    return Storage(current_app.config["STORAGE_DIR"])


@bp.route("/")
@login_required
def index():
    return redirect(url_for("jobs.history"))


@bp.route("/jobs")
@login_required
def history():
    kind, status = request.args.get("kind", ""), request.args.get("status", "")
    query = select(Job).order_by(Job.id.desc())
    if current_user.role != "admin" or request.args.get("mine", "1") == "1":
        query = query.where(Job.owner_id == current_user.id)
    if kind in JOB_KINDS:
        query = query.where(Job.kind == kind)
    if status in JOB_STATUSES:
        query = query.where(Job.status == status)
    page = db.paginate(query, page=page_number(request.args.get("page")),
                       per_page=current_app.config["JOBS_PER_PAGE"], error_out=False)
    return render_template("jobs/history.html", page=page, kind=kind, status=status,
                           kinds=JOB_KINDS, statuses=JOB_STATUSES)


@bp.route("/detect", methods=["GET", "POST"])
@login_required
def new_detection():
    form = DetectionForm(frames=current_app.config["DETECTION_FRAMES"])
    form.detector.choices = form.ensemble.choices = detectors.choices()
    missing = detectors.builtin_status()
    if request.method == "GET" and (default := detectors.default_choice()):
        form.detector.data = default
    if form.validate_on_submit():
        try:
            upload = accept_detection_input(form.video.data, storage())
        except UploadError as exc:
            flash(str(exc), "error")
            return render_template("jobs/new_detection.html", form=form, missing=missing), 400
        chosen = [form.detector.data] + [d for d in form.ensemble.data or [] if d != form.detector.data]
        params = {"detector": chosen[0], "detectors": chosen, "frames": form.frames.data,
                  "aggregation": form.aggregation.data}
        try:
            job = service.create_detection(current_user, upload, params)
        except LimitExceeded as exc:
            flash(str(exc), "error")
            return render_template("jobs/new_detection.html", form=form, missing=missing), 429
        return redirect(url_for("jobs.show", job_id=job.id))
    return render_template("jobs/new_detection.html", form=form, missing=missing), 400 if form.errors else 200


@bp.route("/jobs/<int:job_id>")
@login_required
def show(job_id: int):
    job = get_job_for(current_user, job_id)
    extra = {}
    if job.kind == "generation":
        from portal.generation.service import consent_of, reviews_of

        extra = {"consent": consent_of(job), "reviews": reviews_of(job)}
    elif job.kind == "detection" and job.result:
        from portal.model_cards import card

        names = [m["model"] for m in job.result.get("models") or []] or [job.result.get("model", "")]
        extra = {"cards": [card(name) for name in names]}
    return render_template("jobs/show.html", job=job, action=ActionForm(),
                           can_cancel=can_cancel_job(current_user, job) and job.is_active,
                           can_rerun=can_rerun_job(current_user, job) and job.status in service.RERUNNABLE, **extra)


@bp.route("/jobs/<int:job_id>/status.json")
@login_required
def status(job_id: int):
    job = get_job_for(current_user, job_id)
    return jsonify(id=job.id, status=job.status, progress=round(job.progress or 0.0, 4), stage=job.stage,
                   error=job.error, attempts=job.attempts, duration=job.duration)


@bp.route("/jobs/<int:job_id>/cancel", methods=["POST"])
@login_required
def cancel(job_id: int):
    job = get_job_for(current_user, job_id)
    if not can_cancel_job(current_user, job):
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            service.cancel(job, current_user)
            flash(f"Job {job.id}: cancel requested." if job.status == "running" else f"Job {job.id} canceled.", "info")
        except service.JobError as exc:
            flash(str(exc), "error")
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.route("/jobs/<int:job_id>/rerun", methods=["POST"])
@login_required
def rerun(job_id: int):
    """Run a failed or canceled job again on its stored inputs."""
    job = get_job_for(current_user, job_id)
    if not can_rerun_job(current_user, job):
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            service.rerun(job, current_user)
            flash(f"Job {job.id} runs again." if job.status == "queued"
                  else f"Job {job.id} waits for a supervisor's review again: its approval no longer holds.", "info")
        except (service.JobError, LimitExceeded) as exc:
            flash(str(exc), "error")
    return redirect(url_for("jobs.show", job_id=job.id))
