"""LRNet (Sun et al., CVPR 2021): deepfake detection from calibrated 68-point landmark sequences (PyTorch)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

WEIGHT_SETS: dict[str, tuple[str, str]] = {
    "deeper": ("lrnet_deeper_g1", "lrnet_deeper_g2"),  # DeeperForensics-1.0: upstream's default
    "ff": ("lrnet_ff_g1", "lrnet_ff_g2"),  # FaceForensics++, all four manipulations
}


def unavailable(weights: str, models_dir: Optional[Path]) -> Optional[str]:
    """None when both streams' weights are present and verified, else the reason LRNet cannot run."""
    from models.weights import status

    if weights not in WEIGHT_SETS:
        return f"unknown LRNet weights {weights!r}; choose one of {', '.join(WEIGHT_SETS)}"
    if models_dir is None:
        return "LRNet needs a models folder (MODELS_DIR) and none is configured"
    reasons = [r for r in (status(name, Path(models_dir)) for name in WEIGHT_SETS[weights]) if r]
    return reasons[0] if reasons else None


__all__ = ["WEIGHT_SETS", "unavailable"]
