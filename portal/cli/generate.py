"""`flask generate`: a face swap without the portal, labelled and watermarked like the portal's."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


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
    from portal.offline import generate_offline

    try:
        result = generate_offline(source, target, out, swapper, faces, reference, source_face, face_finder,
                                  current_app.config["MODELS_DIR"])
    except Exception as exc:  # av's EOFError is a builtin EOFError, which click would print as "Aborted!"
        from models.errors import ModelsError

        reason = str(exc) if isinstance(exc, ModelsError) else f"generation failed ({type(exc).__name__}: {exc})"
        raise click.ClickException(reason) from exc
    click.echo(f"{out}: {result.frames} frames, {result.faces_swapped} faces swapped in {result.seconds:.1f} s")
