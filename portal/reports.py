"""Verdict reports: the JSON record, the score-timeline plot and face thumbnails of a detection."""

from __future__ import annotations

import io
from dataclasses import asdict
from typing import Any

import numpy as np

from models.types import DetectionResult, FrameScore
from portal.db import utcnow

PORTAL = "deepfake lab portal"


def scored_frames(result: DetectionResult) -> list[FrameScore]:
    """The frames that had a face and a score, in the order of result.thumbnails."""
    return [f for f in result.frames if f.fake_probability is not None]


def detection_summary(result: DetectionResult) -> dict[str, Any]:
    """The small result stored on the job row and shown on its page."""
    scored = scored_frames(result)
    return {
        "verdict": result.verdict,
        "fake_probability": round(result.fake_probability, 4),
        "confidence": round(result.confidence, 4),
        "aggregation": result.aggregation,
        "model": result.model,
        "frames_sampled": len(result.frames),
        "frames_scored": len(scored),
        "warnings": list(result.warnings),
        "timings": {k: round(v, 3) for k, v in result.timings.items()},
        "people": _people(result),
        "person": result.person,
    }


def _people(result: DetectionResult) -> list[dict[str, Any]]:
    return [{"track": p.track, "frames": p.frames, "fake_probability": round(p.fake_probability, 4),
             "verdict": p.verdict} for p in result.people]


def detection_report(result: DetectionResult, job_id: int, input_sha256: str) -> dict[str, Any]:
    """Everything needed to check the verdict later: every frame score, the rule, the model and its weights."""
    return {
        "portal": PORTAL,
        "job_id": job_id,
        "created": utcnow().isoformat() + "Z",
        "input_sha256": input_sha256,
        "model": result.model,
        "weights_sha256": result.weights_sha256,
        "aggregation": result.aggregation,
        "verdict": result.verdict,
        "fake_probability": result.fake_probability,
        "confidence": result.confidence,
        "video": asdict(result.video) if result.video else None,
        "frames": [asdict(f) for f in result.frames],
        "people": _people(result),
        "person": result.person,
        "warnings": list(result.warnings),
        "timings": result.timings,
    }


def score_timeline_png(result: DetectionResult, threshold: float = 0.5) -> bytes:
    """A plot of P(fake) per sampled frame over time, with the threshold and the video's score."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    scored = scored_frames(result)
    fig, ax = plt.subplots(figsize=(8, 3), dpi=100)
    if scored:
        ax.plot([f.time for f in scored], [f.fake_probability for f in scored], "o-", color="#3465a4",
                label="P(fake) per frame")
    missing = [f.time for f in result.frames if f.fake_probability is None]
    if missing:
        ax.plot(missing, [0.0] * len(missing), "x", color="#999999", label="no face found")
    ax.axhline(threshold, color="#cc0000", linestyle="--", linewidth=1, label="threshold")
    ax.axhline(result.fake_probability, color="#4e9a06", linewidth=1.5, label=f"video ({result.aggregation})")
    ax.set(ylim=(-0.03, 1.03), xlabel="time (s)", ylabel="P(fake)", title=f"{result.model}: {result.verdict}")
    ax.legend(loc="upper right", fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _png(fig)


def _png(fig) -> bytes:
    from matplotlib import pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def jpeg(rgb: np.ndarray, quality: int = 85) -> bytes:
    """RGB array -> JPEG bytes."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buf, format="JPEG", quality=quality)
    return buf.getvalue()
