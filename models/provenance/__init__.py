"""What every generated video carries: a visible label, an invisible watermark with the job id, a manifest."""

from __future__ import annotations

from models.provenance.manifest import build_manifest, read_manifest, to_metadata
from models.provenance.mark import visible_mark
from models.provenance.watermark import embed, extract, extract_video

__all__ = ["build_manifest", "embed", "extract", "extract_video", "read_manifest", "to_metadata", "visible_mark"]
