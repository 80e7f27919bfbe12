"""`flask generate`: the swap pipeline without the portal, with the same labels and provenance."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Optional

from flask import current_app

from models.weights import sha256_file
from portal.reports.summary import PORTAL


def generate_offline(source: str, target: str, out: str, swapper_name: str, faces: str, reference: Optional[str],
                     source_face: Optional[int], face_finder: str, models_dir: str):
    """Swap source onto target into out, signed with the lab's Content Credentials (C2PA) like the worker's
    outputs; the watermark payload is 0 (no portal job). Runs in the Flask app context (the signing settings)."""
    from tqdm import tqdm

    from models.faces import get_face_finder
    from models.pipelines.generate import SwapRequest, generate_video
    from models.provenance.c2pa import sign_credentials
    from models.provenance.manifest import build_manifest
    from models.swappers import get_swapper
    from models.swappers.base import resolve, weights_sha256

    swapper = get_swapper(swapper_name, Path(models_dir))
    manifest = build_manifest(
        portal=f"{PORTAL} (command line)", job_id=None, requester=getpass.getuser(), approver=None,
        swapper=swapper.name, weights_sha256=weights_sha256(resolve(swapper.needs, Path(models_dir), None)),
        inputs_sha256={"source_photo": sha256_file(Path(source)), "target_video": sha256_file(Path(target))},
    )
    bar = tqdm(total=100, unit="%", desc="swapping")

    def progress(stage: str, fraction: float) -> None:
        bar.set_description(stage)
        bar.n = round(fraction * 100)
        bar.refresh()

    try:
        finder = get_face_finder(face_finder, Path(models_dir))
        request = SwapRequest(Path(source), Path(target), Path(out), 0, manifest, select=faces,
                              reference=Path(reference) if reference else None,
                              source_face_index=source_face - 1 if source_face else None)
        result = generate_video(request, swapper, finder, on_progress=progress)
    finally:
        bar.close()
    sign_credentials(Path(out), manifest, current_app.config)  # C2PA Content Credentials, as the worker signs
    return result
