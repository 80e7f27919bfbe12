"""Every built-in deepfake detector, by name: one registry from which forms, labels, cards and workers all read.

Each entry says what it is (label, card), how it reads a video (`kind`: "frame" scores face crops of a shared
face track, "landmarks" reads 68-point landmark sequences of consecutive frames) and why it cannot run here
(`unavailable`), without importing any ML runtime until a detector is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from models.errors import WeightsMissing
from models.types import FrameDetector
from models.weights import locate
from models.weights import status as weights_status


@dataclass(frozen=True)
class DetectorSpec:
    """One built-in detector: its catalog weights, how it reads a video, and its card."""

    name: str
    label: str
    kind: str  # "frame" or "landmarks"
    weights: tuple[str, ...]  # catalog names of its files
    build: Callable[..., Any]  # (first weights path, name, device) -> detector; frame detectors only
    card: dict[str, Any] = field(default_factory=dict)

    def unavailable(self, models_dir: Optional[Path]) -> Optional[str]:
        """None when every weights file is present and verified, else the first reason it cannot run."""
        reasons = (weights_status(weights, models_dir) for weights in self.weights)
        return next((reason for reason in reasons if reason), None)


def _meso(cls_name: str):
    """Deferred import so the registry stays light (no TensorFlow until a detector is built)."""

    def build(weights: Path, name: str, device: str = "cpu") -> FrameDetector:
        from models.detectors import mesonet

        return getattr(mesonet, cls_name)(weights, name=name)  # Keras: TensorFlow places it (see models.device)

    return build


def _sbi(weights: Path, name: str, device: str = "cpu") -> FrameDetector:
    from models.detectors.sbi import SbiDetector

    return SbiDetector(weights, name=name, device=device)


def _consistency(weights: Path, name: str, device: str = "cpu") -> FrameDetector:  # numpy + dlib: CPU
    from models.detectors.consistency import ConsistencyDetector

    return ConsistencyDetector(weights, name=name)


def _sbi_gru(weights: Path, name: str, device: str = "cpu") -> FrameDetector:
    from models.detectors.sbi_sequence import SbiGruDetector

    return SbiGruDetector(weights, name=name, device=device)


def _not_a_frame_detector(weights: Path, name: str, device: str = "cpu"):
    raise TypeError(f"{name} reads landmark sequences, not face crops; workers run it through LRNet.")


_MESONET = ("MesoNet (Afchar et al., WIFS 2018): a compact CNN scoring 256x256 face crops; upstream weights. "
            "On public real and fake videos unlike its training data its video-level AUC is only about 0.62-0.70.")
_LRNET = ("LRNet (Sun et al., CVPR 2021): two bidirectional GRUs over calibrated 68-point landmark sequences; "
          "upstream weights (MIT).")
SBI_CARD = {"architecture": "MobileNetV2 ImageNet features + a head trained on self-blended images",
            "training_data": "the lab's public-dev set (real clips with their self-blended copies, and public "
                             "fakes), see the model card file beside the weights",
            "note": "Trained by the lab (recipe sbi); calibrated on groups held out of training."}

DETECTORS: dict[str, DetectorSpec] = {s.name: s for s in [
    DetectorSpec("blend_consistency", "Lab blend-consistency detector (does the face match its surroundings? ships "
                 "with the portal)", "frame", ("blend_consistency",), _consistency,
                 {"architecture": "45 measurements per face crop (sharpness, noise, gradients inside the landmark "
                                  "hull against the ring around it; boundary gradient; colour shift; power spectrum) "
                                  "into a logistic regression",
                  "training_data": SBI_CARD["training_data"],
                  "note": "Fitted by the lab (recipe consistency); calibrated on groups held out of fitting. Strong "
                          "on talking-head syntheses, weak on compressed FaceForensics++ swaps."}),
    DetectorSpec("sbi_mobilenet_v2", "Lab SBI detector (MobileNetV2, self-blended images; ships with the portal)",
                 "frame", ("sbi_mobilenet_v2",), _sbi, SBI_CARD),
    DetectorSpec("sbi_gru", "Lab CNN features into a GRU (the SBI network's frame embeddings read in order; ships "
                 "with the portal)", "frame", ("sbi_gru",), _sbi_gru,
                 {"architecture": "MobileNetV2 trunk + SBI convolutional head (256-D per frame) into a "
                                  "bidirectional GRU (2x64), one P(fake) per face sequence",
                  "training_data": SBI_CARD["training_data"],
                  "note": "Trained by the lab on the SBI run's folds; not calibrated separately."}),
    DetectorSpec("meso4_df", "Meso4 trained on Deepfake face swaps", "frame", ("meso4_df",), _meso("Meso4"),
                 {"architecture": "Meso4 frame classifier", "training_data": "Deepfake face swaps (upstream)",
                  "note": _MESONET}),
    DetectorSpec("meso4_f2f", "Meso4 trained on Face2Face reenactment", "frame", ("meso4_f2f",), _meso("Meso4"),
                 {"architecture": "Meso4 frame classifier", "training_data": "Face2Face reenactment (upstream)",
                  "note": _MESONET}),
    DetectorSpec("mesoinception4_df", "MesoInception4 trained on Deepfake swaps", "frame", ("mesoinception4_df",),
                 _meso("MesoInception4"), {"architecture": "MesoInception4 frame classifier",
                                           "training_data": "Deepfake face swaps (upstream)", "note": _MESONET}),
    DetectorSpec("mesoinception4_f2f", "MesoInception4 trained on Face2Face", "frame", ("mesoinception4_f2f",),
                 _meso("MesoInception4"), {"architecture": "MesoInception4 frame classifier",
                                           "training_data": "Face2Face reenactment (upstream)", "note": _MESONET}),
    DetectorSpec("lrnet_deeper", "LRNet landmark GRU (DeeperForensics-1.0)", "landmarks",
                 ("lrnet_deeper_g1", "lrnet_deeper_g2"), _not_a_frame_detector,
                 {"architecture": "LRNet landmark-sequence GRU", "training_data": "DeeperForensics-1.0 (upstream)",
                  "note": _LRNET}),
    DetectorSpec("lrnet_ff", "LRNet landmark GRU (FaceForensics++)", "landmarks", ("lrnet_ff_g1", "lrnet_ff_g2"),
                 _not_a_frame_detector, {"architecture": "LRNet landmark-sequence GRU",
                                         "training_data": "FaceForensics++ (upstream)", "note": _LRNET}),
]}
# Best measured first (grouped cross-validated AUC on public-dev: blend_consistency 0.72, sbi_mobilenet_v2 0.62).
DEFAULT_ORDER = ("blend_consistency", "sbi_mobilenet_v2", "meso4_df", "lrnet_deeper", "mesoinception4_df")


def frame_detectors() -> list[str]:
    return [name for name, spec in DETECTORS.items() if spec.kind == "frame"]


def detector_status(models_dir: Path | None) -> dict[str, str | None]:
    """For every built-in detector: None when it can run here, else the reason it cannot."""
    return {name: spec.unavailable(models_dir) for name, spec in DETECTORS.items()}


def load_detector(name: str, models_dir: Path | None, device: str = "cpu") -> FrameDetector:
    """Build a frame detector by name from verified weights on a torch device; WeightsMissing when absent."""
    if name not in DETECTORS:
        raise WeightsMissing(
            f"Unknown detector {name!r}; known: {', '.join(DETECTORS)}."
        )
    spec = DETECTORS[name]
    return spec.build(locate(spec.weights[0], models_dir), name, device)


def shipped_card(name: str) -> dict[str, Any]:
    """The measured model card shipped beside a built-in detector's weights ({} when there is none)."""
    import json

    from models.catalog import CATALOG
    from models.weights import BUILTIN_DIR

    spec = DETECTORS.get(name)
    if spec is None or not CATALOG[spec.weights[0]].builtin:
        return {}
    path = (BUILTIN_DIR / CATALOG[spec.weights[0]].path).with_suffix(".json")
    return json.loads(path.read_text()) if path.is_file() else {}


def metrics_summary(flat: dict[str, Any]) -> str:
    """One sentence a person reads: AUC with its interval, per part, log loss and calibration error."""
    if "auc" not in flat:
        return ""
    parts = [f"{label} {flat[key]:.2f}" for key, label in (("ffpp_auc", "FaceForensics++"),
                                                          ("talking_head_auc", "talking heads"),
                                                          ("other_auc", "other footage")) if key in flat]
    text = f"AUC {flat['auc']:.2f}"
    if "auc_ci95_low" in flat:
        text += f" [95% interval {flat['auc_ci95_low']:.2f}-{flat['auc_ci95_high']:.2f}]"
    if parts:
        text += f" ({', '.join(parts)})"
    extra = [f"{label} {flat[key]:.3f}" for key, label in (("log_loss", "log loss"), ("ece", "calibration error"))
             if key in flat]
    return text + (f"; {', '.join(extra)}" if extra else "")


def headline_metrics(card: dict[str, Any]) -> dict[str, float]:
    """The flat numbers a verdict page shows from a shipped card: cross-validated AUC and its interval, per part."""
    cv = (card.get("metrics") or {}).get("cross_validated") or {}
    out: dict[str, Any] = {}
    for part, prefix in (("all", ""), ("ffpp", "ffpp_"), ("talking_head", "talking_head_"), ("other", "other_")):
        m = cv.get(part) or {}
        for key in ("auc", "log_loss", "ece", "accuracy", "false_positive_rate"):
            if isinstance(m.get(key), (int, float)):
                out[prefix + key] = m[key]
        if m.get("auc_ci95"):
            out[prefix + "auc_ci95_low"], out[prefix + "auc_ci95_high"] = m["auc_ci95"]
    return out
