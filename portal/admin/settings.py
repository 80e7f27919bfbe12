"""Admin-editable settings stored in the database, with defaults."""

from __future__ import annotations

from typing import Any

from portal.db import Setting
from portal.extensions import db

DEFAULTS: dict[str, Any] = {
    "allow_registration": False,
    "max_queued_per_user": 20,  # waiting jobs (queued or awaiting review) per user; 0 = no cap
    "max_running_per_user": 2,  # jobs of one user that workers run at the same time; 0 = no cap
    "max_upload_mb": 0,  # per-file upload limit for members; 0 = the server's MAX_UPLOAD_MB
}


def get(key: str) -> Any:
    row = db.session.get(Setting, key)
    return DEFAULTS.get(key) if row is None else row.value


def put(key: str, value: Any) -> None:
    """Set a value (the caller commits)."""
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value
