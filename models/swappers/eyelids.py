"""The target's blinks in a swap: how open each of its eyes is, the source's lids closed to match, and the
target's own closed lids (lashes) kept where its eye is shut.

dlib puts a gap between the lids of a shut eye (its points sit on the lashes), so a dlib aspect ratio at or
under CLOSED_EYE counts as shut and one at or over OPEN_EYE as open; the swap leaves open eyes as they were.
"""

from __future__ import annotations

import numpy as np

from models.landmarks import EYES, eye_aspect_ratio

CLOSED_EYE, OPEN_EYE = 0.15, 0.27
SLIVER = 0.1  # the least of a lid gap kept: triangles of no height would warp the source from anywhere (streaks)


def openings(target: np.ndarray) -> np.ndarray:
    """(2,) how open each eye of the target is, 0 (shut) to 1 (open), from its landmarks."""
    ratios = np.array([eye_aspect_ratio(target[eye]) for eye in EYES])
    return np.clip((ratios - CLOSED_EYE) / (OPEN_EYE - CLOSED_EYE), 0, 1)


def lids_closed(points: np.ndarray, opening: np.ndarray) -> np.ndarray:
    """`points` with each eye's lids drawn toward the line between its corners, to `opening` of their gap."""
    out = points.copy()
    for eye, fraction in zip(EYES, np.maximum(opening, SLIVER)):
        corner, other, lids = points[eye[0]], points[eye[3]], eye[1:3] + eye[4:6]
        axis = (other - corner) / max(float(np.linalg.norm(other - corner)), 1e-6)
        foot = corner + np.outer((points[lids] - corner) @ axis, axis)
        out[lids] = foot + fraction * (points[lids] - foot)
    return out


def shut_alpha(points: np.ndarray, shape: tuple[int, int], opening: np.ndarray) -> np.ndarray:
    """float32 0..1 over each target eye's polygon, as strong as that eye is shut, feathered: the target's own
    lashes there (the source's squeezed eye alone reads as a smudge, not a closed eye)."""
    import cv2

    from models.swappers.blend import face_size

    mask = np.zeros(shape, np.float32)
    for eye, fraction in zip(EYES, opening):
        if fraction < 1:
            cv2.fillPoly(mask, [np.round(points[eye]).astype(np.int32)], float(1 - fraction))
    mask = cv2.GaussianBlur(mask, (0, 0), 0.008 * face_size(points) + 0.5)
    return np.clip(mask * 1.5, 0, 1)
