"""API endpoints: submit detection, list, status, cancel, download; each checks access through portal.authz."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, request, url_for
from sqlalchemy import select

from portal import audit
from portal.admin.limits import LimitExceeded
from portal.api import auth, openapi
from portal.authz import can_cancel_job, get_artifact_for, get_job_for
from portal.db import JOB_KINDS, JOB_STATUSES, Artifact, Job
from portal.detectors import available as detectors
from portal.extensions import csrf, db
from portal.jobs import service
from portal.jobs.files import _send, download_name
from portal.jobs.forms import DetectionForm
from portal.jobs.uploads import UploadError, accept_detection_input
from portal.storage import app_storage

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # only bearer tokens authenticate here, never the session cookie
bp.before_request(auth.authenticate)
bp.register_error_handler(auth.Unauthorized, auth.unauthorized)


def _time(value) -> str | None:
    return value.isoformat() + "Z" if value else None


def artifact_json(a: Artifact) -> dict[str, Any]:
    return {"id": a.id, "role": a.role, "size": a.size, "media_type": a.media_type, "sha256": a.sha256,
            "name": download_name(a), "url": url_for("api.download", artifact_id=a.id)}


def job_json(job: Job, full: bool = True) -> dict[str, Any]:
    data = {"id": job.id, "kind": job.kind, "status": job.status, "progress": round(job.progress or 0.0, 4),
            "stage": job.stage or "", "error": job.error, "attempts": job.attempts,
            "created_at": _time(job.created_at), "started_at": _time(job.started_at),
            "finished_at": _time(job.finished_at), "url": url_for("api.job", job_id=job.id)}
    if full:
        data["params"] = job.params or {}
        data["result"] = job.result if job.status == "succeeded" else None
        data["artifacts"] = [artifact_json(a) for a in job.artifacts]
    return data


def error(status: int, message: str, **extra: Any):
    response = jsonify(error=message, status=status, **extra)
    response.status_code = status
    return response


MAX_ID = 2**31 - 1  # the ids' column type; larger ids exist nowhere


def _id(value: int) -> int:
    if value > MAX_ID:
        abort(404)
    return value


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        abort(400, description=f"{name} must be a whole number from {low} to {high}.")
    return int(raw)


@bp.errorhandler(400)
def bad_request(exc):
    return error(400, getattr(exc, "description", None) or "The request could not be understood.")


@bp.route("/openapi.json", endpoint="openapi")
def openapi_document():
    return jsonify(openapi.document([name for name, _ in detectors.choices()]))


@bp.route("/me")
def me():
    user = auth.current()
    return jsonify(id=user.id, email=user.email, name=user.name, role=user.role)


@bp.route("/jobs")
def jobs():
    user = auth.current()
    kind, status, mine = request.args.get("kind"), request.args.get("status"), request.args.get("mine", "1")
    if kind is not None and kind not in JOB_KINDS or status is not None and status not in JOB_STATUSES:
        abort(400, description="Unknown kind or status.")
    if mine not in ("0", "1"):
        abort(400, description="mine must be 0 or 1.")
    page, per_page = _int_arg("page", 1, 1, 100000), _int_arg("per_page", 20, 1, 100)
    query = select(Job).order_by(Job.id.desc())
    if user.role != "admin" or mine != "0":
        query = query.where(Job.owner_id == user.id)
    if kind:
        query = query.where(Job.kind == kind)
    if status:
        query = query.where(Job.status == status)
    result = db.paginate(query, page=page, per_page=per_page, error_out=False)
    return jsonify(jobs=[job_json(j, full=False) for j in result.items], page=page, per_page=per_page,
                   total=result.total)


@bp.route("/jobs/detection", methods=["POST"])
def submit_detection():
    user = auth.current()
    form = DetectionForm(meta={"csrf": False})
    form.detector.choices = form.ensemble.choices = detectors.choices()
    if not form.validate():
        return error(400, "The submission is not valid.", fields=form.errors)
    files = form.video.data if isinstance(form.video.data, list) else [form.video.data]
    if len(files) != 1:
        return error(400, "Send one video or photo per API request (the web form takes several).")
    try:
        upload = accept_detection_input(files[0], app_storage())
    except UploadError as exc:
        return error(400, str(exc))
    chosen = [form.detector.data] + [d for d in form.ensemble.data or [] if d != form.detector.data]
    params = {"detector": chosen[0], "detectors": chosen, "frames": form.frames.data,
              "aggregation": form.aggregation.data}  # as the web form makes them
    try:
        job = service.create_detection(user, upload, params)
    except LimitExceeded as exc:
        return error(429, str(exc))
    response = jsonify(job_json(job))
    response.status_code = 201
    response.headers["Location"] = url_for("api.job", job_id=job.id)
    return response


@bp.route("/jobs/<int:job_id>")
def job(job_id: int):
    return jsonify(job_json(get_job_for(auth.current(), _id(job_id))))


@bp.route("/jobs/<int:job_id>/cancel", methods=["POST"])
def cancel(job_id: int):
    user = auth.current()
    found = get_job_for(user, _id(job_id))
    if not can_cancel_job(user, found):
        abort(404)
    try:
        service.cancel(found, user)
    except service.JobError as exc:
        return error(409, str(exc))
    return jsonify(job_json(found))


@bp.route("/files/<int:artifact_id>")
def download(artifact_id: int):
    user = auth.current()
    artifact = get_artifact_for(user, _id(artifact_id))
    audit.record("file.download", user, artifact, job_id=artifact.job_id, role=artifact.role,
                 sha256=artifact.sha256, via="api")
    db.session.commit()
    return _send(artifact, as_attachment=True)
