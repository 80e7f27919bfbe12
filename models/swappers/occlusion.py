"""What of the source face may be used: hair falling over the source's face is not face.

A fringe or a strand of hair over the forehead (which the classical swap adds above the brows, see
models.landmarks.with_forehead) or the temples would be pasted onto the target. Outside the features (brows,
eyes, nose, lips), pixels whose colour is far from the source's own skin (cheeks and nose) are marked unusable,
and the target shows through them.
"""

from __future__ import annotations

import numpy as np

from models.swappers.blend import face_size

_SKIN_SAMPLE = [1, 2, 3, 31, 33, 35, 13, 14, 15, 28]  # cheeks and nose: below the eyes, above the mouth
_BROWS = (list(range(17, 22)), list(range(22, 27)))
_FEATURES = (list(range(36, 42)), list(range(42, 48)), list(range(31, 36)) + [30], list(range(48, 60)))


def _polygon(points: np.ndarray, shape: tuple[int, int], hull: bool = True) -> np.ndarray:
    import cv2

    mask = np.zeros(shape, np.uint8)
    p = np.round(points).astype(np.int32)
    cv2.fillConvexPoly(mask, cv2.convexHull(p), 255) if hull else cv2.fillPoly(mask, [p], 255)
    return mask > 0


def skin_distance(rgb: np.ndarray, sample: np.ndarray) -> np.ndarray:
    """Mahalanobis distance in LAB of every pixel to the colours of the pixels in `sample` (a bool mask)."""
    import cv2

    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).reshape(-1, 3).astype(np.float32)
    skin = lab[sample.ravel()]
    mean, cov = skin.mean(0), np.cov(skin.T) + np.eye(3, dtype=np.float32) * 4.0
    diff = lab - mean
    return np.sqrt(np.einsum("ij,jk,ik->i", diff, np.linalg.inv(cov).astype(np.float32), diff)).reshape(rgb.shape[:2])


def features(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """uint8 mask of brows, eyes, nostrils and lips (not skin-coloured, but face), with a margin."""
    import cv2

    size = face_size(points)
    mask = np.zeros(shape, np.uint8)
    cv2.polylines(mask, [np.round(points[b]).astype(np.int32) for b in _BROWS], False, 255, max(2, int(0.06 * size)))
    for part in _FEATURES:
        cv2.fillConvexPoly(mask, cv2.convexHull(np.round(points[part]).astype(np.int32)), 255)
    return cv2.dilate(mask, np.ones((max(3, int(0.04 * size)),) * 2, np.uint8))


def usable(crop: np.ndarray, points: np.ndarray, far: float = 3.0) -> np.ndarray:
    """uint8 0..255 over the source crop: 255 where the source face may be used, falling to 0 where, outside the
    features, its colour is not the source's skin (hair)."""
    import cv2

    shape = crop.shape[:2]
    size = face_size(points)
    face = _polygon(points, shape) & (features(points, shape) == 0)
    d = skin_distance(crop, _polygon(points[_SKIN_SAMPLE], shape))
    hair = cv2.dilate((face & (d > far)).astype(np.uint8) * 255, np.ones((5, 5), np.uint8))
    hair = cv2.morphologyEx(hair, cv2.MORPH_OPEN, np.ones((max(3, int(0.03 * size)),) * 2, np.uint8))
    return 255 - cv2.GaussianBlur(hair, (0, 0), 0.02 * size + 1)
