"""Model cards: what a detector is, what it was trained on, and how reliable it measured; shown with every verdict."""

from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import select

from portal.db import DetectorModel
from portal.extensions import db


def registered(name: str) -> Optional[DetectorModel]:
    return db.session.execute(select(DetectorModel).where(DetectorModel.name == name)).scalar_one_or_none()


def card(name: str) -> dict[str, Any]:
    """The card of a detector: the registry row's measured metrics over the built-in description."""
    from models.detectors import DETECTORS, headline_metrics, metrics_summary, shipped_card

    out = {"name": name, "architecture": name, "training_data": "unknown", "metrics": {}, "note": ""}
    if name in DETECTORS:
        out.update(DETECTORS[name].card)
        shipped = shipped_card(name)
        if shipped:
            out.update({"metrics": headline_metrics(shipped), "measured_on": shipped.get("measured_on", ""),
                        "calibrated": bool(shipped.get("calibration"))})
            out["summary"] = metrics_summary(out["metrics"])
    row = registered(name)
    if row is not None:
        metrics = dict(row.metrics or {})
        out.update({"metrics": {k: v for k, v in metrics.items() if isinstance(v, (int, float))},
                    "measured_on": metrics.get("measured_on", ""), "calibrated": bool(row.calibration),
                    "backbone": row.backbone, "head": row.head})
        if name not in DETECTORS:  # a lab model's own record describes it; a built-in keeps its upstream card
            out.update({"architecture": row.architecture, "training_data": row.dataset or "unknown"})
    return out
