"""Model-check jobs: load an uploaded model strictly on a worker; enable it only if it loads."""

from __future__ import annotations

from portal import audit
from portal.db import DetectorModel
from portal.extensions import db
from workers import model_cache
from workers.context import JobContext
from workers.detectors import REGISTERED_RUNNERS


def run(ctx: JobContext) -> None:
    ctx.progress("loading the model", 0.2)
    row = db.session.get(DetectorModel, ctx.params["detector_model"])
    runner = REGISTERED_RUNNERS[row.architecture](row, ctx.config)  # raises WeightsMismatch with the reason
    row.active = True
    audit.record("detector.checked", None, row, name=row.name, sha256=row.weights_sha256)
    model_cache.get(("runner", row.name, ctx.config["MODELS_DIR"]), lambda: runner)
    ctx.succeed({"model": row.name, "checked": True})
