"""Serving stored files: ownership checked, types set by the portal, downloads audited."""

from __future__ import annotations

import re

from flask import Blueprint, abort, request, send_file
from flask_login import current_user, login_required

from portal import audit
from portal.authz import get_artifact_for
from portal.extensions import db
from portal.storage import app_storage

bp = Blueprint("files", __name__)

# Roles whose bytes the portal itself produced, or uploads it checked by their magic bytes and probed; only these
# may be shown inline in the page, and only with one of the media types a browser plays or shows and never runs.
INLINE_ROLES = {"thumbnail", "plot", "comparison_plot", "output_video", "heatmap", "source_photo", "reference_photo",
                "input_video", "target_video"}
INLINE_TYPES = {"video/mp4", "video/webm", "video/quicktime", "image/jpeg", "image/png", "image/webp", "image/bmp"}
# Views of whole videos are audited like downloads (a player's later range requests are not new views).
AUDITED_VIEWS = {"output_video", "input_video", "target_video"}
_EXTENSIONS = {"video/mp4": ".mp4", "application/json": ".json", "application/pdf": ".pdf", "image/png": ".png",
               "image/jpeg": ".jpg", "video/webm": ".webm", "text/csv": ".csv"}


_WORDS = {"report_pdf": "report", "report_json": "report", "input_video": "", "target_video": "",
          "output_video": "swapped", "plot": "timeline", "comparison_plot": "detectors"}
_SINGLE = {"report_pdf", "report_json", "input_video", "target_video", "output_video", "plot", "comparison_plot",
           "source_photo", "reference_photo", "provenance_json", "consent_evidence"}


def slug(name: str, limit: int = 40) -> str:
    """'My Holiday (2).mp4' -> 'my-holiday-2': lower-case ASCII letters, digits and hyphens only."""
    stem = name.rsplit(".", 1)[0] if "." in name else name
    text = re.sub(r"[^a-z0-9]+", "-", stem.lower().encode("ascii", "ignore").decode())
    return text.strip("-")[:limit].strip("-")


def users_file(job) -> str:
    """The name the user gave the job's main input (detection: the video; generation: the target)."""
    for role in ("input_video", "target_video"):
        if a := job.artifact(role):
            return a.original_name or ""
    return ""


def download_name(artifact) -> str:
    """'job12-my-holiday-report.pdf': the job, a slug of the user's file and what the file is; plain ASCII."""
    ext = _EXTENSIONS.get(artifact.media_type, ".bin")
    role = re.sub(r"[^a-z0-9_]", "", artifact.role)
    word = _WORDS.get(role, role.replace("_", "-"))
    parts = [f"job{artifact.job_id}", slug(users_file(artifact.job)), word]
    if role not in _SINGLE:
        parts.append(str(artifact.id))
    return "-".join(p for p in parts if p) + ext


def send_download(artifact, actor, via: str = "web"):
    """The one download of a stored file, pages and API alike: audited once (committed), then sent as an attachment.

    The caller has checked access (portal.authz.get_artifact_for)."""
    _stored_path(artifact)  # a file no longer stored is answered 410 before anything is audited
    details = {"via": via} if via != "web" else {}
    audit.record("file.download", actor, artifact, job_id=artifact.job_id, role=artifact.role,
                 sha256=artifact.sha256, **details)
    db.session.commit()
    return _send(artifact, as_attachment=True)


def _stored_path(artifact):
    path = app_storage().path(artifact.storage_key)
    if not path.is_file():
        abort(410, description="This file is no longer stored.")
    return path


def _send(artifact, as_attachment: bool):
    path = _stored_path(artifact)
    media_type = artifact.media_type if as_attachment is False else "application/octet-stream"
    if artifact.media_type in ("application/json", "application/pdf", "video/mp4", "text/csv"):
        media_type = artifact.media_type
    try:  # once open, a file removed meanwhile still streams whole (its inode lives until closed)
        return send_file(path, mimetype=media_type, as_attachment=as_attachment,
                         download_name=download_name(artifact), conditional=True, max_age=0)
    except FileNotFoundError:  # removed between the check and the open (retention, the owner)
        abort(410, description="This file is no longer stored.")


@bp.route("/files/<int:artifact_id>")
@login_required
def download(artifact_id: int):
    return send_download(get_artifact_for(current_user, artifact_id), current_user)


@bp.route("/files/<int:artifact_id>/view")
@login_required
def view(artifact_id: int):
    artifact = get_artifact_for(current_user, artifact_id)
    if artifact.role not in INLINE_ROLES or artifact.media_type not in INLINE_TYPES:
        abort(404)
    first_range = request.range is None or request.range.ranges[0][0] == 0
    if artifact.role in AUDITED_VIEWS and first_range:
        audit.record("file.view", current_user, artifact, job_id=artifact.job_id, role=artifact.role)
        db.session.commit()
    return _send(artifact, as_attachment=False)
