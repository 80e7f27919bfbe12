"""Model cards: what a detector is, what it was trained on, and how reliable it measured; shown with every verdict."""

from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import select

from portal.db import DetectorModel
from portal.extensions import db

_MESONET = ("MesoNet (Afchar et al., WIFS 2018): a compact CNN scoring 256x256 face crops; upstream weights. "
            "On public real and fake videos unlike its training data its video-level AUC is only about 0.65-0.70.")
BUILTIN_CARDS: dict[str, dict[str, Any]] = {
    "meso4_df": {"architecture": "Meso4 frame classifier", "training_data": "Deepfake face swaps (FaceForensics++ "
                 "style, upstream)", "note": _MESONET},
    "meso4_f2f": {"architecture": "Meso4 frame classifier", "training_data": "Face2Face reenactment (upstream)",
                  "note": _MESONET},
    "mesoinception4_df": {"architecture": "MesoInception4 frame classifier", "training_data": "Deepfake face swaps "
                          "(upstream)", "note": _MESONET},
    "mesoinception4_f2f": {"architecture": "MesoInception4 frame classifier", "training_data": "Face2Face "
                           "reenactment (upstream)", "note": _MESONET},
}


def registered(name: str) -> Optional[DetectorModel]:
    return db.session.execute(select(DetectorModel).where(DetectorModel.name == name)).scalar_one_or_none()


def card(name: str) -> dict[str, Any]:
    """The card of a detector: the registry row's measured metrics over the built-in description."""
    out = {"name": name, "architecture": name, "training_data": "unknown", "metrics": {}, "note": ""}
    out.update(BUILTIN_CARDS.get(name, {}))
    row = registered(name)
    if row is not None:
        metrics = dict(row.metrics or {})
        out.update({"metrics": {k: v for k, v in metrics.items() if isinstance(v, (int, float))},
                    "measured_on": metrics.get("measured_on", ""), "calibrated": bool(row.calibration),
                    "backbone": row.backbone, "head": row.head})
        if name not in BUILTIN_CARDS:  # a lab model's own record describes it; a built-in keeps its upstream card
            out.update({"architecture": row.architecture, "training_data": row.dataset or "unknown"})
    return out
