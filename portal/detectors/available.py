"""Which detectors the portal can offer now: the built-in registry (models.detectors) and registered lab models."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from portal.db import DetectorModel
from portal.extensions import db

RUNNABLE_ARCHITECTURES = ("resnext_lstm", "keras_head", "sbi_frame", "consistency")


def builtin_status() -> dict[str, str | None]:
    """Name -> None when usable, else the reason (weights missing or wrong)."""
    from models.detectors import detector_status

    return detector_status(current_app.config["MODELS_DIR"])


def registered() -> list[DetectorModel]:
    """Active registered models the workers can run."""
    return list(db.session.execute(select(DetectorModel).where(
        DetectorModel.active, DetectorModel.architecture.in_(RUNNABLE_ARCHITECTURES))
        .order_by(DetectorModel.name)).scalars())


def label(name: str) -> str:
    """What a person reads in a form: the name and what the detector is."""
    from models.detectors import DETECTORS

    return f"{name} — {DETECTORS[name].label}" if name in DETECTORS else name


def choices() -> list[tuple[str, str]]:
    """(name, label) of every usable detector, for forms."""
    usable = [(name, label(name)) for name, reason in builtin_status().items() if reason is None]
    return usable + [(row.name, f"{row.name} — {row.architecture} ({row.dataset or 'lab model'})")
                     for row in registered()]


def default_choice() -> str | None:
    from models.detectors import DEFAULT_ORDER
    from portal.admin import settings

    usable = [name for name, _ in choices()]
    row = db.session.execute(select(DetectorModel).where(DetectorModel.is_default)).scalars().first()
    chosen = settings.get("default_detector")  # the admin's choice in the browser, when it can still run
    for preferred in ([chosen] if chosen else []) + ([row.name] if row else []) + list(DEFAULT_ORDER):
        if preferred in usable:
            return preferred
    return usable[0] if usable else None
