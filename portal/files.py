"""Serving stored files: ownership checked, types set by the portal, downloads audited."""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, request, send_file
from flask_login import current_user, login_required

from portal import audit
from portal.authz import get_artifact_for
from portal.extensions import db
from portal.storage import Storage

bp = Blueprint("files", __name__)

# Roles whose bytes the portal itself produced; only these may be shown inline in the page.
INLINE_ROLES = {"thumbnail", "plot", "output_video", "heatmap", "source_photo", "reference_photo"}
_EXTENSIONS = {"video/mp4": ".mp4", "application/json": ".json", "application/pdf": ".pdf", "image/png": ".png",
               "image/jpeg": ".jpg", "video/webm": ".webm", "text/csv": ".csv"}


def download_name(artifact) -> str:
    """A safe ASCII name built from the job and role, never the user's file name."""
    ext = _EXTENSIONS.get(artifact.media_type, ".bin")
    role = re.sub(r"[^a-z0-9_]", "", artifact.role)
    return f"job{artifact.job_id}-{role}-{artifact.id}{ext}"


def _send(artifact, as_attachment: bool):
    path = Storage(current_app.config["STORAGE_DIR"]).path(artifact.storage_key)
    if not path.is_file():
        abort(410, description="This file is no longer stored.")
    media_type = artifact.media_type if as_attachment is False else "application/octet-stream"
    if artifact.media_type in ("application/json", "application/pdf", "video/mp4", "text/csv"):
        media_type = artifact.media_type
    return send_file(path, mimetype=media_type, as_attachment=as_attachment,
                     download_name=download_name(artifact), conditional=True, max_age=0)


@bp.route("/files/<int:artifact_id>")
@login_required
def download(artifact_id: int):
    artifact = get_artifact_for(current_user, artifact_id)
    audit.record("file.download", current_user, artifact, job_id=artifact.job_id, role=artifact.role,
                 sha256=artifact.sha256)
    db.session.commit()
    return _send(artifact, as_attachment=True)


@bp.route("/files/<int:artifact_id>/view")
@login_required
def view(artifact_id: int):
    artifact = get_artifact_for(current_user, artifact_id)
    if artifact.role not in INLINE_ROLES:
        abort(404)
    first_range = request.range is None or request.range.ranges[0][0] == 0
    if artifact.role == "output_video" and first_range:  # a player's later range requests are not new views
        audit.record("file.view", current_user, artifact, job_id=artifact.job_id, role=artifact.role)
        db.session.commit()
    return _send(artifact, as_attachment=False)
