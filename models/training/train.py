"""Train a head on cached features: class weights, early stopping, tqdm progress; and the whole run end to end."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from models.types import Progress, no_progress

Split = tuple[np.ndarray, np.ndarray, np.ndarray]  # X (V, T, D), M (V, T), y (V,)


@dataclass
class TrainSettings:
    """Optimiser and stopping settings of one training run."""

    epochs: int = 60
    batch_size: int = 16
    learning_rate: float = 1e-3
    patience: int = 8
    seed: int = 0
    progress_bar: bool = True


@dataclass
class TrainRun:
    """What one training run learns from, where it writes, and how it makes its features."""

    dataset: Path  # labels.csv, DFDC, Celeb-DF, FaceForensics++ or real/ + fake/ folders
    out_dir: Path  # model, card and plots
    preset: str  # head preset (models.heads.PRESETS)
    models_dir: Path
    cache_dir: Path  # cached features, keyed by video, backbone, frames and face finder
    backbone: Optional[str] = None  # None: the preset's
    n_frames: int = 20
    face_finder: str = "auto"
    allow_random: bool = False  # tests only: features of a backbone without its ImageNet weights
    normalize: bool = True


def class_weights(y: np.ndarray) -> dict[int, float]:
    """Balanced class weights n / (2 * count), so each class weighs the same in the loss."""
    y = np.asarray(y, int)
    counts = np.bincount(y, minlength=2)
    return {c: float(len(y) / (2 * counts[c])) if counts[c] else 0.0 for c in (0, 1)}


def _progress_callback(epochs: int, on_progress: Progress, progress_bar: bool):
    """A Keras callback that advances a tqdm bar in the terminal and on_progress per epoch."""
    import keras
    from tqdm import tqdm

    class EpochProgress(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.bar = tqdm(total=epochs, desc="training", unit="epoch", disable=not progress_bar)

        def on_epoch_end(self, epoch, logs=None):
            shown = {k: f"{v:.3f}" for k, v in (logs or {}).items() if k in ("loss", "val_loss", "val_auc", "auc")}
            self.bar.set_postfix(shown)
            self.bar.update(1)
            on_progress("training", (epoch + 1) / epochs)

        def on_train_end(self, logs=None):
            self.bar.close()

    return EpochProgress()


def adapt_normalization(model, x: np.ndarray, m: np.ndarray) -> bool:
    """Set the head's feature standardisation (if it has one) from the training frames that hold a face."""
    from models.heads.recurrent import NORMALIZATION

    try:
        layer = model.get_layer(NORMALIZATION)
    except ValueError:
        return False
    layer.adapt(x[m][:, None, :])  # frames as (K, 1, D): the layer was built for (batch, T, D)
    return True


def train_head(model, train: Split, val: Optional[Split] = None, settings: Optional[TrainSettings] = None,
               on_progress: Progress = no_progress) -> dict[str, list[float]]:
    """Fit a head (binary cross-entropy, Adam) with class weights and early stopping; returns the history."""
    import keras

    s = settings or TrainSettings()
    keras.utils.set_random_seed(s.seed)
    adapt_normalization(model, train[0], train[1])
    model.compile(optimizer=keras.optimizers.Adam(s.learning_rate), loss="binary_crossentropy",
                  metrics=[keras.metrics.AUC(name="auc"), keras.metrics.BinaryAccuracy(name="accuracy")])
    monitor = "val_loss" if val is not None else "loss"
    callbacks = [keras.callbacks.EarlyStopping(monitor=monitor, patience=s.patience, restore_best_weights=True),
                 _progress_callback(s.epochs, on_progress, s.progress_bar)]
    x, m, y = train
    history = model.fit([x, m], y.astype(np.float32), validation_data=None if val is None else
                        ([val[0], val[1]], val[2].astype(np.float32)), epochs=s.epochs, batch_size=s.batch_size,
                        class_weight=class_weights(y), callbacks=callbacks, shuffle=True, verbose=0)
    return {k: [float(v) for v in vals] for k, vals in history.history.items()}


def _split_features(parts, backbone, finder, n_frames, cache_dir, on_progress):
    """Features of each split; skipped videos (no face, unreadable) are counted, not fatal."""
    from models.training.features import dataset_features

    out, skipped = [], []
    for name, part in zip(("train", "validation", "test"), parts):
        x, m, y, skip = dataset_features(part, backbone, finder, n_frames, cache_dir=cache_dir,
                                         on_progress=lambda st, f, n=name: on_progress(f"features ({n})", f))
        out.append((x, m, y))
        skipped += skip
    return out, skipped


def _card(net, finder, config, run: TrainRun, settings: TrainSettings, splits, skipped: int) -> dict:
    """What a model card says of the run before its metrics: architecture, backbone, head, dataset."""
    from models.training.datasets import detect_layout

    sizes = {name: int(len(part[2])) for name, part in zip(("train", "validation", "test"), splits)}
    return {"architecture": f"{net.name} + {config['kind']} head", "backbone": net.identity,
            "backbone_pretrained": net.pretrained, "head_preset": run.preset, "head": config, "frames": run.n_frames,
            "face_finder": finder.name, "settings": asdict(settings),
            "dataset": {"path": str(run.dataset), "layout": detect_layout(run.dataset), "videos": sizes,
                        "skipped": skipped}}


def train_detector(run: TrainRun, settings: Optional[TrainSettings] = None,
                   on_progress: Progress = no_progress) -> dict:
    """Dataset folder -> split -> cached features -> trained head -> test metrics, plots, .keras + model card."""
    from models.backbones import load_backbone
    from models.faces import get_face_finder
    from models.heads import build_head, head_config
    from models.training.datasets import DatasetError, load_dataset, stratified_split
    from models.training.evaluate import evaluate_head, save_model, save_plots

    settings = settings or TrainSettings()
    config = head_config(run.preset, frames=run.n_frames, backbone=run.backbone, normalize=run.normalize)
    net = load_backbone(config["backbone"], run.models_dir, allow_random=run.allow_random)
    config["dim"] = net.dim
    finder = get_face_finder(run.face_finder, run.models_dir)
    parts = stratified_split(load_dataset(run.dataset), seed=settings.seed)
    (train, val, test), skipped = _split_features(parts, net, finder, run.n_frames, run.cache_dir, on_progress)
    if len(set(train[2].tolist())) < 2 or not len(test[2]):
        raise DatasetError(f"Too few usable videos in {run.dataset} ({len(skipped)} without a face or unreadable): "
                           "training needs both classes in the training split and a test split.")
    import keras

    keras.utils.set_random_seed(settings.seed)
    model = build_head(config)
    history = train_head(model, train, val if len(val[2]) else None, settings, on_progress)
    metrics = evaluate_head(model, *test)
    card = _card(net, finder, config, run, settings, (train, val, test), len(skipped))
    card.update(metrics=metrics, history=history)
    out_dir = Path(run.out_dir)
    paths = save_model(model, card, out_dir, name=run.preset)
    paths.update(save_plots(model, test, history, out_dir, name=run.preset))
    return {"paths": {k: str(v) for k, v in paths.items()}, "metrics": metrics, "card": card}
