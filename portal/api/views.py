"""API endpoints for jobs: list, status, submit detection, cancel, run again, download; access through portal.authz
and the same services as the pages (portal.jobs.service, portal.jobs.files)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, jsonify, request, url_for
from werkzeug.datastructures import CombinedMultiDict, MultiDict

from portal.admin.limits import LimitExceeded
from portal.api import auth
from portal.api.serialize import job_json
from portal.authz import can_cancel_job, can_rerun_job, get_artifact_for, get_job_for
from portal.db import JOB_KINDS, JOB_STATUSES
from portal.detectors import available as detectors
from portal.extensions import csrf, db
from portal.jobs import service
from portal.jobs.files import send_download
from portal.jobs.forms import DetectionForm
from portal.jobs.uploads import UploadError, accept_detection_inputs
from portal.storage import app_storage

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # only bearer tokens authenticate here, never the session cookie
bp.before_request(auth.authenticate)
bp.register_error_handler(auth.Unauthorized, auth.unauthorized)
bp.register_error_handler(auth.OutOfScope, auth.out_of_scope)
MAX_PAGE, MAX_PER_PAGE = 100_000, 100


def error(status: int, message: str, **extra: Any):
    response = jsonify(error=message, status=status, **extra)
    response.status_code = status
    return response


def created(data: dict[str, Any], location: str | None = None):
    response = jsonify(data)
    response.status_code = 201
    if location:
        response.headers["Location"] = location
    return response


def int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        abort(400, description=f"{name} must be a whole number from {low} to {high}.")
    return int(raw)


def choice_arg(name: str, allowed, default: str = "") -> str:
    value = request.args.get(name, default)
    if value != default and value not in allowed:
        abort(400, description=f"{name} must be one of: {', '.join(allowed)}.")
    return value


@bp.errorhandler(400)
def bad_request(exc):
    return error(400, getattr(exc, "description", None) or "The request could not be understood.")


@bp.errorhandler(403)
def forbidden(exc):
    return error(403, getattr(exc, "description", None) or "Your role does not allow this.")


@bp.errorhandler(404)
def not_found(exc):
    return error(404, "No such job or file, or not yours.")


@bp.errorhandler(410)
def gone(exc):
    return error(410, getattr(exc, "description", None) or "The file is no longer stored.")


@bp.route("/openapi.json", endpoint="openapi")
def openapi_document():
    from portal.api import openapi  # it reads the other endpoint modules' lists, which import this one
    from portal.generation.service import swapper_names

    return jsonify(openapi.document([name for name, _ in detectors.choices()],
                                    swapper_names(current_app.config["MODELS_DIR"])))


@bp.route("/me")
def me():
    user = auth.current()
    return jsonify(id=user.id, email=user.email, name=user.name, role=user.role, scope=auth.scope())


@bp.route("/jobs")
def jobs():
    """The history page's list: your jobs (an admin's mine=0: everyone's), filtered as the page filters them."""
    user = auth.current()
    kind, status = choice_arg("kind", JOB_KINDS), choice_arg("status", JOB_STATUSES)
    mine = choice_arg("mine", ("0", "1"), "1") == "1"
    page, per_page = int_arg("page", 1, 1, MAX_PAGE), int_arg("per_page", 20, 1, MAX_PER_PAGE)
    query = service.history_query(user, mine=mine, kind=kind, status=status, name=request.args.get("q", "").strip(),
                                  batch=request.args.get("batch", "").strip())
    result = db.paginate(query, page=page, per_page=per_page, error_out=False)
    return jsonify(jobs=[job_json(j, full=False) for j in result.items], page=page, per_page=per_page,
                   total=result.total)


def _detection_form() -> DetectionForm:
    """The page's form on this request; `ensemble` may be repeated or comma-separated, and empty values are none."""
    formdata = MultiDict(request.form)
    members = [name.strip() for value in formdata.poplist("ensemble") for name in value.split(",") if name.strip()]
    if members:
        formdata.setlist("ensemble", members)
    form = DetectionForm(formdata=CombinedMultiDict([request.files, formdata]), meta={"csrf": False},
                         frames=current_app.config["DETECTION_FRAMES"], detector=detectors.default_choice())
    form.detector.choices = form.ensemble.choices = detectors.choices()
    return form


@bp.route("/jobs/detection", methods=["POST"])
def submit_detection():
    """One job per file, as on the page (several files share a batch id); the ensemble's mean is the verdict."""
    user = auth.current()
    form = _detection_form()
    if not form.validate():
        return error(400, "The submission is not valid.", fields=form.errors)
    try:
        uploads = accept_detection_inputs(form.video.data, app_storage())
    except UploadError as exc:
        return error(400, str(exc))
    try:
        made = service.create_detections(user, uploads, form.params())
        refused = None
    except LimitExceeded as exc:
        made, refused = exc.jobs, str(exc)
        if not made:
            return error(429, refused)
    if len(uploads) == 1:
        return created(job_json(made[0]), url_for("api.job", job_id=made[0].id))
    batch = (made[0].params or {}).get("batch", {}).get("id")
    return created({"jobs": [job_json(j) for j in made], "batch": batch, "refused": refused},
                   url_for("api.jobs", batch=batch))


@bp.route("/jobs/<int:job_id>")
def job(job_id: int):
    return jsonify(job_json(get_job_for(auth.current(), job_id)))


@bp.route("/jobs/<int:job_id>/cancel", methods=["POST"])
def cancel(job_id: int):
    return _act_on(job_id, can_cancel_job, service.cancel)


@bp.route("/jobs/<int:job_id>/rerun", methods=["POST"])
def rerun(job_id: int):
    """Run a failed or canceled job again on its stored inputs (a generation whose approval lapsed waits for review)."""
    return _act_on(job_id, can_rerun_job, service.rerun)


def _act_on(job_id: int, may, act):
    """404 unless this user MAY; then ACT(job, user): 409 when the job's state refuses it, 429 at the user's cap."""
    user = auth.current()
    found = get_job_for(user, job_id)
    if not may(user, found):
        abort(404)
    try:
        act(found, user)
    except service.JobError as exc:
        return error(409, str(exc))
    except LimitExceeded as exc:
        return error(429, str(exc))
    return jsonify(job_json(found))


@bp.route("/files/<int:artifact_id>")
def download(artifact_id: int):
    user = auth.current()
    return send_download(get_artifact_for(user, artifact_id), user, via="api")
