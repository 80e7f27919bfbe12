"""Dense face landmarkers (68 points, iBUG 300-W order), chosen by name."""

from __future__ import annotations

from models.landmarks.dlib68 import Dlib68, dlib_model_path, five_from_68

LANDMARKERS: dict[str, type] = {"dlib68": Dlib68}


def get_landmarker(name: str = "dlib68"):
    """An instance of the named landmarker (loads its model)."""
    return LANDMARKERS[name]()


__all__ = ["LANDMARKERS", "Dlib68", "dlib_model_path", "five_from_68", "get_landmarker"]
