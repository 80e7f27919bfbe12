"""Which faces of a frame to swap: all of them, the largest, or the one most like a reference face."""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from models.errors import ModelsError
from models.types import Face

MODES = ("all", "largest", "reference")

Embed = Callable[[np.ndarray, Face], np.ndarray]


def select_faces(frame_rgb: np.ndarray, faces: list[Face], mode: str = "all", *,
                 reference: Optional[np.ndarray] = None, embed: Optional[Embed] = None,
                 max_distance: float = 0.6) -> list[Face]:
    """The faces to swap. "reference" needs the reference descriptor and the embed function that made it;
    it picks the closest face, and none when even the closest is farther than max_distance (another person)."""
    if mode not in MODES:
        raise ModelsError(f"Unknown face selection {mode!r}; choose one of {', '.join(MODES)}.")
    if not faces or mode == "all":
        return list(faces)
    if mode == "largest":
        return [max(faces, key=lambda f: f.area)]
    if reference is None or embed is None:
        raise ModelsError("Selecting faces by reference needs a reference face.")
    dists = [float(np.linalg.norm(embed(frame_rgb, f) - reference)) for f in faces]
    best = int(np.argmin(dists))
    return [faces[best]] if dists[best] <= max_distance else []
