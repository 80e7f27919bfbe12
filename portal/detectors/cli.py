"""`flask detector ...`: the lab's detectors from the command line (import, train, evaluate, calibrate, benchmark)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from models.errors import ModelsError
from portal.db import DetectorModel, Job, User, utcnow
from portal.detectors import registry
from portal.extensions import db
from portal.storage import Storage

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
        name or path.stem, "resnext_lstm", path, Storage(current_app.config["STORAGE_DIR"]),
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


def _scores_on(names, real, fake, frames):
    from models.benchmark import folder_set
    from workers.benchmark import benchmark

    videos = folder_set(Path(real), Path(fake))
    return videos, benchmark(videos, list(names), current_app.config, {"frames": frames})


@detector_cli.command("calibrate")
@click.argument("name")
@click.option("--real", required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--fake", required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--method", type=click.Choice(["platt", "isotonic"]), default="platt", show_default=True)
@click.option("--frames", default=16, show_default=True)
def calibrate(name, real, fake, method, frames):
    """Fit a calibration of NAME's scores on a labelled set and store it with the model."""
    from models.calibration import fit_calibration

    videos, (record, _) = _scores_on([name], real, fake, frames)
    scores = record["models"][0]["scores"]
    pairs = [(s, v.label) for s, v in zip(scores, videos) if s is not None]
    cal = _fail_clearly(lambda: fit_calibration([s for s, _ in pairs], [y for _, y in pairs], method))
    metrics = record["models"][0]["metrics"]
    _fail_clearly(lambda: registry.record_metrics(name, name, {k: v for k, v in metrics.items()
                                                               if isinstance(v, float)},
                                                  f"{Path(real).name}+{Path(fake).name}", cal.to_dict()))
    click.echo(f"{name}: {method} calibration fitted on {len(pairs)} videos and stored")


@detector_cli.command("benchmark")
@click.option("--real", type=click.Path(exists=True, file_okay=False), help="Folder of real videos.")
@click.option("--fake", type=click.Path(exists=True, file_okay=False), help="Folder of fake videos.")
@click.option("--set", "set_name", default=None, help="'generated': the portal's own swaps against their targets.")
@click.option("--model", "names", multiple=True, help="Detector name (repeat; default: every usable one).")
@click.option("--frames", default=16, show_default=True)
@click.option("--as", "as_email", default=None, help="Account the stored result belongs to (default: first admin).")
def benchmark_command(real, fake, set_name, names, frames, as_email):
    """Score detectors (and their ensemble) on a labelled set; print and store AUC [95% CI], accuracy, log loss."""
    from portal.detectors.available import choices
    from workers.benchmark import benchmark, dataset

    names = list(names) or [n for n, _ in choices()]
    if set_name:
        videos, label = dataset(set_name, current_app.config), set_name
    elif real and fake:
        from models.benchmark import folder_set

        videos, label = folder_set(Path(real), Path(fake)), f"{Path(real).name} / {Path(fake).name}"
    else:
        raise click.ClickException("Give --real and --fake folders, or --set generated.")
    try:
        record, plot = benchmark(videos, names, current_app.config, {"frames": frames})
    except ModelsError as exc:
        raise click.ClickException(str(exc)) from exc
    _print_table(record)
    job = _store_benchmark(record, plot, label, names, frames, as_email)
    click.echo(f"stored as benchmark job {job.id}")


def _print_table(record: dict) -> None:
    click.echo(f"{'detector':48s} {'AUC':>6s} {'95% CI':>15s} {'acc':>6s} {'logloss':>8s} {'scored':>7s}")
    for m in record["models"]:
        x = m["metrics"]
        ci = x.get("auc_ci95")
        click.echo(f"{m['model'][:48]:48s} {x.get('auc', float('nan')):6.3f} "
                   f"{'[%.2f, %.2f]' % tuple(ci) if ci else '':>15s} {x.get('accuracy', float('nan')):6.3f} "
                   f"{x.get('log_loss', float('nan')):8.3f} {x['scored']:>3d}/{x['videos']:<3d}")


def _store_benchmark(record, plot, label, names, frames, as_email) -> Job:
    """A finished benchmark job owned by an admin, so the result is kept and shown in the portal."""
    from portal import audit
    from portal.accounts.users import find
    from workers.context import JobContext

    owner = find(as_email) if as_email else db.session.execute(
        select(User).where(User.role == "admin").order_by(User.id)).scalars().first()
    if owner is None:
        raise click.ClickException("No account to store the result under; create an admin first.")
    now = utcnow()
    # the work is already done here: the row records it, so the per-user running cap does not apply
    job = Job(owner=owner, kind="benchmark", status="running", params={"set": label, "detectors": names,
                                                                     "frames": frames, "from": "command line"},
              queued_at=now, started_at=now, heartbeat_at=now, worker_name="flask detector benchmark",
              stage="storing the results", attempts=1)
    db.session.add(job)
    audit.record("benchmark.run", owner, job, set=label, detectors=names)
    db.session.commit()
    ctx = JobContext(job)
    ctx.store_bytes("plot", plot, "image/png", "ROC")
    ctx.store_bytes("report_json", json.dumps({**record, "set": label}, indent=2).encode(), "application/json",
                    "benchmark")
    ctx.succeed({"set": label, "videos": len(record["videos"]),
                 "models": [{"model": m["model"], **m["metrics"]} for m in record["models"]]})
    return db.session.get(Job, job.id)
