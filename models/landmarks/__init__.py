"""Dense face landmarkers (68 points, iBUG 300-W order), chosen by name."""

from __future__ import annotations

from models.landmarks.dlib68 import (
    EYES,
    FOREHEAD,
    MOUTH_INNER,
    Dlib68,
    dlib_model_path,
    eye_aspect_ratio,
    eye_opening,
    five_from_68,
    mouth_opening,
    with_forehead,
)

LANDMARKERS: dict[str, type] = {"dlib68": Dlib68}


def get_landmarker(name: str = "dlib68"):
    """An instance of the named landmarker (loads its model)."""
    return LANDMARKERS[name]()


__all__ = ["EYES", "FOREHEAD", "LANDMARKERS", "MOUTH_INNER", "Dlib68", "dlib_model_path", "eye_aspect_ratio",
           "eye_opening", "five_from_68", "get_landmarker", "mouth_opening", "with_forehead"]
