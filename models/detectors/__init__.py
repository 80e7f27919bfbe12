"""Frame-level deepfake detectors behind one protocol; a registry from catalog name to class."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from models.errors import WeightsMismatch, WeightsMissing
from models.weights import locate


class FrameDetector(Protocol):
    """Scores face crops: uint8 (N, S, S, 3) RGB with S = input_size -> float (N,) P(fake)."""

    name: str
    input_size: int
    weights_sha256: str

    def score(self, crops: np.ndarray) -> np.ndarray: ...


def _meso(cls_name: str):
    """Deferred import so the registry stays light (no TensorFlow until a detector is built)."""

    def build(weights: Path, name: str) -> FrameDetector:
        from models.detectors import mesonet

        return getattr(mesonet, cls_name)(weights, name=name)

    build.architecture = cls_name
    return build


# Catalog name -> constructor(weights_path, name).
DETECTORS = {
    "meso4_df": _meso("Meso4"),
    "meso4_f2f": _meso("Meso4"),
    "mesoinception4_df": _meso("MesoInception4"),
    "mesoinception4_f2f": _meso("MesoInception4"),
}


def detector_status(models_dir: Path | None) -> dict[str, str | None]:
    """For every detector: None when its weights are present and verified, else the reason it cannot run."""
    out: dict[str, str | None] = {}
    for name in DETECTORS:
        try:
            _weights(name, models_dir)
            out[name] = None
        except (WeightsMissing, WeightsMismatch) as exc:
            out[name] = str(exc)
    return out


def _weights(name: str, models_dir: Path | None) -> Path:
    if models_dir is None:
        raise WeightsMissing(
            f"The detector {name} needs a models folder (MODELS_DIR) and none is configured."
        )
    return locate(name, Path(models_dir))


def load_detector(name: str, models_dir: Path | None) -> FrameDetector:
    """Build a detector by catalog name from verified weights; WeightsMissing when they are absent."""
    if name not in DETECTORS:
        raise WeightsMissing(
            f"Unknown detector {name!r}; known: {', '.join(DETECTORS)}."
        )
    return DETECTORS[name](_weights(name, models_dir), name)
