"""`flask detector train` and `flask detector evaluate`: the lab's CNN+RNN detectors, registered with their metrics."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app

from models.errors import ModelsError
from portal.detectors import registry
from portal.detectors.cli import _fail_clearly, detector_cli
from portal.storage import Storage, app_storage


def _flat(metrics: dict) -> dict:
    """The registry's flat metrics: video-level numbers, plus frame-level AUC when the head scores frames."""
    video = metrics.get("video") or {}
    out = {k: v for k, v in video.items() if isinstance(v, (int, float)) and v is not None}
    out["auc"] = video.get("roc_auc")
    if metrics.get("frame"):
        out["frame_auc"] = metrics["frame"].get("roc_auc")
    return {k: v for k, v in out.items() if v is not None}


def _register(model_path: Path, card: dict, name: str, metrics: dict, dataset: str):
    return registry.register_file(
        name, "keras_head", model_path, app_storage(), sha256=card["weights_sha256"],
        backbone=card["head"]["backbone"], head=card["head_preset"], dataset=dataset,
        metrics={**_flat(metrics), "frames": card["frames"], "backbone_pretrained": card["backbone_pretrained"],
                 "head_config": card["head"]}, replace=True)


@detector_cli.command("train")
@click.argument("dataset", type=click.Path(exists=True, file_okay=False))
@click.option("--recipe", type=click.Choice(["head", "sbi", "consistency"]), default="head", show_default=True,
              help="head: a GRU/LSTM/frame head on backbone features; sbi: self-blended images; consistency: the "
                   "blend-consistency measurements (see models/training).")
@click.option("--folds", default=4, show_default=True, help="sbi: grouped cross-validation folds.")
@click.option("--preset", default="densenet169_gru", show_default=True, help="Head preset (see models/heads).")
@click.option("--backbone", default=None, help="Backbone (default: the preset's).")
@click.option("--frames", default=20, show_default=True)
@click.option("--name", default=None, help="Registry name (default: the preset).")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False), help="Where plots and model go.")
@click.option("--epochs", default=60, show_default=True)
@click.option("--face-finder", default="auto", show_default=True)
@click.option("--allow-random-backbone", is_flag=True, help="Tests only: train on features of a random backbone.")
def train(dataset, recipe, folds, preset, backbone, frames, name, out_dir, epochs, face_finder,
          allow_random_backbone):
    """Train a detector on DATASET (labels.csv, DFDC, Celeb-DF, FaceForensics++ or real/ + fake/) and register it."""
    from models.training.train import TrainRun, TrainSettings, train_detector

    cfg = current_app.config
    if recipe == "consistency":
        return _train_consistency(Path(dataset), name or "consistency_lab", out_dir, folds, face_finder)
    if recipe == "sbi":
        return _train_sbi(Path(dataset), name or "sbi_lab", out_dir, folds, face_finder,
                          epochs if epochs != 60 else None)
    out = Path(out_dir or Path(cfg["STORAGE_DIR"]).parent / "training" / (name or preset))
    try:
        run = train_detector(TrainRun(Path(dataset), out, preset, models_dir=Path(cfg["MODELS_DIR"]),
                                      cache_dir=Path(cfg["STORAGE_DIR"]).parent / "feature-cache", backbone=backbone,
                                      n_frames=frames, face_finder=face_finder, allow_random=allow_random_backbone),
                             TrainSettings(epochs=epochs))
    except ModelsError as exc:
        raise click.ClickException(str(exc)) from exc
    card = json.loads(Path(run["paths"]["card"]).read_text())  # the saved card holds the model file's sha256
    row = _fail_clearly(lambda: _register(Path(run["paths"]["model"]), card, name or preset, run["metrics"],
                                          f"{Path(dataset).name} ({card['dataset']['layout']}, test split)"))
    click.echo(json.dumps({"registered": row.name, "metrics": _flat(run["metrics"]), "files": run["paths"]},
                          indent=2, default=str))


@detector_cli.command("evaluate")
@click.argument("model_file", type=click.Path(exists=True, dir_okay=False))
@click.argument("dataset", type=click.Path(exists=True, file_okay=False))
@click.option("--name", default=None, help="Registry name (default: the file's stem).")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False))
@click.option("--face-finder", default="auto", show_default=True)
def evaluate(model_file, dataset, name, out_dir, face_finder):
    """Evaluate a trained model (.keras + its .json card) on every video of DATASET and register the metrics."""
    from models.backbones import load_backbone
    from models.faces import get_face_finder
    from models.training.datasets import load_dataset
    from models.training.evaluate import evaluate_head, load_model, save_plots
    from models.training.features import dataset_features

    cfg = current_app.config
    try:
        model, card = load_model(Path(model_file))
        net = load_backbone(card["head"]["backbone"], Path(cfg["MODELS_DIR"]),
                            allow_random=not card["backbone_pretrained"])
        x, m, y, skipped = dataset_features(load_dataset(Path(dataset)), net, get_face_finder(face_finder, Path(
            cfg["MODELS_DIR"])), card["frames"], cache_dir=Path(cfg["STORAGE_DIR"]).parent / "feature-cache")
    except ModelsError as exc:
        raise click.ClickException(str(exc)) from exc
    metrics = evaluate_head(model, x, m, y)
    plots = save_plots(model, (x, m, y), {}, Path(out_dir or Path(model_file).parent), Path(model_file).stem)
    row = _fail_clearly(lambda: _register(Path(model_file), card, name or Path(model_file).stem, metrics,
                                          f"{Path(dataset).name} (all {len(y)} videos)"))
    click.echo(json.dumps({"registered": row.name, "metrics": _flat(metrics), "skipped": len(skipped),
                           "plots": {k: str(v) for k, v in plots.items()}}, indent=2))


def _train_sbi(dataset: Path, name: str, out_dir, folds: int, face_finder: str, epochs) -> None:
    """Self-blended images on DATASET: grouped cross-validation, cross-kind test, final model, registration."""
    from models.faces import get_face_finder
    from models.training.datasets import load_dataset
    from models.training.facebank import FaceBank
    from models.training.sbi_experiment import run
    from models.training.sbi_recipe import RecipeSettings

    cfg = current_app.config
    instance = Path(cfg["STORAGE_DIR"]).parent
    out = Path(out_dir or instance / "training" / name)
    settings = RecipeSettings() if epochs is None else RecipeSettings(epochs=epochs)
    try:
        finder = get_face_finder(face_finder, Path(cfg["MODELS_DIR"]))
        card = run(load_dataset(dataset), FaceBank(instance / "facebank", finder), out, settings, folds=folds,
                   on_step=click.echo)
    except ModelsError as exc:
        raise click.ClickException(str(exc)) from exc
    row = _fail_clearly(lambda: _register_sbi(out / "weights.pt", card, name, dataset.name))
    click.echo(json.dumps({"registered": row.name, "files": str(out),
                           "metrics": card["metrics"]["cross_validated"]["all"]}, indent=2, default=str))


def _register_sbi(weights: Path, card: dict, name: str, dataset: str):
    from models.detectors import headline_metrics

    row = registry.register_file(
        name, "sbi_frame", weights, app_storage(), sha256=card["weights_sha256"],
        backbone="mobilenet_v2", head="sbi", dataset=f"{dataset} (recipe sbi)",
        metrics={**headline_metrics(card), "measured_on": card["measured_on"],
                 "inconclusive_band": card["inconclusive_band"]}, replace=True)
    row.calibration = card["calibration"]
    return row


def _train_consistency(dataset: Path, name: str, out_dir, folds: int, face_finder: str) -> None:
    """The blend-consistency detector on DATASET's face bank: grouped CV, cross-kind test, final fit, registration."""
    from models.faces import get_face_finder
    from models.training.consistency import run
    from models.training.datasets import load_dataset
    from models.training.facebank import FaceBank

    cfg = current_app.config
    instance = Path(cfg["STORAGE_DIR"]).parent
    out = Path(out_dir or instance / "training" / name)
    try:
        bank = FaceBank(instance / "facebank", get_face_finder(face_finder, Path(cfg["MODELS_DIR"])))
        samples = load_dataset(dataset)
        bank.fill([s.path for s in samples])
        card = run(samples, bank, out, folds=folds, on_step=click.echo)
    except ModelsError as exc:
        raise click.ClickException(str(exc)) from exc
    from models.detectors import headline_metrics
    from models.weights import sha256_file

    path = out / "blend_consistency.json"
    row = _fail_clearly(lambda: registry.register_file(
        name, "consistency", path, Storage(cfg["STORAGE_DIR"]), sha256=sha256_file(path), backbone="",
        head="logistic regression", dataset=f"{dataset.name} (recipe consistency)",
        metrics={**headline_metrics(card), "measured_on": card["measured_on"],
                 "inconclusive_band": card["inconclusive_band"]}, replace=True))
    click.echo(json.dumps({"registered": row.name, "files": str(out),
                           "metrics": card["metrics"]["cross_validated"]["all"]}, indent=2, default=str))
