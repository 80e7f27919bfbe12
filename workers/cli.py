"""The worker's `flask` commands: `flask worker`, and `flask detector calibrate|benchmark`, which score videos in
this process. wsgi.py adds them to the portal's commands, so the portal itself never imports a worker."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from portal.db import User
from portal.detectors.cli import _fail_clearly, detector_cli
from portal.extensions import db


@click.command("worker")
@with_appcontext
@click.option("--queue", "queues", multiple=True, help="Queues to serve (default: all).")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--name", default=None)
@click.option("--gpu", default=None, help="Pin this worker to one GPU (its index, as nvidia-smi counts).")
@click.option("--cpu", "cpu_only", is_flag=True, help="Run on the CPU even where a GPU is visible.")
def worker_command(queues, burst, name, gpu, cpu_only):
    """Start a worker that loads models once and runs jobs without forking (on a GPU when one is visible)."""
    if gpu is not None or cpu_only:  # before any runtime is imported: CUDA reads it once
        os.environ["CUDA_VISIBLE_DEVICES"] = "-1" if cpu_only else str(gpu).strip()
    from workers.device import current
    from workers.run import run_worker

    if gpu is not None and not cpu_only and not current().is_gpu:
        raise click.ClickException(f"--gpu {gpu}: no runtime sees that GPU (a CUDA build of torch, "
                                   f"onnxruntime-gpu or tensorflow[and-cuda] is needed; `GPU=1 make install`).")
    run_worker(current_app._get_current_object(), queues, burst=burst, name=name)


@detector_cli.command("calibrate")
@click.argument("name")
@click.option("--real", required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--fake", required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--method", type=click.Choice(["platt", "isotonic"]), default="platt", show_default=True)
@click.option("--frames", default=16, show_default=True)
def calibrate(name, real, fake, method, frames):
    """Fit a calibration of NAME's scores on a labelled set and store it with the model."""
    from models.benchmark import folder_set
    from models.calibration import fit_calibration
    from portal.detectors import registry
    from workers.benchmark import benchmark

    videos = folder_set(Path(real), Path(fake))
    record, _ = benchmark(videos, [name], current_app.config, {"frames": frames})
    scores = record["models"][0]["scores"]
    pairs = [(s, v.label) for s, v in zip(scores, videos) if s is not None]
    cal = _fail_clearly(lambda: fit_calibration([s for s, _ in pairs], [y for _, y in pairs], method))
    metrics = {k: v for k, v in record["models"][0]["metrics"].items() if isinstance(v, float)}
    _fail_clearly(lambda: registry.record_metrics(name, name, metrics, f"{Path(real).name}+{Path(fake).name}",
                                                  cal.to_dict()))
    click.echo(f"{name}: {method} calibration fitted on {len(pairs)} videos and stored")


@detector_cli.command("benchmark")
@click.option("--real", type=click.Path(exists=True, file_okay=False), help="Folder of real videos.")
@click.option("--fake", type=click.Path(exists=True, file_okay=False), help="Folder of fake videos.")
@click.option("--set", "set_name", default=None, help="'generated': the portal's own swaps against their targets.")
@click.option("--model", "names", multiple=True, help="Detector name (repeat; default: every usable one).")
@click.option("--frames", default=16, show_default=True)
@click.option("--as", "as_email", default=None, help="Account the stored result belongs to (default: first admin).")
def benchmark_command(real, fake, set_name, names, frames, as_email):
    """Score detectors (and their ensemble) on a labelled set in this process; print AUC [95% CI], accuracy and
    log loss, and keep the result in the portal as a finished benchmark job."""
    from models.benchmark import folder_set
    from models.errors import ModelsError
    from portal.detectors.available import choices
    from portal.jobs.service import record_benchmark
    from workers.benchmark import benchmark, dataset

    owner = _owner(as_email)
    names = list(names) or [n for n, _ in choices()]
    if set_name:
        label, videos = set_name, dataset(set_name, current_app.config)
    elif real and fake:
        label, videos = f"{Path(real).name} / {Path(fake).name}", folder_set(Path(real), Path(fake))
    else:
        raise click.ClickException("Give --real and --fake folders, or --set generated.")
    try:
        report, plot = benchmark(videos, names, current_app.config, {"frames": frames})
    except ModelsError as exc:
        raise click.ClickException(str(exc)) from exc
    report["set"] = label
    job = record_benchmark(owner, label, names, frames, report, plot)
    _print_table(job.result["models"])
    click.echo(f"stored as benchmark job {job.id}")


def _owner(email: str | None) -> User:
    from portal.accounts.users import find

    owner = find(email) if email else db.session.execute(
        select(User).where(User.role == "admin").order_by(User.id)).scalars().first()
    if owner is None:
        raise click.ClickException("No account to store the result under; create an admin first.")
    return owner


def _print_table(models: list[dict]) -> None:
    click.echo(f"{'detector':48s} {'AUC':>6s} {'95% CI':>15s} {'acc':>6s} {'logloss':>8s} {'scored':>7s}")
    for x in models:
        ci = x.get("auc_ci95")
        click.echo(f"{x['model'][:48]:48s} {x.get('auc', float('nan')):6.3f} "
                   f"{'[%.2f, %.2f]' % tuple(ci) if ci else '':>15s} {x.get('accuracy', float('nan')):6.3f} "
                   f"{x.get('log_loss', float('nan')):8.3f} {x['scored']:>3d}/{x['videos']:<3d}")


def register(app: Flask) -> None:
    """Add the worker's commands (calibrate and benchmark join the `detector` group on import)."""
    app.cli.add_command(worker_command)
