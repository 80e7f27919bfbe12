"""`flask generate`: a face swap without the portal, labelled and watermarked like the portal's."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Optional

import click
from flask import current_app
from flask.cli import with_appcontext

from models.weights import sha256_file
from portal.reports.summary import PORTAL


@click.command("generate")
@with_appcontext
@click.option("--source", required=True, type=click.Path(exists=True, dir_okay=False), help="Source photo.")
@click.option("--target", required=True, type=click.Path(exists=True, dir_okay=False), help="Target video.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Output .mp4.")
@click.option("--swapper", default="classical", show_default=True)
@click.option("--faces", type=click.Choice(["all", "largest", "reference"]), default="all", show_default=True)
@click.option("--reference", type=click.Path(exists=True, dir_okay=False), default=None)
@click.option("--source-face", type=int, default=None, help="Which face of the source photo (1 = largest).")
@click.option("--face-finder", default="mtcnn", show_default=True)
def generate_command(source, target, out, swapper, faces, reference, source_face, face_finder):
    """Run a face swap without the portal (labelled, watermarked with 0, manifest embedded)."""
    try:
        result = generate_offline(source, target, out, swapper, faces, reference, source_face, face_finder,
                                  current_app.config["MODELS_DIR"])
    except Exception as exc:  # av's EOFError is a builtin EOFError, which click would print as "Aborted!"
        from models.errors import ModelsError

        reason = str(exc) if isinstance(exc, ModelsError) else f"generation failed ({type(exc).__name__}: {exc})"
        raise click.ClickException(reason) from exc
    click.echo(f"{out}: {result.frames} frames, {result.faces_swapped} faces swapped in {result.seconds:.1f} s")


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
