"""API endpoints for generation: a request with consent (the page's form and checks), the review queue, and a
supervisor's decision; both through portal.generation.service, so the pages and the API cannot drift."""

from __future__ import annotations

from flask import current_app, jsonify, request, url_for
from sqlalchemy import select
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional

from portal.admin.limits import LimitExceeded
from portal.api import auth
from portal.api.serialize import job_json
from portal.api.views import bp, created, error
from portal.authz import REVIEWERS, can_review_job, get_job_for
from portal.db import Job
from portal.extensions import db
from portal.generation import service
from portal.generation.forms import ATTESTATION, GenerationForm
from portal.jobs.service import JobError
from portal.jobs.uploads import UploadError
from portal.storage import app_storage

DECISIONS = ("approve", "reject")
MAX_REASON = 2000


class ApiGenerationForm(GenerationForm):
    """The page's request form plus the face choice the page asks for in a second step (1 = the largest face)."""

    source_face = IntegerField("Face of the source photo to use (numbered largest first)",
                               validators=[Optional(), NumberRange(min=1, max=100)])


@bp.route("/jobs/generation", methods=["POST"])
def request_generation():
    """A generation request waiting for a supervisor; a source photo with several faces needs source_face."""
    user = auth.current()
    form = ApiGenerationForm(meta={"csrf": False})
    form.swapper.choices = [(n, n) for n in service.swapper_names(current_app.config["MODELS_DIR"])]
    valid = form.validate()
    if form.consent.data is not True:  # "false" is an answer too, but not consent
        form.consent.errors = list(form.consent.errors or []) + ["The consent attestation is required."]
        valid = False
    if not valid:
        return error(400, "The request is not valid.", fields=form.errors)
    try:  # files stored by a refused request leave the store after it (portal.jobs.uploads)
        source, target, reference, evidence = form.stored_files(app_storage())
        boxes = service.source_faces(source, app_storage(), current_app.config["MODELS_DIR"])
        if not boxes:
            return error(400, "No face was found in the source photo; use a photo where one face is clearly visible.",
                         fields={"source": ["No face was found in this photo."]})
        number = form.source_face.data or (1 if len(boxes) == 1 else None)
        if number is None or number > len(boxes):
            return error(400, f"The source photo shows {len(boxes)} faces: send source_face from 1 to {len(boxes)} "
                         "(numbered largest first) to say which one to use.",
                         fields={"source_face": [f"Choose a face from 1 to {len(boxes)}."]},
                         faces=[[round(v, 1) for v in box] for box in boxes])
        params = {"swapper": form.swapper.data, "faces": form.faces.data, "purpose": form.purpose.data,
                  "consent_subject": form.consent_subject.data, "source_face_box": list(boxes[number - 1])}
        consent = {"subject": form.consent_subject.data, "attestation": ATTESTATION}
        job = service.create_request(user, source, target, params, consent, evidence, reference)
    except UploadError as exc:
        return error(400, str(exc))
    except LimitExceeded as exc:
        return error(429, str(exc))
    except JobError as exc:
        return error(409, str(exc))
    return created(job_json(job), url_for("api.job", job_id=job.id))


@bp.route("/review")
def review_queue():
    """Generation requests waiting for a decision, oldest first (supervisors and admins)."""
    user = auth.current()
    if user.role not in REVIEWERS:
        return error(403, "Only supervisors and admins review generation requests.")
    pending = db.session.execute(select(Job).where(Job.kind == "generation", Job.status == "pending_review")
                                 .order_by(Job.id)).scalars().all()
    return jsonify(jobs=[job_json(j) for j in pending])


@bp.route("/jobs/<int:job_id>/review", methods=["POST"])
def review(job_id: int):
    """Approve (queues it) or reject (a reason is required) a generation request; never one's own."""
    user = auth.current()
    job = get_job_for(user, job_id)
    if not can_review_job(user, job):
        why = ("You cannot review your own request; another supervisor must decide." if job.owner_id == user.id
               and user.role in REVIEWERS else "Only supervisors and admins review generation requests.")
        return error(403, why)
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else request.form
    decision, reason = body.get("decision"), body.get("reason", "")
    fields = {}
    if decision not in DECISIONS:
        fields["decision"] = ["Choose approve or reject."]
    if not isinstance(reason, str) or len(reason) > MAX_REASON:
        fields["reason"] = [f"A reason is text of at most {MAX_REASON} characters."]
    elif decision == "reject" and not reason.strip():
        fields["reason"] = ["Give the requester a reason for the rejection."]
    if fields:
        return error(400, "The decision is not valid.", fields=fields)
    try:
        if decision == "approve":
            service.approve(job, user, reason)
        else:
            service.reject(job, user, reason)
    except JobError as exc:
        db.session.rollback()
        return error(409, str(exc))
    return jsonify(job_json(job))
