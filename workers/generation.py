"""Generation jobs: the approved swap, labelled, watermarked with the job id, with its provenance manifest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

from sqlalchemy import select

from portal import audit
from portal.db import Job, Review, User
from portal.extensions import db
from portal.reports.summary import PORTAL
from workers import model_cache
from workers.context import JobContext
from workers.detectors import face_finder


def _swapper(name: str, models_dir: str):
    from models.swappers import get_swapper

    return model_cache.get(("swapper", name, models_dir), lambda: get_swapper(name, Path(models_dir)))


def source_face_index(ctx: JobContext, finder) -> Optional[int]:
    """The face the requester chose (a box from the portal's check), matched among this finder's faces."""
    box = ctx.params.get("source_face_box")
    if not box:
        return None
    from models.media import read_image
    from models.smoothing import iou

    faces = finder.detect([read_image(ctx.inputs["source_photo"])])[0]
    if len(faces) <= 1:
        return 0 if faces else None
    overlaps = [iou(f.box, box) for f in faces]
    return max(range(len(faces)), key=overlaps.__getitem__)


def manifest_for(ctx: JobContext, swapper) -> dict:
    from models.provenance.manifest import build_manifest
    from models.swappers.base import resolve, weights_sha256

    job = db.session.get(Job, ctx.job_id)
    review = db.session.execute(select(Review).where(Review.job_id == job.id, Review.decision == "approved")
                                .order_by(Review.id.desc())).scalars().first()
    approver = db.session.get(User, review.supervisor_id) if review else None
    weights = weights_sha256(resolve(swapper.needs, Path(ctx.config["MODELS_DIR"]), None)) if swapper.needs else {}
    manifest = build_manifest(
        portal=PORTAL, job_id=job.id, requester=f"{job.owner.name} <{job.owner.email}>",
        approver=f"{approver.name} <{approver.email}>" if approver else None, swapper=swapper.name,
        weights_sha256=weights, inputs_sha256={k: v for k, v in ctx.input_sha256.items() if k != "consent_evidence"},
        purpose=ctx.params.get("purpose", ""),
    )
    db.session.close()
    return manifest


def run(ctx: JobContext) -> None:
    from models.pipelines.generate import SwapRequest, generate_video
    from models.provenance.c2pa import sign_credentials

    models_dir = ctx.config["MODELS_DIR"]
    ctx.progress("loading models", 0.0)
    swapper = _swapper(ctx.params.get("swapper", "classical"), models_dir)
    finder = face_finder(ctx.config)  # the worker's one face finder, shared with detection jobs
    manifest = manifest_for(ctx, swapper)
    out = ctx.storage.tmp_dir() / f"generation-{ctx.job_id}.mp4"
    try:
        request = SwapRequest(ctx.inputs["source_photo"], ctx.inputs["target_video"], out, ctx.job_id, manifest,
                              select=ctx.params.get("faces", "all"), reference=ctx.inputs.get("reference_photo"),
                              source_face_index=source_face_index(ctx, finder))
        result = generate_video(request, swapper, finder, on_progress=ctx.progress)
        sign_credentials(out, manifest, ctx.config)  # C2PA Content Credentials (models/provenance/c2pa.py)
        ctx.store_file("output_video", out, "video/mp4", f"swapped video of job {ctx.job_id}")
    finally:
        out.unlink(missing_ok=True)
    ctx.store_bytes("provenance_json", json.dumps(manifest, indent=2).encode(), "application/json", "provenance")
    audit.record("generation.complete", None, db.session.get(Job, ctx.job_id), frames=result.frames,
                 faces_swapped=result.faces_swapped, watermark=ctx.job_id)
    ctx.succeed({"frames": result.frames, "frames_with_faces": result.frames_with_faces,
                 "faces_swapped": result.faces_swapped, "seconds": round(result.seconds, 2),
                 "timings": {k: round(v, 3) for k, v in result.timings.items()}, "watermark": ctx.job_id,
                 "swapper": result.swapper, "fps": result.fps, "size": f"{result.width}x{result.height}"},
                model_versions={"swapper": swapper.name, "weights_sha256": manifest["weights_sha256"]})
