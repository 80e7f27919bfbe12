"""`flask detector ...`: the lab's detectors from the command line (list, import, set the default; training in
training_cli.py). Calibrate and benchmark score videos, so they run in a worker's process: workers/cli.py."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from models.errors import ModelsError
from portal.db import DetectorModel
from portal.detectors import registry
from portal.extensions import db
from portal.storage import app_storage

detector_cli = AppGroup("detector", help="The lab's detectors: registry, training, calibration, benchmark.")


def _fail_clearly(action):
    try:
        result = action()
        db.session.commit()
        return result
    except (ModelsError, registry.RegistryError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc


@detector_cli.command("list")
def list_detectors():
    """Registered detectors with their metrics."""
    for row in db.session.execute(select(DetectorModel).order_by(DetectorModel.name)).scalars():
        metrics = {k: round(v, 3) for k, v in (row.metrics or {}).items() if isinstance(v, float)}
        flags = ("default " if row.is_default else "") + ("active" if row.active else "disabled")
        click.echo(f"{row.name:28s} {row.architecture:28s} {flags:15s} {metrics}")


@detector_cli.command("import-torch")
@click.argument("checkpoint", type=click.Path(exists=True, dir_okay=False))
@click.option("--name", default=None, help="Registry name (default: the file's stem).")
@click.option("--dataset", default="", help="What it was trained on (for its model card).")
def import_torch(checkpoint, name, dataset):
    """Register an earlier project's ResNeXt50+LSTM checkpoint (checked with strict loading)."""
    from models.torchnets.resnext_lstm import load_checkpoint
    from models.weights import sha256_file

    path = Path(checkpoint)
    try:
        _, info = load_checkpoint(path)
    except ModelsError as exc:
        raise click.ClickException(str(exc)) from exc
    seq = info.get("sequence_length")
    row = _fail_clearly(lambda: registry.register_file(
        name or path.stem, "resnext_lstm", path, app_storage(),
        sha256=sha256_file(path), backbone="ResNeXt50-32x4d (ImageNet trunk)",
        head=f"LSTM(2048, no bias) -> Linear(2048, 2), class 1 = REAL; {seq} frames", dataset=dataset,
        metrics={"sequence_length": seq}))
    click.echo(f"registered {row.name}: sha256 {row.weights_sha256}, sequence length {seq}")


@detector_cli.command("set-default")
@click.argument("name")
def set_default(name):
    """The detector preselected on the detection page."""
    _fail_clearly(lambda: registry.set_default(name))
    click.echo(f"{name} is the default detector")
