"""Job pages: history, new detection, job page with live progress, status JSON, cancel, run again."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from portal.admin.limits import LimitExceeded
from portal.authz import can_cancel_job, can_rerun_job, get_job_for
from portal.converters import page_number
from portal.db import JOB_KINDS, JOB_STATUSES, Job
from portal.detectors import available as detectors
from portal.extensions import db
from portal.forms import ActionForm, perform
from portal.jobs import service
from portal.jobs.forms import DetectionForm
from portal.jobs.uploads import UploadError, accept_detection_inputs
from portal.storage import app_storage

bp = Blueprint("jobs", __name__)
INPUT_ROLES = ("input_video", "target_video")

@bp.route("/")
@login_required
def index():
    return redirect(url_for("jobs.history"))


MEMBER_KINDS = ("detection", "generation")


def kinds_for(user) -> tuple[str, ...]:
    """The kinds a person can have: benchmarks and model checks are an admin's."""
    return JOB_KINDS if user.role == "admin" else MEMBER_KINDS


def _day(value: str):
    try:
        return datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        return None


@bp.route("/jobs")
@login_required
def history():
    """The user's jobs (an admin: anyone's), filtered by kind, status, file name and day."""
    args = {k: request.args.get(k, "").strip() for k in ("kind", "status", "q", "since", "until", "batch")}
    query = service.history_query(current_user, mine=request.args.get("mine", "1") == "1", kind=args["kind"],
                                  status=args["status"], name=args["q"], batch=args["batch"])
    if since := _day(args["since"]):
        query = query.where(Job.created_at >= since)
    if until := _day(args["until"]):
        query = query.where(Job.created_at < until + timedelta(days=1))
    page = db.paginate(query, page=page_number(request.args.get("page")),
                       per_page=current_app.config["JOBS_PER_PAGE"], error_out=False)
    filters = {k: v for k, v in args.items() if v}
    if request.args.get("mine"):
        filters["mine"] = request.args["mine"]
    return render_template("jobs/history.html", page=page, args=args, filters=filters,
                           kinds=kinds_for(current_user), statuses=JOB_STATUSES)


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
            uploads = accept_detection_inputs(form.video.data, app_storage())
        except UploadError as exc:
            flash(str(exc), "error")
            return render_template("jobs/new_detection.html", form=form, missing=missing), 400
        try:
            jobs = service.create_detections(current_user, uploads, form.params())
        except LimitExceeded as exc:
            jobs = exc.jobs
            flash(str(exc) + (f" {len(jobs)} of {len(uploads)} files were submitted." if jobs else ""), "error")
            if not jobs:
                return render_template("jobs/new_detection.html", form=form, missing=missing), 429
        if len(jobs) == 1:
            return redirect(url_for("jobs.show", job_id=jobs[0].id))
        flash(f"{len(jobs)} checks submitted together: " + ", ".join(f"#{j.id}" for j in jobs) + ".", "info")
        return redirect(url_for("jobs.history", batch=jobs[0].params["batch"]["id"]))
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
        from portal.detectors.cards import card

        names = [m["model"] for m in job.result.get("models") or []] or [job.result.get("model", "")]
        extra = {"cards": [card(name) for name in names], "faces": face_pairs(job)}
    can_duplicate, duplicate_blocked = duplicate_state(job)
    return render_template("jobs/show.html", job=job, action=ActionForm(), files=file_groups(job),
                           can_cancel=can_cancel_job(current_user, job) and job.is_active,
                           can_rerun=can_rerun_job(current_user, job) and job.status in service.RERUNNABLE,
                           can_duplicate=can_duplicate, duplicate_blocked=duplicate_blocked, **extra)


def duplicate_state(job: Job) -> tuple[bool, str | None]:
    """(whether this user may duplicate the job, the reason it cannot be done now or None)."""
    if job.owner_id != current_user.id or job.kind not in service.DUPLICABLE:
        return False, None
    try:
        service.stored_inputs(job)
    except service.JobError as exc:
        return True, str(exc)
    return True, None


DERIVED_ROLES = ("thumbnail", "heatmap")
_FRAME = re.compile(r"frame (\d+)")


def face_pairs(job: Job) -> list[dict]:
    """Each scored face with the heatmap of the same frame (matched by the frame number in their captions)."""
    heat = {}
    for a in job.artifacts_with("heatmap"):
        if a.removed_at is None and (m := _FRAME.match(a.original_name or "")):
            heat.setdefault(int(m.group(1)), a)
    pairs = []
    for a in job.artifacts_with("thumbnail"):
        if a.removed_at is not None:
            continue
        m = _FRAME.match(a.original_name or "")
        pairs.append({"thumbnail": a, "heatmap": heat.get(int(m.group(1))) if m else None})
    return pairs


def file_groups(job: Job) -> tuple[list, list[tuple[str, list]]]:
    """(files listed one per row, [(role, derived images)]): dozens of face crops and heatmaps fold into one row."""
    single = [a for a in job.artifacts if a.role not in DERIVED_ROLES]
    groups = [(role, job.artifacts_with(role)) for role in DERIVED_ROLES if job.artifacts_with(role)]
    return single, groups


@bp.route("/jobs/<int:job_id>/status.json")
@login_required
def status(job_id: int):
    job = get_job_for(current_user, job_id)
    return jsonify(status_of(job))


def _clock(t) -> str | None:
    return t.strftime("%Y-%m-%d %H:%M:%S") if t else None


def _seconds(s: float | None) -> str:
    """The same words as the page's seconds() macro."""
    if s is None:
        return "–"
    return f"{s:.1f} s" if s < 60 else f"{int(s // 60)} min {int(s % 60)} s"


def status_of(job: Job) -> dict:
    """What the job page shows live: status, progress, stage, times and duration, all from the same row read."""
    return {"id": job.id, "status": job.status, "status_label": job.status.replace("_", " "),
            "progress": round(job.progress or 0.0, 4), "stage": job.stage, "error": job.error,
            "attempts": job.attempts, "duration": job.duration, "duration_text": _seconds(job.duration),
            "started_at": _clock(job.started_at), "finished_at": _clock(job.finished_at),
            "active": job.is_active}


@bp.route("/jobs/<int:job_id>/cancel", methods=["POST"])
@login_required
def cancel(job_id: int):
    def cancel_it(job: Job) -> str:
        service.cancel(job, current_user)
        return f"Job {job.id}: cancel requested." if job.status == "running" else f"Job {job.id} canceled."

    return _act_on(job_id, can_cancel_job, cancel_it)


def _act_on(job_id: int, may, act, refused: tuple[type[Exception], ...] = (service.JobError,)):
    """A button on the job page: 404 unless this user MAY, then ACT(job) as a form action, back to the page."""
    job = get_job_for(current_user, job_id)
    if not may(current_user, job):
        abort(404)
    perform(lambda: act(job), refused=refused)
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.route("/jobs/<int:job_id>/rerun", methods=["POST"])
@login_required
def rerun(job_id: int):
    """Run a failed or canceled job again on its stored inputs."""
    def run_again(job: Job) -> str:
        service.rerun(job, current_user)
        return (f"Job {job.id} runs again." if job.status == "queued"
                else f"Job {job.id} waits for a supervisor's review again: its approval no longer holds.")

    return _act_on(job_id, can_rerun_job, run_again, refused=(service.JobError, LimitExceeded))


class DuplicateDetectionForm(DetectionForm):
    """The detection form on a stored input: the detector choice, no file."""

    video = None


class DuplicateRequestForm(FlaskForm):
    """A generation request again: the purpose may be made clearer (after a rejection, say); the rest is kept."""

    purpose = TextAreaField("Purpose of this generation", validators=[DataRequired(), Length(10, 2000)])


def _duplicate_form(job: Job):
    """The page's form, prefilled from the job: a detection's detector choice, or a request's purpose."""
    if job.kind != "detection":
        form = DuplicateRequestForm()
        if request.method == "GET":
            form.purpose.data = (job.params or {}).get("purpose", "")
        return form
    form = DuplicateDetectionForm(frames=current_app.config["DETECTION_FRAMES"])
    form.detector.choices = form.ensemble.choices = detectors.choices()
    if request.method == "GET":
        params = job.params or {}
        chosen = params.get("detectors") or [params.get("detector")]
        form.detector.data, form.ensemble.data = chosen[0], list(chosen[1:])
        form.frames.data = params.get("frames") or form.frames.data
        form.aggregation.data = params.get("aggregation") or "mean"
    return form


@bp.route("/jobs/<int:job_id>/duplicate", methods=["GET", "POST"])
@login_required
def duplicate(job_id: int):
    """A new job on this job's stored inputs: a detection with its detectors (changeable), a generation as a new
    request for review. Only the owner; refused, with the reason, when the inputs are no longer stored."""
    job = get_job_for(current_user, job_id)
    allowed, blocked = duplicate_state(job)
    if not allowed:
        abort(404)
    form = _duplicate_form(job)
    available = {name for name, _ in form.detector.choices} if job.kind == "detection" else set()
    if request.method == "POST":
        made = []

        def copy() -> str:
            changes = {"purpose": form.purpose.data} if job.kind == "generation" else None
            if job.kind == "detection":
                chosen = [form.detector.data] + [d for d in form.ensemble.data or [] if d != form.detector.data]
                changes = {"detector": chosen[0], "detectors": chosen, "frames": form.frames.data,
                           "aggregation": form.aggregation.data}
            made.append(service.duplicate(job, current_user, changes))
            return (f"Job #{made[0].id} runs on the input of job #{job.id}." if job.kind == "detection" else
                    f"Request #{made[0].id} (a copy of #{job.id}) sent; a supervisor will review it.")

        if perform(copy, refused=(service.JobError, LimitExceeded), form=form):
            return redirect(url_for("jobs.show", job_id=made[0].id))
    status = 400 if request.method == "POST" else 200
    reviews = []
    if job.kind == "generation":
        from portal.generation.service import reviews_of

        reviews = reviews_of(job)
    return render_template("jobs/duplicate.html", job=job, form=form, blocked=blocked, available=available,
                           reviews=reviews,
                           files=[a for a in job.artifacts if a.role in service.INPUT_ROLES + ("consent_evidence",)]
                           ), status
