"""The detector registry: register trained or imported models, set the default, store calibrations and metrics."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from sqlalchemy import select, update

from portal import audit
from portal.db import DetectorModel, User
from portal.extensions import db
from portal.storage import Storage


class RegistryError(Exception):
    """The registry change is refused; the message says why."""


def get(name: str) -> DetectorModel:
    row = db.session.execute(select(DetectorModel).where(DetectorModel.name == name)).scalar_one_or_none()
    if row is None:
        raise RegistryError(f"No registered detector is called {name!r}.")
    return row


def get_or_new(name: str, architecture: str) -> DetectorModel:
    """The row of a name (built-ins get one the first time they are calibrated or benchmarked)."""
    row = db.session.execute(select(DetectorModel).where(DetectorModel.name == name)).scalar_one_or_none()
    if row is None:
        row = DetectorModel(name=name, architecture=architecture, metrics={})
        db.session.add(row)
    return row


def register_file(name: str, architecture: str, path: Path, storage: Storage, *, sha256: str,
                  backbone: str = "", head: str = "", dataset: str = "", metrics: Optional[dict[str, Any]] = None,
                  actor: Optional[User] = None, active: bool = True, replace: bool = False) -> DetectorModel:
    """Store a verified model file content-addressed and record it (the caller commits)."""
    existing = db.session.execute(select(DetectorModel).where(DetectorModel.name == name)).scalar_one_or_none()
    if existing is not None and not replace:
        raise RegistryError(f"A detector called {name!r} is already registered; choose another name.")
    key, _ = storage.put_file(Path(path))
    if key != sha256:
        raise RegistryError("The model file changed while it was being registered.")
    row = existing or DetectorModel(name=name)
    row.architecture, row.backbone, row.head, row.dataset = architecture, backbone, head, dataset
    row.weights_sha256, row.weights_key, row.metrics, row.active = sha256, key, metrics or {}, active
    db.session.add(row)
    db.session.flush()
    audit.record("detector.register", actor, row, name=name, architecture=architecture, sha256=sha256)
    return row


def set_default(name: str, actor: Optional[User] = None) -> None:
    row = get(name)
    db.session.execute(update(DetectorModel).values(is_default=False))
    row.is_default, row.active = True, True
    audit.record("detector.default", actor, row, name=name)


def set_active(name: str, active: bool, actor: Optional[User] = None) -> None:
    row = get(name)
    row.active = active
    if not active:
        row.is_default = False
    audit.record("detector.enable" if active else "detector.disable", actor, row, name=name)


def record_metrics(name: str, architecture: str, metrics: dict[str, Any], dataset: str,
                   calibration: Optional[dict] = None, actor: Optional[User] = None) -> DetectorModel:
    """Measured metrics (and optionally a calibration) for a detector, built-in or registered."""
    row = get_or_new(name, architecture)
    row.metrics = {**(row.metrics or {}), **metrics, "measured_on": dataset}
    if calibration is not None:
        row.calibration = calibration
    audit.record("detector.metrics", actor, row, name=name, dataset=dataset, calibrated=calibration is not None)
    return row
