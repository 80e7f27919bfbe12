"""Figures of a swap's quality, measured on real frames: identity kept, mouth and eyes followed, no seam.

- identity: dlib 128-D distance of each swapped face to the source face (under 0.6: the same person);
- mouth, eyes: correlation over frames of the mouth opening, and of the eye opening (blinks, squints), in the
  target and in the output (landmarks found anew);
- seam: gradient energy in a band along the swap mask's edge relative to the face interior; a visible seam
  raises it, so the output's figure is compared with the untouched target's over the same band.
"""

from __future__ import annotations

import numpy as np

from models.landmarks import with_forehead
from models.swappers.blend import eye_interiors, face_size, inner_hull, mouth_interior


def _gradient_energy(rgb: np.ndarray) -> np.ndarray:
    import cv2

    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    gx, gy = cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1)
    return gx * gx + gy * gy


def seam_bands(points: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(band, interior) bool masks: a ring along the swap mask's edge, and the face well inside it (the 68
    landmarks of the target face; the mask is the classical swapper's, forehead included)."""
    import cv2

    points = with_forehead(points)
    inner = inner_hull(points, shape)
    k = max(3, int(0.03 * face_size(points)) * 2 + 1)
    ell = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    band = (cv2.dilate(inner, ell) > 0) & ~(cv2.erode(inner, ell) > 0)
    core = cv2.erode(inner, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3 * k, 3 * k))) > 0
    mouth = cv2.dilate(mouth_interior(points, shape) | eye_interiors(points, shape), ell) > 0
    return band, core & ~mouth


def seam_ratio(rgb: np.ndarray, points: np.ndarray) -> float:
    """Mean gradient energy along the mask edge divided by that of the face interior."""
    band, core = seam_bands(points, rgb.shape[:2])
    if not band.any() or not core.any():
        return float("nan")
    energy = _gradient_energy(rgb)
    return float(energy[band].mean() / max(energy[core].mean(), 1e-6))


def correlation(a, b) -> float:
    """Pearson correlation of two series (nan when either is constant)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if len(a) < 3 or a.std() < 1e-9 or b.std() < 1e-9:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])
