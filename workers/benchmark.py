"""Benchmark jobs: every chosen detector (and their ensemble) on a labelled set; results kept with the job."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from models.benchmark import GENERATED_SET, LabelledVideo, available_sets, folder_set, roc_png, run_benchmark
from models.errors import ModelsError
from models.types import Progress, no_progress
from portal.db import Artifact, Job
from portal.extensions import db
from portal.storage import Storage
from workers.context import JobContext
from workers.detectors import load_runner


def generated_set(storage: Storage) -> list[LabelledVideo]:
    """Outputs of succeeded generation jobs (label 1) and the target videos they were made from (label 0)."""
    jobs = db.session.execute(select(Job).where(Job.kind == "generation", Job.status == "succeeded")
                              .order_by(Job.id)).scalars().all()
    videos, seen = [], set()
    for job in jobs:
        for role, label in (("output_video", 1), ("target_video", 0)):
            a: Artifact | None = job.artifact(role)
            if a is not None and a.sha256 not in seen:
                seen.add(a.sha256)
                videos.append(LabelledVideo(storage.path(a.storage_key), label, f"job {job.id} {role}"))
    db.session.close()
    return videos


def dataset(name: str, config) -> list[LabelledVideo]:
    """A named set: the generated set, or DATASETS_DIR/<name>/{real,fake} (names are listed, never paths)."""
    if name == GENERATED_SET:
        return generated_set(Storage(config["STORAGE_DIR"]))
    root = Path(config["DATASETS_DIR"])
    if name not in available_sets(root):
        raise ModelsError(f"There is no benchmark set called {name!r}.")
    return folder_set(root / name / "real", root / name / "fake")


def score_with(name: str, config, params: dict[str, Any]):
    """path -> P(fake) of one detector (calibrated when the model has a calibration)."""
    from workers.detection import calibrated

    runner = load_runner(name, config)

    def score(path: Path) -> float:
        p = runner.detect(path, params, no_progress).fake_probability
        cal, _ = calibrated(name, p)
        return cal if cal is not None else p

    return score


def benchmark(videos: list[LabelledVideo], names: list[str], config, params: dict[str, Any],
              on_progress: Progress = no_progress) -> tuple[dict[str, Any], bytes]:
    """The result record (metrics and every video's score per detector) and the ROC plot."""
    results = run_benchmark(videos, {n: score_with(n, config, params) for n in names}, on_progress)
    record = {
        "videos": [{"path": v.path.name, "label": v.label, "source": v.source} for v in videos],
        "models": [{"model": r.model, "metrics": r.metrics, "scores": r.scores, "errors": r.errors}
                   for r in results],
    }
    return record, roc_png(videos, results)


def run(ctx: JobContext) -> None:
    ctx.progress("collecting the set", 0.0)
    videos = dataset(ctx.params["set"], ctx.config)
    record, plot = benchmark(videos, ctx.params["detectors"], ctx.config, {"frames": ctx.params.get("frames", 16)},
                             on_progress=lambda stage, f: ctx.progress(stage, 0.02 + 0.95 * f))
    record["set"] = ctx.params["set"]
    ctx.store_bytes("plot", plot, "image/png", "ROC")
    ctx.store_bytes("report_json", json.dumps(record, indent=2).encode(), "application/json", "benchmark")
    ctx.succeed({"set": ctx.params["set"], "videos": len(videos),
                 "models": [{"model": m["model"], **m["metrics"]} for m in record["models"]]})
