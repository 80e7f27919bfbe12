"""The provenance manifest of a generated video: who asked, who approved, when, which models, which inputs.

Stored as JSON in the mp4 container's `comment` tag (VideoWriter(metadata={"comment": ...})).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

SCHEMA = "lab-portal/provenance/1"
FIELDS = ("portal", "job_id", "requester", "approver", "time", "swapper", "weights_sha256", "inputs_sha256")


def build_manifest(**fields) -> dict:
    """A manifest dict: the known FIELDS (time defaults to now, UTC) plus any extra keys given."""
    unknown_ok = {k: v for k, v in fields.items() if k not in FIELDS}
    manifest = {"schema": SCHEMA, "generator": "AI-generated (face swap)"}
    manifest.update({k: fields.get(k) for k in FIELDS})
    manifest["time"] = manifest["time"] or datetime.now(timezone.utc).isoformat(timespec="seconds")
    manifest["weights_sha256"] = dict(manifest["weights_sha256"] or {})
    manifest["inputs_sha256"] = dict(manifest["inputs_sha256"] or {})
    manifest.update(unknown_ok)
    return manifest


def to_metadata(manifest: dict) -> dict[str, str]:
    """Container metadata carrying the manifest."""
    return {"comment": json.dumps(manifest, sort_keys=True, separators=(",", ":"))}


def read_manifest(path: Path) -> Optional[dict]:
    """The manifest stored in a video, or None when it has none (or not ours)."""
    import av

    try:
        with av.open(str(path)) as container:
            text = container.metadata.get("comment")
    except (av.error.FFmpegError, OSError):
        return None
    try:
        data = json.loads(text) if text else None
    except ValueError:
        return None
    return data if isinstance(data, dict) and data.get("schema") == SCHEMA else None
