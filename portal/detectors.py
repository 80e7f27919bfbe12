"""Which detectors the portal can offer now: built-in weights in MODELS_DIR, LRNet, and registered models."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from sqlalchemy import select

from models.catalog import CATALOG
from portal.db import DetectorModel
from portal.extensions import db

LRNET_LABELS = {"lrnet_deeper": "LRNet landmark GRU (DeeperForensics-1.0)",
                "lrnet_ff": "LRNet landmark GRU (FaceForensics++)"}
RUNNABLE_ARCHITECTURES = ("resnext_lstm", "keras_head")


def builtin_status() -> dict[str, str | None]:
    """Name -> None when usable, else the reason (weights missing or wrong)."""
    from models.detectors import detector_status
    from models.lrnet import unavailable

    models_dir = current_app.config["MODELS_DIR"]
    status = dict(detector_status(models_dir))
    for name in LRNET_LABELS:
        status[name] = unavailable(name.split("_", 1)[1], Path(models_dir))
    return status


def registered() -> list[DetectorModel]:
    """Active registered models the workers can run."""
    return list(db.session.execute(select(DetectorModel).where(
        DetectorModel.active, DetectorModel.architecture.in_(RUNNABLE_ARCHITECTURES))
        .order_by(DetectorModel.name)).scalars())


def _label(name: str) -> str:
    if name in LRNET_LABELS:
        return f"{name} — {LRNET_LABELS[name]}"
    return f"{name} — {CATALOG[name].note}" if name in CATALOG else name


def choices() -> list[tuple[str, str]]:
    """(name, label) of every usable detector, for forms."""
    usable = [(name, _label(name)) for name, reason in builtin_status().items() if reason is None]
    return usable + [(row.name, f"{row.name} — {row.architecture} ({row.dataset or 'lab model'})")
                     for row in registered()]


def default_choice() -> str | None:
    usable = [name for name, _ in choices()]
    row = db.session.execute(select(DetectorModel).where(DetectorModel.is_default)).scalars().first()
    for preferred in ([row.name] if row else []) + ["meso4_df", "lrnet_deeper", "mesoinception4_df"]:
        if preferred in usable:
            return preferred
    return usable[0] if usable else None
