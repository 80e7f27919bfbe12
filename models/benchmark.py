"""Score detectors on a labelled set of videos: AUC with a bootstrap interval, accuracy, log loss, ROC, every score."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np

from models.errors import ModelsError
from models.types import Progress, no_progress

VIDEO_SUFFIXES = {".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v"}


@dataclass
class LabelledVideo:
    path: Path
    label: int  # 1 = fake, 0 = real
    source: str = ""  # where the label comes from (folder, provenance of job N)


@dataclass
class ModelScores:
    """One detector's scores on the set: scores[i] is None where the video could not be scored (and why)."""

    model: str
    scores: list[Optional[float]]
    errors: list[Optional[str]]
    metrics: dict = field(default_factory=dict)


def folder_set(real_dir: Path, fake_dir: Path) -> list[LabelledVideo]:
    """Every video under real_dir (label 0) and fake_dir (label 1)."""
    out = []
    for folder, label in ((Path(real_dir), 0), (Path(fake_dir), 1)):
        if not folder.is_dir():
            raise ModelsError(f"{folder} is not a folder of videos.")
        out += [LabelledVideo(p, label, folder.name) for p in sorted(folder.rglob("*"))
                if p.suffix.lower() in VIDEO_SUFFIXES]
    return out


GENERATED_SET = "generated"  # the portal's own swaps (fake, known by provenance) against their targets (real)


def available_sets(root: Path) -> list[str]:
    """The labelled sets under a datasets folder: each subfolder with real/ and fake/ (names, never paths)."""
    if not root.is_dir():
        return []
    return sorted(d.name for d in root.iterdir() if (d / "real").is_dir() and (d / "fake").is_dir())


def bootstrap_auc(y: np.ndarray, p: np.ndarray, rounds: int = 1000, seed: int = 0) -> tuple[float, float]:
    """95% percentile interval of the ROC AUC over bootstrap resamples that hold both classes."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed)
    aucs = []
    for _ in range(rounds):
        idx = rng.integers(0, len(y), len(y))
        if len(np.unique(y[idx])) == 2:
            aucs.append(roc_auc_score(y[idx], p[idx]))
    if not aucs:
        return float("nan"), float("nan")
    return float(np.percentile(aucs, 2.5)), float(np.percentile(aucs, 97.5))


def metrics(labels: Sequence[int], scores: Sequence[Optional[float]], threshold: float = 0.5) -> dict:
    """Video-level metrics over the scored videos (a video with no score is counted and left out)."""
    from sklearn.metrics import accuracy_score, log_loss, roc_auc_score

    keep = [i for i, s in enumerate(scores) if s is not None]
    y = np.asarray([labels[i] for i in keep], dtype=int)
    p = np.asarray([scores[i] for i in keep], dtype=float)  # unclipped: clipping would tie saturated scores
    out = {"videos": len(labels), "scored": len(keep), "threshold": threshold}
    if len(keep) == 0:
        return out
    out["accuracy"] = float(accuracy_score(y, p >= threshold))
    if len(np.unique(y)) == 2:
        low, high = bootstrap_auc(y, p)
        clipped = np.clip(p, 1e-6, 1 - 1e-6)
        out.update(auc=float(roc_auc_score(y, p)), auc_ci95=[low, high],
                   log_loss=float(log_loss(y, clipped, labels=[0, 1])))
    return out


def run_benchmark(videos: list[LabelledVideo], detectors: dict[str, Callable[[Path], float]],
                  on_progress: Progress = no_progress) -> list[ModelScores]:
    """Each detector on each video; the ensemble (mean of probabilities) when there are several detectors."""
    if not videos:
        raise ModelsError("The benchmark set holds no videos.")
    results = []
    total = len(videos) * len(detectors)
    for m, (name, score) in enumerate(detectors.items()):
        scores, errors = [], []
        for i, video in enumerate(videos):
            on_progress(f"{name}: video {i + 1} of {len(videos)}", (m * len(videos) + i) / total)
            try:
                scores.append(float(score(video.path)))
                errors.append(None)
            except ModelsError as exc:
                scores.append(None)
                errors.append(str(exc))
        results.append(ModelScores(name, scores, errors))
    if len(results) > 1:
        results.append(_ensemble(results))
    labels = [v.label for v in videos]
    for r in results:
        r.metrics = metrics(labels, r.scores)
    return results


def _ensemble(results: list[ModelScores]) -> ModelScores:
    scores, errors = [], []
    for per_video in zip(*(r.scores for r in results)):
        got = [s for s in per_video if s is not None]
        scores.append(float(np.mean(got)) if len(got) == len(per_video) else None)
        errors.append(None if len(got) == len(per_video) else "a member could not score this video")
    return ModelScores("ensemble(" + " + ".join(r.model for r in results) + ")", scores, errors)


def roc_png(videos: list[LabelledVideo], results: list[ModelScores]) -> bytes:
    """ROC curves of every detector on the set, with AUC and its interval in the legend."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from sklearn.metrics import roc_curve

    fig, ax = plt.subplots(figsize=(5.5, 5), dpi=100)
    for r in results:
        keep = [i for i, s in enumerate(r.scores) if s is not None]
        y = [videos[i].label for i in keep]
        if len(set(y)) < 2:
            continue
        fpr, tpr, _ = roc_curve(y, [r.scores[i] for i in keep])
        low, high = r.metrics.get("auc_ci95", [float("nan")] * 2)
        ax.plot(fpr, tpr, label=f"{r.model}: AUC {r.metrics['auc']:.2f} [{low:.2f}, {high:.2f}]")
    ax.plot([0, 1], [0, 1], "--", color="#999")
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC on the benchmark set")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()
