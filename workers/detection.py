"""Detection jobs: load the detector once per process, run the pipeline, store the verdict and its report."""

from __future__ import annotations

import json

from portal import reports
from workers import model_cache
from workers.context import JobContext


def _detector(name: str, models_dir: str):
    from models.detectors import load_detector

    return model_cache.get(("detector", name, models_dir), lambda: load_detector(name, models_dir))


def _face_finder(name: str, models_dir: str):
    from models.faces import get_face_finder

    return model_cache.get(("faces", name, models_dir), lambda: get_face_finder(name, models_dir))


def run(ctx: JobContext) -> None:
    from models.pipelines.detect import detect_video

    models_dir = ctx.config["MODELS_DIR"]
    ctx.progress("loading models", 0.0)
    detector = _detector(ctx.params["detector"], models_dir)
    finder = _face_finder(ctx.config["DETECTION_FACE_FINDER"], models_dir)
    result = detect_video(ctx.inputs["input_video"], detector, finder, n_frames=int(ctx.params.get("frames", 32)),
                          aggregation=ctx.params.get("aggregation", "mean"), on_progress=ctx.progress)
    ctx.progress("writing the report", 0.98)
    report = reports.detection_report(result, job_id=ctx.job_id, input_sha256=ctx.input_sha256["input_video"])
    ctx.store_bytes("report_json", json.dumps(report, indent=2).encode(), "application/json")
    ctx.store_bytes("plot", reports.score_timeline_png(result), "image/png", "score timeline")
    for frame, thumb in zip(reports.scored_frames(result), result.thumbnails):
        ctx.store_bytes("thumbnail", reports.jpeg(thumb), "image/jpeg", f"frame {frame.index}")
    ctx.succeed(reports.detection_summary(result),
                model_versions={"detector": result.model, "weights_sha256": result.weights_sha256})
