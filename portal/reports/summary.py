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


COLOURS = ["#3465a4", "#f57900", "#75507b", "#c17d11", "#06989a", "#cc0000", "#555753"]


def combined_frames(members: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per sampled frame, the mean of the members' scores that exist there (None where no member saw a face)."""
    by_index: dict[int, dict[str, Any]] = {}
    for m in members:
        for f in m.get("frames") or []:
            slot = by_index.setdefault(f["index"], {"index": f["index"], "time": f["time"], "scores": []})
            if f["fake_probability"] is not None:
                slot["scores"].append(f["fake_probability"])
    return [{"index": s["index"], "time": s["time"],
             "fake_probability": round(float(np.mean(s["scores"])), 4) if s["scores"] else None}
            for s in sorted(by_index.values(), key=lambda s: s["time"])]


def timeline_series(result: DetectionResult, members: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The lines of the timeline: one per detector and, for an ensemble, the combined one; [(label, points)]."""
    members = members or []
    if len(members) < 2:
        frames = members[0]["frames"] if members else [{"time": f.time, "fake_probability": f.fake_probability}
                                                      for f in result.frames]
        return [{"label": members[0]["model"] if members else result.model, "frames": frames, "combined": False}]
    return [{"label": m["model"], "frames": m["frames"], "combined": False} for m in members] + \
        [{"label": "combined (mean of detectors)", "frames": combined_frames(members), "combined": True}]


def score_timeline_png(result: DetectionResult, members: list[dict[str, Any]] | None = None,
                       threshold: float = 0.5) -> bytes:
    """P(fake) per sampled frame over time: one line per detector, the combined line, threshold and video score.

    The legend sits to the right of the axes so it never covers a point."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    series = timeline_series(result, members)
    fig, ax = plt.subplots(figsize=(9, 3.2), dpi=100)
    for i, s in enumerate(series):
        pts = [(f["time"], f["fake_probability"]) for f in s["frames"] if f["fake_probability"] is not None]
        if not pts:
            continue
        xs, ys = zip(*pts)
        if s["combined"]:
            ax.plot(xs, ys, "-", color="#000000", linewidth=2.2, label=s["label"], zorder=3)
        else:
            ax.plot(xs, ys, "o-" if len(series) == 1 else ".-", color=COLOURS[i % len(COLOURS)],
                    linewidth=1.2, markersize=5, alpha=0.9 if len(series) == 1 else 0.75, label=s["label"])
    missing = [f["time"] for f in series[-1]["frames"] if f["fake_probability"] is None]
    if missing:
        ax.plot(missing, [0.0] * len(missing), "x", color="#999999", label="no face found")
    ax.axhline(threshold, color="#cc0000", linestyle="--", linewidth=1, label="threshold")
    ax.axhline(result.fake_probability, color="#4e9a06", linewidth=1.5, label=f"video ({result.aggregation})")
    ax.set(ylim=(-0.03, 1.03), xlabel="time (s)", ylabel="P(fake)",
           title=f"P(fake) per frame · verdict {result.verdict}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _png(fig)


def comparison_png(members: list[dict[str, Any]], combined: float | None = None) -> bytes:
    """A small bar chart: each detector's P(fake) (calibrated when it can be) with its measured AUC beside it."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(4.2, 0.55 * len(members) + 1.3), dpi=100)
    names = [m["model"] for m in members]
    probs = [m["calibrated_fake_probability"] if m.get("calibrated_fake_probability") is not None
             else m["fake_probability"] for m in members]
    ys = list(range(len(members)))[::-1]
    ax.barh(ys, probs, color=[COLOURS[i % len(COLOURS)] for i in range(len(members))], height=0.6)
    labels = []
    for y, p, m, name in zip(ys, probs, members, names):
        auc = (m.get("metrics") or {}).get("auc")
        labels.append(f"{name}\nAUC {auc:.2f}" if auc is not None else f"{name}\nAUC not measured")
        ax.text(0.02, y, f"{p:.2f}", va="center", fontsize=8, color="#ffffff", fontweight="bold")
    ax.axvline(0.5, color="#cc0000", linestyle="--", linewidth=1)
    if combined is not None:
        ax.axvline(combined, color="#000000", linewidth=1.8)
    ax.set_yticks(ys, labels, fontsize=8)
    ax.set(xlim=(0, 1), xlabel="P(fake)", title="Detectors side by side")
    ax.title.set_fontsize(9)
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
