"""Evaluation of a trained head (video and frame level), its plots, and its files: `.keras` + a JSON model card."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Optional

import numpy as np

from models.errors import WeightsMismatch, WeightsMissing
from models.weights import sha256_file

LABELS = "output = P(fake); label 1 = FAKE, 0 = REAL"


def equal_error_rate(y: np.ndarray, p: np.ndarray) -> float:
    """The error rate where the false-positive rate equals the false-negative rate (interpolated on the ROC)."""
    from sklearn.metrics import roc_curve

    fpr, tpr, _ = roc_curve(y, p)
    fnr = 1.0 - tpr
    i = int(np.nanargmin(np.abs(fnr - fpr)))
    if i > 0 and (fnr[i] - fpr[i]) * (fnr[i - 1] - fpr[i - 1]) < 0:
        a, b = fnr[i - 1] - fpr[i - 1], fnr[i] - fpr[i]
        t = a / (a - b)
        return float(fpr[i - 1] + t * (fpr[i] - fpr[i - 1]))
    return float((fpr[i] + fnr[i]) / 2)


def binary_metrics(y, p, threshold: float = 0.5) -> dict:
    """Accuracy, ROC AUC, log loss, EER, average precision and confusion matrix (AUC etc. None for one class)."""
    from sklearn.metrics import accuracy_score, average_precision_score, confusion_matrix, log_loss, roc_auc_score

    y, p = np.asarray(y, int), np.clip(np.asarray(p, float), 1e-7, 1 - 1e-7)
    both = len(set(y.tolist())) == 2
    return {
        "n": int(len(y)), "fake": int(y.sum()), "threshold": threshold,
        "accuracy": float(accuracy_score(y, p >= threshold)),
        "roc_auc": float(roc_auc_score(y, p)) if both else None,
        "log_loss": float(log_loss(y, p, labels=[0, 1])),
        "eer": equal_error_rate(y, p) if both else None,
        "average_precision": float(average_precision_score(y, p)) if both else None,
        "confusion_matrix": confusion_matrix(y, p >= threshold, labels=[0, 1]).tolist(),
    }


def predict(model, x: np.ndarray, m: np.ndarray, batch_size: int = 64) -> tuple[np.ndarray, Optional[np.ndarray]]:
    """Video P(fake) (V,), and per-frame P(fake) (V, T) for heads that score frames (else None)."""
    from models.heads import frame_model

    video = np.asarray(model.predict([x, m], batch_size=batch_size, verbose=0)).reshape(-1)
    per_frame = frame_model(model)
    frames = None if per_frame is None else np.asarray(per_frame.predict(x, batch_size=batch_size, verbose=0))
    return video, None if frames is None else frames.reshape(len(x), -1)


def evaluate_head(model, x: np.ndarray, m: np.ndarray, y: np.ndarray) -> dict:
    """Metrics at video level, and at frame level (frames with a face, video's label) when the head scores frames."""
    video, frames = predict(model, x, m)
    out = {"video": binary_metrics(y, video), "frame": None, "aggregation": "head output"}
    if frames is not None:
        fy = np.repeat(np.asarray(y), m.shape[1]).reshape(m.shape)[m]
        out["frame"] = binary_metrics(fy, frames[m])
        out["aggregation"] = "mean of per-frame P(fake) over frames with a face"
    return out


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt, *plt.subplots(figsize=(4.5, 4), dpi=100)


def plot_confusion(matrix, path: Path, title: str = "Confusion matrix") -> Path:
    """A 2x2 confusion matrix (rows: true REAL/FAKE, columns: predicted) as PNG."""
    plt, fig, ax = _figure()
    ax.imshow(np.asarray(matrix), cmap="Blues")
    for (i, j), v in np.ndenumerate(np.asarray(matrix)):
        ax.text(j, i, str(v), ha="center", va="center", fontsize=14)
    ax.set_xticks([0, 1], ["REAL", "FAKE"]), ax.set_yticks([0, 1], ["REAL", "FAKE"])
    ax.set_xlabel("predicted"), ax.set_ylabel("true"), ax.set_title(title)
    fig.tight_layout(), fig.savefig(path), plt.close(fig)
    return Path(path)


def plot_roc(y, p, path: Path, title: str = "ROC") -> Path:
    """ROC curve with its AUC as PNG."""
    from sklearn.metrics import roc_auc_score, roc_curve

    plt, fig, ax = _figure()
    fpr, tpr, _ = roc_curve(y, p)
    ax.plot(fpr, tpr, label=f"AUC {roc_auc_score(y, p):.3f}"), ax.plot([0, 1], [0, 1], "k--", lw=0.8)
    ax.set_xlabel("false positive rate"), ax.set_ylabel("true positive rate"), ax.set_title(title), ax.legend()
    fig.tight_layout(), fig.savefig(path), plt.close(fig)
    return Path(path)


def plot_history(history: dict, path: Path) -> Path:
    """Training and validation loss per epoch as PNG."""
    plt, fig, ax = _figure()
    for key in ("loss", "val_loss", "auc", "val_auc"):
        if key in history:
            ax.plot(range(1, len(history[key]) + 1), history[key], label=key)
    ax.set_xlabel("epoch"), ax.set_title("Training curves"), ax.legend()
    fig.tight_layout(), fig.savefig(path), plt.close(fig)
    return Path(path)


def save_plots(model, test, history: dict, out_dir: Path, name: str) -> dict[str, Path]:
    """Confusion matrix and ROC of the test split (video level) and the training curves."""
    out_dir.mkdir(parents=True, exist_ok=True)
    x, m, y = test
    video, _ = predict(model, x, m)
    paths = {"history_plot": plot_history(history, out_dir / f"{name}_history.png")}
    if len(y):
        paths["confusion_plot"] = plot_confusion(binary_metrics(y, video)["confusion_matrix"],
                                                 out_dir / f"{name}_confusion.png")
    if len(set(np.asarray(y).tolist())) == 2:
        paths["roc_plot"] = plot_roc(y, video, out_dir / f"{name}_roc.png")
    return paths


def save_model(model, card: dict, out_dir: Path, name: str) -> dict[str, Path]:
    """Write <name>.keras and <name>.json (the card, with the model file's sha256); returns both paths."""
    import keras

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model_path, card_path = out_dir / f"{name}.keras", out_dir / f"{name}.json"
    model.save(model_path)
    full = {**card, "name": name, "labels": LABELS, "keras_version": keras.__version__,
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "weights_file": model_path.name, "weights_sha256": sha256_file(model_path)}
    card_path.write_text(json.dumps(full, indent=2, default=float))
    return {"model": model_path, "card": card_path}


def load_model(path: Path):
    """(model, card) from a .keras file and its .json card, refusing a model file the card does not describe."""
    import keras

    path = Path(path)
    card_path = path.with_suffix(".json")
    if not path.is_file() or not card_path.is_file():
        raise WeightsMissing(f"The trained model {path.name} or its card {card_path.name} is missing.")
    card = json.loads(card_path.read_text())
    if card.get("weights_sha256") != sha256_file(path):
        raise WeightsMismatch(f"{path.name} is not the file its model card describes (sha256 differs).")
    return keras.models.load_model(path), card
